/**
 * EC2: images and the snapshots (and keys) behind them, whole accounts for the sweep, the image
 * each launch template version launches; and, for re-encryption, copying, tagging, sharing,
 * deprecating and deregistering the central account's own images.
 */
import { CopyLimitExceededError } from '../core/errors';
import type { CopyRequest, LaunchPermission, ObservedImage } from '../core/image';
import type { AllowedImagesFacts } from '../core/checks/types';
import {
  CopyImageCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetAllowedImagesSettingsCommand,
  GetImageAncestryCommand,
  ModifyImageAttributeCommand,
  ModifyLaunchTemplateCommand,
  type Image,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { ACCESS_DENIED_CODES, call, hasCode, type ClientSettings } from './aws';
import type { LaunchTemplateRef } from './autoscaling';
import { describeFleet, describeSpotFleetRequest, launchingFleets, type FleetKind, type FleetView } from './fleets';

/** An image as the sweep sees it (the shape core/image.ts classifies). */
export type OwnedImage = ObservedImage;

const PAGE = 1000;

/** Named in ModifyImageAttribute so that IAM's ec2:Attribute says what changes (the share role is pinned to it). */
const LAUNCH_PERMISSION = 'launchPermission';

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

  /** A Spot Fleet request or an EC2 Fleet by id (adapters/fleets.ts). */
  fleet(kind: FleetKind, id: string): Promise<FleetView | undefined> {
    return kind === 'spot-fleet' ? describeSpotFleetRequest(this.client, id) : describeFleet(this.client, id);
  }

  /** The account's Spot Fleet requests and EC2 Fleets (maintain, request) that still launch. */
  launchingFleets(): Promise<FleetView[]> {
    return launchingFleets(this.client);
  }

  /** The account's Allowed AMIs setting in this Region. */
  allowedImagesSettings(): Promise<AllowedImagesFacts | null> {
    return readAllowedImages(this.client);
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

  // --- Re-encryption and sharing (the central account's own images) ------------------------

  /** One image with its tags and state reason; undefined when it does not exist or is not visible. */
  async describeImage(imageId: string): Promise<ImageDetail | undefined> {
    const out = await call('ec2:DescribeImages', () =>
      this.client.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: [imageId] }] })),
    );
    const image = (out.Images ?? []).find((i) => i.ImageId === imageId);
    return image ? toImageDetail(image) : undefined;
  }

  /**
   * This account's images that EC2 says were copied from `sourceImageId` in `sourceRegion`
   * (DescribeImages filters `source-image-id`, `source-image-region`): how amiwarden finds the copy
   * of a source. A tag is never asked: anyone allowed ec2:CreateTags could write one.
   */
  async findCopiesOf(sourceImageId: string, sourceRegion: string): Promise<ImageDetail[]> {
    const images: ImageDetail[] = [];
    let token: string | undefined;
    do {
      const out = await call('ec2:DescribeImages', () =>
        this.client.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            Filters: [
              { Name: 'source-image-id', Values: [sourceImageId] },
              { Name: 'source-image-region', Values: [sourceRegion] },
            ],
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      images.push(...(out.Images ?? []).map(toImageDetail));
      token = out.NextToken;
    } while (token);
    return images;
  }

  /** CopyImage in this region, encrypted with `kmsKeyId`, tags copied and the copy tagged. Same ClientToken, same copy. */
  /** Starts the copy. Throws CopyLimitExceededError while too many snapshot copies are in progress in the Region. */
  async copyImage(request: CopyImageRequest): Promise<string> {
    const out = await call('ec2:CopyImage', () => this.client.send(new CopyImageCommand(copyImageInput(request, false)))).catch((error: unknown) => {
      throw hasCode(error, 'ResourceLimitExceeded') ? new CopyLimitExceededError(request.region, { cause: error }) : error;
    });
    if (!out.ImageId) throw new Error('CopyImage returned no ImageId');
    return out.ImageId;
  }

  /** Would CopyImage be allowed? (EC2 DryRun: nothing is copied.) */
  async canCopyImage(request: CopyImageRequest): Promise<DryRunResult> {
    return dryRun('ec2:CopyImage', () => this.client.send(new CopyImageCommand(copyImageInput(request, true))));
  }

  /** Tags an image, and with it (in the same call) any of its snapshots. */
  async tagImage(imageId: string, tags: Record<string, string>, snapshotIds: string[] = []): Promise<void> {
    await call('ec2:CreateTags', () =>
      this.client.send(new CreateTagsCommand({ Resources: [imageId, ...snapshotIds], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })),
    );
  }

  /** The image's launch permissions; a public one (`Group: all`) shows as `{ Group }`. */
  async launchPermissions(imageId: string): Promise<(LaunchPermission | { Group: string })[]> {
    const out = await call('ec2:DescribeImageAttribute', () =>
      this.client.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' })),
    );
    return (out.LaunchPermissions ?? []).map((p) =>
      p.UserId ? { UserId: p.UserId } : p.OrganizationArn ? { OrganizationArn: p.OrganizationArn } : p.OrganizationalUnitArn ? { OrganizationalUnitArn: p.OrganizationalUnitArn } : { Group: p.Group ?? '' },
    );
  }

  async addLaunchPermissions(imageId: string, permissions: LaunchPermission[]): Promise<void> {
    await call('ec2:ModifyImageAttribute', () => this.client.send(new ModifyImageAttributeCommand({ ImageId: imageId, Attribute: LAUNCH_PERMISSION, LaunchPermission: { Add: permissions } })));
  }

  async canAddLaunchPermissions(imageId: string, permissions: LaunchPermission[]): Promise<DryRunResult> {
    return dryRun('ec2:ModifyImageAttribute', () =>
      this.client.send(new ModifyImageAttributeCommand({ ImageId: imageId, Attribute: LAUNCH_PERMISSION, LaunchPermission: { Add: permissions }, DryRun: true })),
    );
  }

  async enableImageDeprecation(imageId: string, deprecateAt: Date, dryRunOnly = false): Promise<DryRunResult | void> {
    const command = new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: deprecateAt, ...(dryRunOnly ? { DryRun: true } : {}) });
    if (dryRunOnly) return dryRun('ec2:EnableImageDeprecation', () => this.client.send(command));
    await call('ec2:EnableImageDeprecation', () => this.client.send(command));
  }

  async deregisterImage(imageId: string, dryRunOnly = false): Promise<DryRunResult | void> {
    const command = new DeregisterImageCommand({ ImageId: imageId, ...(dryRunOnly ? { DryRun: true } : {}) });
    if (dryRunOnly) return dryRun('ec2:DeregisterImage', () => this.client.send(command));
    await call('ec2:DeregisterImage', () => this.client.send(command));
  }

  /** Deletes a snapshot; one that is already gone counts as deleted. */
  async deleteSnapshot(snapshotId: string): Promise<void> {
    try {
      await call('ec2:DeleteSnapshot', () => this.client.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
    } catch (error) {
      if (!hasCode(error, 'InvalidSnapshot.NotFound')) throw error;
    }
  }

  // The whole account, for the compliance sweep: every call pages at the API's maximum, so the
  // number of calls grows with pages, never with the number of images.

  /** Every image this account owns (all pages). */
  async ownedImages(): Promise<OwnedImage[]> {
    const images: OwnedImage[] = [];
    let token: string | undefined;
    do {
      const out = await call('ec2:DescribeImages', () =>
        this.client.send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: PAGE, ...(token ? { NextToken: token } : {}) })),
      );
      for (const image of out.Images ?? []) {
        images.push({
          imageId: image.ImageId ?? '',
          ownerId: image.OwnerId ?? '',
          state: image.State ?? 'unknown',
          ...(image.Name ? { name: image.Name } : {}),
          ...(image.StateReason?.Message ? { stateReason: image.StateReason.Message } : {}),
          ...(image.SourceImageId ? { sourceImageId: image.SourceImageId } : {}),
          ...(image.SourceImageRegion ? { sourceImageRegion: image.SourceImageRegion } : {}),
          tags: Object.fromEntries((image.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
          snapshots: (image.BlockDeviceMappings ?? []).flatMap((m) =>
            m.Ebs?.SnapshotId ? [{ deviceName: m.DeviceName ?? '', snapshotId: m.Ebs.SnapshotId, encrypted: m.Ebs.Encrypted === true }] : [],
          ),
        });
      }
      token = out.NextToken;
    } while (token);
    return images;
  }

  /** Ids of this account's images that `account` may launch (explicit launch permission). */
  async imagesLaunchableBy(account: string): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const out = await call('ec2:DescribeImages', () =>
        this.client.send(new DescribeImagesCommand({ Owners: ['self'], ExecutableUsers: [account], MaxResults: PAGE, ...(token ? { NextToken: token } : {}) })),
      );
      ids.push(...(out.Images ?? []).map((i) => i.ImageId ?? ''));
      token = out.NextToken;
    } while (token);
    return ids;
  }

  /** Every snapshot this account owns, with its key (all pages). */
  async ownedSnapshots(): Promise<SnapshotView[]> {
    const snapshots: SnapshotView[] = [];
    let token: string | undefined;
    do {
      const out = await call('ec2:DescribeSnapshots', () =>
        this.client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: PAGE, ...(token ? { NextToken: token } : {}) })),
      );
      snapshots.push(...(out.Snapshots ?? []).map(toSnapshotView));
      token = out.NextToken;
    } while (token);
    return snapshots;
  }

  async defaultEbsKey(): Promise<string | undefined> {
    const out = await call('ec2:GetEbsDefaultKmsKeyId', () => this.client.send(new GetEbsDefaultKmsKeyIdCommand({})));
    return out.KmsKeyId;
  }

  // Launch templates: which image a version launches, for one group (the diagnosis) or all (the sweep).

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

  /**
   * What a launch template launches now: its latest version's image and number and its default
   * version's number (one DescribeLaunchTemplateVersions). undefined when the template does not exist.
   */
  async launchTemplateState(launchTemplateId: string): Promise<LaunchTemplateState | undefined> {
    try {
      const out = await call('ec2:DescribeLaunchTemplateVersions', () =>
        this.client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: launchTemplateId, Versions: ['$Latest', '$Default'] })),
      );
      const versions = out.LaunchTemplateVersions ?? [];
      const latest = versions.reduce<(typeof versions)[number] | undefined>((a, v) => ((v.VersionNumber ?? 0) > (a?.VersionNumber ?? 0) ? v : a), undefined);
      const defaultVersion = versions.find((v) => v.DefaultVersion === true);
      if (!latest?.VersionNumber) return undefined;
      return {
        ...(latest.LaunchTemplateData?.ImageId ? { latestImageId: latest.LaunchTemplateData.ImageId } : {}),
        latestVersion: latest.VersionNumber,
        defaultVersion: defaultVersion?.VersionNumber ?? latest.VersionNumber,
      };
    } catch (error) {
      if (hasCode(error, 'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateId.Malformed', 'InvalidLaunchTemplateId.VersionNotFound')) return undefined;
      throw error;
    }
  }

  /** A new version of the template from `sourceVersion`, launching `imageId` (everything else inherited). Same ClientToken, same version. */
  async createLaunchTemplateVersion(request: { launchTemplateId: string; sourceVersion: number; imageId: string; description: string; clientToken: string }): Promise<number> {
    const out = await call('ec2:CreateLaunchTemplateVersion', () =>
      this.client.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: request.launchTemplateId,
          SourceVersion: String(request.sourceVersion),
          LaunchTemplateData: { ImageId: request.imageId },
          VersionDescription: request.description.slice(0, 255),
          ClientToken: request.clientToken,
        }),
      ),
    );
    return out.LaunchTemplateVersion?.VersionNumber ?? 0;
  }

  async setDefaultLaunchTemplateVersion(launchTemplateId: string, version: number): Promise<void> {
    await call('ec2:ModifyLaunchTemplate', () => this.client.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: launchTemplateId, DefaultVersion: String(version) })));
  }

  /**
   * The image's ancestry as EC2 reports it (GetImageAncestry): the image first, then its source, back
   * to the root. null where EC2 does not offer the call (or the role may not make it): the caller
   * then follows DescribeImages' SourceImageId itself.
   */
  async imageAncestry(imageId: string): Promise<AncestryEntry[] | null> {
    try {
      const out = await call('ec2:GetImageAncestry', () => this.client.send(new GetImageAncestryCommand({ ImageId: imageId })));
      return (out.ImageAncestryEntries ?? []).map((e) => ({
        imageId: e.ImageId ?? '',
        ...(e.SourceImageId ? { sourceImageId: e.SourceImageId } : {}),
        ...(e.SourceImageRegion ? { sourceImageRegion: e.SourceImageRegion } : {}),
        ...(e.CreationDate ? { creationDate: e.CreationDate.toISOString() } : {}),
        ...(e.ImageOwnerAlias ? { ownerAlias: e.ImageOwnerAlias } : {}),
      }));
    } catch (error) {
      if (hasCode(error, 'InvalidAction', 'UnsupportedOperation', 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable', ...ACCESS_DENIED_CODES)) return null;
      throw error;
    }
  }

  /**
   * The image of every launch template version the groups use. `$Default` and `$Latest` of all
   * templates come in one paged call each; only pinned version numbers cost a call per template.
   */
  async launchTemplateImages(refs: LaunchTemplateRef[]): Promise<Map<string, string>> {
    const images = new Map<string, string>();
    const keyOf = (idOrName: string, version: string) => `${idOrName}@${version}`;
    const record = (v: { LaunchTemplateId?: string; LaunchTemplateName?: string; LaunchTemplateData?: { ImageId?: string } }, version: string) => {
      const image = v.LaunchTemplateData?.ImageId;
      if (!image) return;
      if (v.LaunchTemplateId) images.set(keyOf(v.LaunchTemplateId, version), image);
      if (v.LaunchTemplateName) images.set(keyOf(v.LaunchTemplateName, version), image);
    };
    for (const version of ['$Default', '$Latest']) {
      if (!refs.some((r) => (r.version ?? '$Default') === version)) continue;
      let token: string | undefined;
      do {
        const out = await call('ec2:DescribeLaunchTemplateVersions', () =>
          this.client.send(new DescribeLaunchTemplateVersionsCommand({ Versions: [version], MaxResults: 200, ...(token ? { NextToken: token } : {}) })),
        );
        for (const v of out.LaunchTemplateVersions ?? []) record(v, version);
        token = out.NextToken;
      } while (token);
    }
    for (const ref of refs) {
      const version = ref.version ?? '$Default';
      if (version.startsWith('$') || images.has(keyOf(ref.launchTemplateId ?? ref.launchTemplateName ?? '', version))) continue;
      const out = await call('ec2:DescribeLaunchTemplateVersions', () =>
        this.client.send(
          new DescribeLaunchTemplateVersionsCommand({
            ...(ref.launchTemplateId ? { LaunchTemplateId: ref.launchTemplateId } : { LaunchTemplateName: ref.launchTemplateName }),
            Versions: [version],
          }),
        ),
      );
      for (const v of out.LaunchTemplateVersions ?? []) record(v, version);
    }
    return new Map([...images].map(([k, v]) => [k, v]));
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

export interface LaunchTemplateState {
  latestImageId?: string;
  latestVersion: number;
  defaultVersion: number;
}

/** One image of an ancestry chain, and the image it was made from (none for the root). */
export interface AncestryEntry {
  imageId: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
  creationDate?: string;
  ownerAlias?: string;
}

export interface ImageDetail extends ImageView {
  description?: string;
  stateReason?: string;
  /** When the image was created (for a copy: when CopyImage started it), ISO 8601. */
  creationDate?: string;
  /** When the image is (or will be) deprecated, ISO 8601. */
  deprecationTime?: string;
  /** What EC2 says the image was made from (CreateImage, CopyImage, CreateRestoreImageTask only). */
  sourceImageId?: string;
  sourceImageRegion?: string;
  tags: Record<string, string>;
}

export function toImageDetail(image: Image): ImageDetail {
  return {
    ...toImageView(image),
    ...(image.Description ? { description: image.Description } : {}),
    ...(image.StateReason?.Message ? { stateReason: image.StateReason.Message } : {}),
    ...(image.CreationDate ? { creationDate: image.CreationDate } : {}),
    ...(image.DeprecationTime ? { deprecationTime: image.DeprecationTime } : {}),
    ...(image.SourceImageId ? { sourceImageId: image.SourceImageId } : {}),
    ...(image.SourceImageRegion ? { sourceImageRegion: image.SourceImageRegion } : {}),
    tags: Object.fromEntries((image.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}

/** The copy core/image.ts plans. */
export type CopyImageRequest = CopyRequest;

function copyImageInput(request: CopyImageRequest, dryRunOnly: boolean) {
  const tags = Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    SourceImageId: request.sourceImageId,
    SourceRegion: request.region,
    Name: request.name,
    Description: request.description,
    Encrypted: true,
    KmsKeyId: request.kmsKeyId,
    CopyImageTags: true,
    ClientToken: request.clientToken,
    TagSpecifications: [
      { ResourceType: 'image' as const, Tags: tags },
      { ResourceType: 'snapshot' as const, Tags: tags },
    ],
    ...(dryRunOnly ? { DryRun: true } : {}),
  };
}

/** EC2 DryRun: `DryRunOperation` means the call would have succeeded; `UnauthorizedOperation` that it would not. */
export interface DryRunResult {
  permitted: boolean;
  code: string;
}

async function dryRun(operation: string, fn: () => Promise<unknown>): Promise<DryRunResult> {
  try {
    await call(operation, fn);
    return { permitted: true, code: 'NoDryRun' };
  } catch (error) {
    if (hasCode(error, 'DryRunOperation')) return { permitted: true, code: 'DryRunOperation' };
    if (hasCode(error, 'UnauthorizedOperation', 'AccessDenied', 'AuthFailure')) return { permitted: false, code: (error as { code: string }).code };
    throw error;
  }
}

export const EC2 = (settings: ClientSettings) => new Ec2Adapter(new EC2Client(settings));

/**
 * The account's Allowed AMIs setting in the client's Region (GetAllowedImagesSettings): its state,
 * the image providers its criteria allow, and who manages it. null where EC2 does not offer it or
 * the member role may not read it (a member stack older than this read): the check then finds nothing.
 */
export async function readAllowedImages(client: EC2Client): Promise<AllowedImagesFacts | null> {
  try {
    const out = await call('ec2:GetAllowedImagesSettings', () => client.send(new GetAllowedImagesSettingsCommand({})));
    const state = out.State === 'enabled' || out.State === 'audit-mode' ? out.State : 'disabled';
    return {
      state,
      imageProviders: [...new Set((out.ImageCriteria ?? []).flatMap((c) => c.ImageProviders ?? []))],
      managedBy: out.ManagedBy === 'declarative-policy' ? 'declarative-policy' : 'account',
    };
  } catch (error) {
    // Unknown, not a failure: EC2 without the setting, or a member stack from before amiwarden read it.
    if (hasCode(error, 'InvalidAction', 'UnsupportedOperation', ...ACCESS_DENIED_CODES)) return null;
    throw error;
  }
}
