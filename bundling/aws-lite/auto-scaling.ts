/**
 * Auto Scaling in the Lambda bundles (./client.ts): the groups, launch configurations and scaling
 * activities amiwarden reads, for the fields it reads — what a group launches from (its launch
 * template, its mixed-instances policy's and each override's, or its launch configuration) and
 * which service-linked role it uses; a launch configuration's image and Spot price; an
 * activity's group, status, description and times.
 */
import { defaultEndpointResolver } from '@aws-sdk/client-auto-scaling/dist-es/endpoint/endpointResolver';
import { LiteServiceClient, type LiteClientConfig } from './client';
import { QueryCommand } from './query';
import { child, children, fields, value, xmlDate, type XmlElement } from './xml';

const AUTO_SCALING = { serviceId: 'Auto Scaling', signingName: 'autoscaling', endpoint: defaultEndpointResolver, uriEscapePath: true };
const VERSION = '2011-01-01';

export class AutoScalingClient extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(AUTO_SCALING, config);
  }
}

export interface LaunchTemplateSpecification {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
  Version?: string;
}

export interface AutoScalingGroup {
  AutoScalingGroupName?: string;
  ServiceLinkedRoleARN?: string;
  LaunchConfigurationName?: string;
  LaunchTemplate?: LaunchTemplateSpecification;
  MixedInstancesPolicy?: { LaunchTemplate?: { LaunchTemplateSpecification?: LaunchTemplateSpecification; Overrides?: Array<{ LaunchTemplateSpecification?: LaunchTemplateSpecification }> } };
}

const members = (list: XmlElement | undefined) => children(list, 'member');
const specification = (e: XmlElement | undefined): LaunchTemplateSpecification | undefined => (e ? fields(e, ['LaunchTemplateId', 'LaunchTemplateName', 'Version'] as const) : undefined);

function group(e: XmlElement): AutoScalingGroup {
  const own = specification(child(e, 'LaunchTemplate'));
  const mixed = child(child(e, 'MixedInstancesPolicy'), 'LaunchTemplate');
  const mixedSpec = specification(child(mixed, 'LaunchTemplateSpecification'));
  const overrides = child(mixed, 'Overrides');
  return {
    ...fields(e, ['AutoScalingGroupName', 'ServiceLinkedRoleARN', 'LaunchConfigurationName'] as const),
    ...(own ? { LaunchTemplate: own } : {}),
    ...(mixed
      ? {
          MixedInstancesPolicy: {
            LaunchTemplate: {
              ...(mixedSpec ? { LaunchTemplateSpecification: mixedSpec } : {}),
              ...(overrides
                ? {
                    Overrides: members(overrides).map((o) => {
                      const spec = specification(child(o, 'LaunchTemplateSpecification'));
                      return spec ? { LaunchTemplateSpecification: spec } : {};
                    }),
                  }
                : {}),
            },
          },
        }
      : {}),
  };
}

/** A Describe operation: one page of a list, and the token of the next. */
abstract class DescribeCommand<K extends string, T> extends QueryCommand<Record<string, unknown>, { [list in K]?: T[] } & { NextToken?: string }> {
  protected readonly version = VERSION;
  protected abstract readonly list: K;
  protected abstract item(e: XmlElement): T;
  protected shape(result: XmlElement | undefined) {
    const token = value(result, 'NextToken');
    return { [this.list]: members(child(result, this.list)).map((e) => this.item(e)), ...(token ? { NextToken: token } : {}) } as { [list in K]?: T[] } & { NextToken?: string };
  }
}

export class DescribeAutoScalingGroupsCommand extends DescribeCommand<'AutoScalingGroups', AutoScalingGroup> {
  protected readonly action = 'DescribeAutoScalingGroups';
  protected readonly list = 'AutoScalingGroups';
  protected item(e: XmlElement): AutoScalingGroup {
    return group(e);
  }
}

export interface LaunchConfiguration {
  LaunchConfigurationName?: string;
  ImageId?: string;
  SpotPrice?: string;
}

export class DescribeLaunchConfigurationsCommand extends DescribeCommand<'LaunchConfigurations', LaunchConfiguration> {
  protected readonly action = 'DescribeLaunchConfigurations';
  protected readonly list = 'LaunchConfigurations';
  protected item(e: XmlElement): LaunchConfiguration {
    return fields(e, ['LaunchConfigurationName', 'ImageId', 'SpotPrice'] as const);
  }
}

export interface Activity {
  ActivityId?: string;
  AutoScalingGroupName?: string;
  StatusCode?: string;
  StatusMessage?: string;
  Description?: string;
  Cause?: string;
  StartTime?: Date;
  EndTime?: Date;
}

export class DescribeScalingActivitiesCommand extends DescribeCommand<'Activities', Activity> {
  protected readonly action = 'DescribeScalingActivities';
  protected readonly list = 'Activities';
  protected item(e: XmlElement): Activity {
    const { StartTime, EndTime, ...rest } = fields(e, ['ActivityId', 'AutoScalingGroupName', 'StatusCode', 'StatusMessage', 'Description', 'Cause', 'StartTime', 'EndTime'] as const);
    return { ...rest, ...(StartTime ? { StartTime: xmlDate(StartTime) } : {}), ...(EndTime ? { EndTime: xmlDate(EndTime) } : {}) };
  }
}
