/**
 * Whole-account reads for the compliance sweep. Every call pages at the API's maximum, so the
 * number of calls grows with pages, never with the number of images or groups.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  DescribeScalingActivitiesCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  GetEbsDefaultKmsKeyIdCommand,
} from '@aws-sdk/client-ec2';
import type { ObservedImage } from '../core/image';
import { call, type ClientSettings } from './aws';
import { toGroupView, type GroupView, type LaunchTemplateRef } from './autoscaling';
import { toSnapshotView, type SnapshotView } from './ec2';

/** An image as the sweep sees it (the shape core/image.ts classifies). */
export type OwnedImage = ObservedImage;

const PAGE = 1000;

export class Ec2Inventory {
  constructor(private readonly client: EC2Client) {}

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
}

export function templateKey(ref: LaunchTemplateRef): string {
  return `${ref.launchTemplateId ?? ref.launchTemplateName ?? ''}@${ref.version ?? '$Default'}`;
}

export class AutoScalingInventory {
  constructor(private readonly client: AutoScalingClient) {}

  async groups(): Promise<GroupView[]> {
    const groups: GroupView[] = [];
    let token: string | undefined;
    do {
      const out = await call('autoscaling:DescribeAutoScalingGroups', () =>
        this.client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, ...(token ? { NextToken: token } : {}) })),
      );
      groups.push(...(out.AutoScalingGroups ?? []).map(toGroupView));
      token = out.NextToken;
    } while (token);
    return groups;
  }

  /** Launch configuration name → image (all pages). */
  async launchConfigurationImages(): Promise<Map<string, string>> {
    const images = new Map<string, string>();
    let token: string | undefined;
    do {
      const out = await call('autoscaling:DescribeLaunchConfigurations', () =>
        this.client.send(new DescribeLaunchConfigurationsCommand({ MaxRecords: 100, ...(token ? { NextToken: token } : {}) })),
      );
      for (const lc of out.LaunchConfigurations ?? []) if (lc.LaunchConfigurationName && lc.ImageId) images.set(lc.LaunchConfigurationName, lc.ImageId);
      token = out.NextToken;
    } while (token);
    return images;
  }

  /** The most recent scaling activities of every group (Auto Scaling keeps six weeks), at most `pages` pages. */
  async recentActivities(pages = 2): Promise<{ autoScalingGroupName: string; statusCode: string; statusMessage: string; time: string | null }[]> {
    const activities: { autoScalingGroupName: string; statusCode: string; statusMessage: string; time: string | null }[] = [];
    let token: string | undefined;
    let page = 0;
    do {
      const out = await call('autoscaling:DescribeScalingActivities', () =>
        this.client.send(new DescribeScalingActivitiesCommand({ MaxRecords: 100, IncludeDeletedGroups: false, ...(token ? { NextToken: token } : {}) })),
      );
      for (const a of out.Activities ?? []) {
        activities.push({
          autoScalingGroupName: a.AutoScalingGroupName ?? '',
          statusCode: a.StatusCode ?? '',
          statusMessage: a.StatusMessage ?? a.Description ?? '',
          time: a.EndTime ? new Date(a.EndTime).toISOString() : a.StartTime ? new Date(a.StartTime).toISOString() : null,
        });
      }
      token = out.NextToken;
      page += 1;
    } while (token && page < pages);
    return activities;
  }
}

export const ec2Inventory = (settings: ClientSettings) => new Ec2Inventory(new EC2Client(settings));
export const autoScalingInventory = (settings: ClientSettings) => new AutoScalingInventory(new AutoScalingClient(settings));
