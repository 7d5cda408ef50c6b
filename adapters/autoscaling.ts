/** Auto Scaling, read-only: the groups, what they launch from, which service-linked role each uses, recent activities. */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  DescribeScalingActivitiesCommand,
  type AutoScalingGroup,
  type LaunchConfiguration,
} from '@aws-sdk/client-auto-scaling';
import { call, type ClientSettings } from './aws';

export interface LaunchTemplateRef {
  launchTemplateId?: string;
  launchTemplateName?: string;
  version?: string;
}

export interface GroupView {
  name: string;
  serviceLinkedRoleArn?: string;
  launchTemplates: LaunchTemplateRef[];
  launchConfigurationName?: string;
}

/**
 * What a launch configuration launches. `spot`: it requests Spot Instances (SpotPrice), which
 * launch as the EC2 Spot service-linked role, not the group's Auto Scaling role.
 */
export interface LaunchConfigurationView {
  imageId?: string;
  spot: boolean;
}

export function toLaunchConfigurationView(config: LaunchConfiguration): LaunchConfigurationView {
  return { ...(config.ImageId ? { imageId: config.ImageId } : {}), spot: config.SpotPrice !== undefined && config.SpotPrice !== '' };
}

export class AutoScalingAdapter {
  constructor(private readonly client: AutoScalingClient) {}

  async describeGroup(name: string): Promise<GroupView | undefined> {
    const out = await call('autoscaling:DescribeAutoScalingGroups', () =>
      this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
    );
    const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
    return group ? toGroupView(group) : undefined;
  }

  async launchConfiguration(name: string): Promise<LaunchConfigurationView | undefined> {
    const out = await call('autoscaling:DescribeLaunchConfigurations', () =>
      this.client.send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: [name] })),
    );
    const config = out.LaunchConfigurations?.[0];
    return config ? toLaunchConfigurationView(config) : undefined;
  }

  /** The service-linked roles the account's groups use (default or custom suffix), over all pages. */
  async serviceLinkedRoleArns(): Promise<string[]> {
    const arns = new Set<string>();
    let token: string | undefined;
    do {
      const out = await call('autoscaling:DescribeAutoScalingGroups', () =>
        this.client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, ...(token ? { NextToken: token } : {}) })),
      );
      for (const group of out.AutoScalingGroups ?? []) if (group.ServiceLinkedRoleARN) arns.add(group.ServiceLinkedRoleARN);
      token = out.NextToken;
    } while (token);
    return [...arns];
  }

  // The whole account, for the compliance sweep (all pages).

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
    return new Map([...(await this.launchConfigurations())].flatMap(([name, lc]) => (lc.imageId ? [[name, lc.imageId] as const] : [])));
  }

  /** Every launch configuration: its image, and whether it requests Spot Instances (SpotPrice), which launch as the EC2 Spot role. */
  async launchConfigurations(): Promise<Map<string, { imageId?: string; spot: boolean }>> {
    const images = new Map<string, { imageId?: string; spot: boolean }>();
    let token: string | undefined;
    do {
      const out = await call('autoscaling:DescribeLaunchConfigurations', () =>
        this.client.send(new DescribeLaunchConfigurationsCommand({ MaxRecords: 100, ...(token ? { NextToken: token } : {}) })),
      );
      for (const lc of out.LaunchConfigurations ?? []) {
        if (lc.LaunchConfigurationName) images.set(lc.LaunchConfigurationName, { ...(lc.ImageId ? { imageId: lc.ImageId } : {}), spot: lc.SpotPrice !== undefined && lc.SpotPrice !== '' });
      }
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

/** Every launch template a group may launch from: its own, or the mixed-instances policy's and each override's. */
export function toGroupView(group: AutoScalingGroup): GroupView {
  const templates: LaunchTemplateRef[] = [];
  const add = (spec?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string }) => {
    if (!spec || (!spec.LaunchTemplateId && !spec.LaunchTemplateName)) return;
    const ref: LaunchTemplateRef = {
      ...(spec.LaunchTemplateId ? { launchTemplateId: spec.LaunchTemplateId } : {}),
      ...(spec.LaunchTemplateName ? { launchTemplateName: spec.LaunchTemplateName } : {}),
      ...(spec.Version ? { version: spec.Version } : {}),
    };
    const same = (r: LaunchTemplateRef) =>
      (r.launchTemplateId ?? r.launchTemplateName) === (ref.launchTemplateId ?? ref.launchTemplateName) && r.version === ref.version;
    if (!templates.some(same)) templates.push(ref);
  };
  add(group.LaunchTemplate);
  const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
  add(mixed?.LaunchTemplateSpecification);
  for (const override of mixed?.Overrides ?? []) add(override.LaunchTemplateSpecification);
  return {
    name: group.AutoScalingGroupName ?? '',
    ...(group.ServiceLinkedRoleARN ? { serviceLinkedRoleArn: group.ServiceLinkedRoleARN } : {}),
    launchTemplates: templates,
    ...(group.LaunchConfigurationName ? { launchConfigurationName: group.LaunchConfigurationName } : {}),
  };
}

export const AutoScaling = (settings: ClientSettings) => new AutoScalingAdapter(new AutoScalingClient(settings));

/** One key per launch template version a group names (the sweep's map of template images). */
export function templateKey(ref: LaunchTemplateRef): string {
  return `${ref.launchTemplateId ?? ref.launchTemplateName ?? ''}@${ref.version ?? '$Default'}`;
}
