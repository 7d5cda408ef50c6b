/**
 * Which calls of the emulator's call log change nothing: an explicit list of read-only actions per
 * service. Anything not listed (a new verb, an unknown service, an empty action) counts as a
 * change, so a check built on `isReadOnly` fails closed: a mutation it does not know is still a
 * mutation. Actions are the API's own names (S3's as the call log names them, s3_actions.py).
 */
import type { ApiCall } from './index';

export const READ_ONLY_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  ec2: [
    'DescribeImages',
    'DescribeImageAttribute',
    'DescribeSnapshots',
    'DescribeSnapshotAttribute',
    'DescribeLaunchTemplates',
    'DescribeLaunchTemplateVersions',
    'DescribeSpotFleetRequests',
    'DescribeFleets',
    'DescribeInstances',
    'DescribeRegions',
    'DescribeTags',
    'GetEbsDefaultKmsKeyId',
    'GetEbsEncryptionByDefault',
    'GetAllowedImagesSettings',
    'GetImageAncestry',
    'GetImageBlockPublicAccessState',
  ],
  kms: ['DescribeKey', 'GetKeyPolicy', 'GetKeyRotationStatus', 'ListAliases', 'ListGrants', 'ListKeyPolicies', 'ListKeys', 'ListResourceTags', 'ListRetirableGrants'],
  // AssumeRole and GetCallerIdentity mint or read a session; neither changes a resource.
  sts: ['AssumeRole', 'GetCallerIdentity'],
  iam: ['GetRole', 'GetRolePolicy', 'ListRoles', 'ListRolePolicies', 'ListAttachedRolePolicies'],
  autoscaling: ['DescribeAutoScalingGroups', 'DescribeLaunchConfigurations', 'DescribeScalingActivities'],
  // EKS as the call log names it by method and path (amiwarden_emulator/middleware.py).
  eks: ['ListClusters', 'DescribeCluster', 'ListNodegroups', 'DescribeNodegroup'],
  organizations: [
    'DescribeAccount',
    'DescribeOrganization',
    'DescribeOrganizationalUnit',
    'ListAccounts',
    'ListAccountsForParent',
    'ListChildren',
    'ListOrganizationalUnitsForParent',
    'ListParents',
    'ListRoots',
  ],
  s3: ['GetObject', 'HeadObject', 'HeadBucket', 'ListObjects', 'ListObjectsV2', 'ListBuckets', 'GetBucketLocation'],
  sqs: ['GetQueueAttributes', 'GetQueueUrl', 'ListQueues'],
  ssm: ['GetParameter', 'GetParameters', 'GetParametersByPath', 'DescribeParameters', 'GetResourcePolicies'],
  // RAM and Security Hub as the call log names them by method and path (amiwarden_emulator/middleware.py).
  ram: ['GetResourceShares', 'GetResourceShareAssociations'],
  securityhub: ['GetFindings'],
  events: ['DescribeEventBus', 'DescribeRule', 'ListRules', 'ListTargetsByRule', 'TestEventPattern'],
  states: ['DescribeExecution', 'DescribeStateMachine', 'ListExecutions'],
};

export const isReadOnly = (call: Pick<ApiCall, 'service' | 'action'>): boolean => READ_ONLY_ACTIONS[call.service]?.includes(call.action) ?? false;
