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
const nextToken = (result: XmlElement | undefined) => {
  const token = value(result, 'NextToken');
  return token ? { NextToken: token } : {};
};
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

export class DescribeAutoScalingGroupsCommand extends QueryCommand<Record<string, unknown>, { AutoScalingGroups?: AutoScalingGroup[]; NextToken?: string }> {
  protected readonly action = 'DescribeAutoScalingGroups';
  protected readonly version = VERSION;
  protected shape(result: XmlElement | undefined) {
    return { AutoScalingGroups: members(child(result, 'AutoScalingGroups')).map(group), ...nextToken(result) };
  }
}

export interface LaunchConfiguration {
  LaunchConfigurationName?: string;
  ImageId?: string;
  SpotPrice?: string;
}

export class DescribeLaunchConfigurationsCommand extends QueryCommand<Record<string, unknown>, { LaunchConfigurations?: LaunchConfiguration[]; NextToken?: string }> {
  protected readonly action = 'DescribeLaunchConfigurations';
  protected readonly version = VERSION;
  protected shape(result: XmlElement | undefined) {
    return {
      LaunchConfigurations: members(child(result, 'LaunchConfigurations')).map((c) => fields(c, ['LaunchConfigurationName', 'ImageId', 'SpotPrice'] as const)),
      ...nextToken(result),
    };
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

export class DescribeScalingActivitiesCommand extends QueryCommand<Record<string, unknown>, { Activities?: Activity[]; NextToken?: string }> {
  protected readonly action = 'DescribeScalingActivities';
  protected readonly version = VERSION;
  protected shape(result: XmlElement | undefined) {
    return {
      Activities: members(child(result, 'Activities')).map((a): Activity => {
        const f = fields(a, ['ActivityId', 'AutoScalingGroupName', 'StatusCode', 'StatusMessage', 'Description', 'Cause', 'StartTime', 'EndTime'] as const);
        const { StartTime, EndTime, ...rest } = f;
        return { ...rest, ...(StartTime ? { StartTime: xmlDate(StartTime) } : {}), ...(EndTime ? { EndTime: xmlDate(EndTime) } : {}) };
      }),
      ...nextToken(result),
    };
  }
}
