/** EC2, read-only for now: launch templates, images and the snapshots (and keys) behind them. */
import {
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Image,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { call, hasCode } from './aws';
import type { LaunchTemplateRef } from './autoscaling';

export interface ImageView {
  imageId: string;
  ownerId: string;
  state: string;
  name?: string;
  /** EBS snapshots behind the image. DescribeImages says whether each is encrypted, never with which key. */
  snapshots: { deviceName: string; snapshotId: string; encrypted: boolean }[];
}

export interface SnapshotView {
  snapshotId: string;
  ownerId?: string;
  encrypted: boolean;
  kmsKeyId?: string;
}

export class Ec2Adapter {
  constructor(private readonly client: EC2Client) {}

  /** The image a launch template version launches. `$Default` unless the group pins a version. */
  async launchTemplateImage(ref: LaunchTemplateRef): Promise<string | undefined> {
    try {
      const out = await call('ec2:DescribeLaunchTemplateVersions', () =>
        this.client.send(
          new DescribeLaunchTemplateVersionsCommand({
            ...(ref.launchTemplateId ? { LaunchTemplateId: ref.launchTemplateId } : { LaunchTemplateName: ref.launchTemplateName }),
            Versions: [ref.version ?? '$Default'],
          }),
        ),
      );
      return out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId;
    } catch (error) {
      if (hasCode(error, 'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException', 'InvalidLaunchTemplateId.VersionNotFound')) {
        return undefined;
      }
      throw error;
    }
  }

  /** Images by id; ids that do not exist (or are not visible) are simply absent from the result. */
  async describeImages(imageIds: string[]): Promise<ImageView[]> {
    if (imageIds.length === 0) return [];
    const out = await call('ec2:DescribeImages', () =>
      this.client.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: imageIds }] })),
    );
    return (out.Images ?? []).map(toImageView);
  }

  /** Snapshots by id, with their KMS key. Missing ids are absent from the result. */
  async describeSnapshots(snapshotIds: string[]): Promise<SnapshotView[]> {
    if (snapshotIds.length === 0) return [];
    try {
      const out = await call('ec2:DescribeSnapshots', () => this.client.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds })));
      return (out.Snapshots ?? []).map(toSnapshotView);
    } catch (error) {
      if (!hasCode(error, 'InvalidSnapshot.NotFound') || snapshotIds.length === 1) {
        if (hasCode(error, 'InvalidSnapshot.NotFound')) return [];
        throw error;
      }
      // One missing id fails the whole call: look the rest up one by one.
      const each = await Promise.all(snapshotIds.map((id) => this.describeSnapshots([id])));
      return each.flat();
    }
  }
}

export function toImageView(image: Image): ImageView {
  return {
    imageId: image.ImageId ?? '',
    ownerId: image.OwnerId ?? '',
    state: image.State ?? 'unknown',
    ...(image.Name ? { name: image.Name } : {}),
    snapshots: (image.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs?.SnapshotId ? [{ deviceName: m.DeviceName ?? '', snapshotId: m.Ebs.SnapshotId, encrypted: m.Ebs.Encrypted === true }] : [],
    ),
  };
}

export function toSnapshotView(snapshot: Snapshot): SnapshotView {
  return {
    snapshotId: snapshot.SnapshotId ?? '',
    ...(snapshot.OwnerId ? { ownerId: snapshot.OwnerId } : {}),
    encrypted: snapshot.Encrypted === true,
    ...(snapshot.KmsKeyId ? { kmsKeyId: snapshot.KmsKeyId } : {}),
  };
}
