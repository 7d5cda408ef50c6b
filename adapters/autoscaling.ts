/** Auto Scaling, read-only: the group, what it launches from, and which service-linked role it uses. */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
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

export const autoscaling = (settings: ClientSettings) => new AutoScalingAdapter(new AutoScalingClient(settings));
