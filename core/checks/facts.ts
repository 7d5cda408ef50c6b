/**
 * The facts checks read, and what reading each one costs in IAM: the actions, and the side that
 * calls them (amiwarden's central Lambda role, or the member role it assumes). A check's IAM needs
 * are the reads of the facts it declares plus its fix; test/unit/deploy/check-permissions.test.ts
 * holds the deployed roles to exactly that.
 */
import type { Permission } from './types';

export const FACTS = {
  /** What AWS said about the failed launch (the event): no call. */
  'launch.status-message': [],
  /** Assuming the member role. */
  'member.role': [{ as: 'central', actions: ['sts:AssumeRole'] }],
  /** The launcher: the Auto Scaling group, its launch templates and launch configuration; a Spot Fleet request or EC2 Fleet (adapters/fleets.ts). */
  launcher: [
    {
      as: 'member',
      actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeLaunchConfigurations', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeSpotFleetRequests', 'ec2:DescribeFleets'],
    },
  ],
  /** Whether the launcher's principal (a service-linked role: Auto Scaling, EC2 Spot, Spot Fleet, EC2 Fleet) exists. */
  'launcher.principal': [{ as: 'member', actions: ['iam:GetRole'] }],
  /** The images launched and their snapshots' encryption, from the central account or the member. */
  images: [
    { as: 'central', actions: ['ec2:DescribeImages', 'ec2:DescribeSnapshots'] },
    { as: 'member', actions: ['ec2:DescribeImages', 'ec2:DescribeSnapshots'] },
  ],
  /** The keys behind the snapshots: manager and state. */
  keys: [
    { as: 'central', actions: ['kms:DescribeKey'] },
    { as: 'member', actions: ['kms:DescribeKey'] },
  ],
  /** The grants on the organization key. */
  'keys.grants': [{ as: 'central', actions: ['kms:ListGrants'] }],
  /** The organization key's policy, read as KMS would for a member's CreateGrant. */
  'keys.policy': [{ as: 'central', actions: ['kms:GetKeyPolicy'] }],
  /** KMS's DryRun of the member role's CreateGrant (refused by key policy, IAM, SCP or RCP?). */
  'keys.grant-dry-run': [{ as: 'member', actions: ['kms:CreateGrant'] }],
  /** Recent scaling activities of the account's groups. */
  activities: [{ as: 'member', actions: ['autoscaling:DescribeScalingActivities'] }],
  /** The account's default EBS encryption key. */
  'default-ebs-key': [{ as: 'member', actions: ['ec2:GetEbsDefaultKmsKeyId'] }],
  /** The account's Allowed AMIs setting (GetAllowedImagesSettings). */
  'allowed-images': [{ as: 'member', actions: ['ec2:GetAllowedImagesSettings'] }],
  /** Run settings (AMIWARDEN_CREATE_SERVICE_LINKED_ROLE, dry run): no call. */
  settings: [],
  /** The organization's active accounts (under AMIWARDEN_SWEEP_OUS): whom amiwarden serves (the sweep's plan). */
  'organization.accounts': [{ as: 'central', actions: ['organizations:ListAccounts', 'organizations:ListAccountsForParent'] }],
  /** Earlier sweeps' counts of each key's grants (sweeps/grant-counts.json in the report bucket). */
  'grants.history': [{ as: 'central', actions: ['s3:GetObject', 's3:PutObject'] }],
  /** Whether the account's default Auto Scaling service-linked role exists. */
  'account.service-linked-role': [{ as: 'member', actions: ['iam:GetRole'] }],
  /** The account's EKS managed node groups: their launch templates, Auto Scaling groups and health issues (the sweep). */
  nodegroups: [{ as: 'member', actions: ['eks:ListClusters', 'eks:ListNodegroups', 'eks:DescribeNodegroup'] }],
  /** Whether each configured calling role exists in the account, and its ARN (AMIWARDEN_CALLING_ROLES; the sweep). */
  'calling-roles': [{ as: 'member', actions: ['iam:GetRole'] }],
  /** The central account's own images, snapshots and who may launch them (the sweep). */
  'central.images': [{ as: 'central', actions: ['ec2:DescribeImages', 'ec2:DescribeSnapshots'] }],
} as const satisfies Record<string, readonly Permission[]>;

export type FactName = keyof typeof FACTS;

/** The reads a set of facts costs, merged per side. */
export function factPermissions(facts: readonly FactName[]): Permission[] {
  const bySide = new Map<Permission['as'], Set<string>>();
  for (const fact of facts) {
    for (const p of FACTS[fact] as readonly Permission[]) {
      const set = bySide.get(p.as) ?? new Set<string>();
      p.actions.forEach((a) => set.add(a));
      bySide.set(p.as, set);
    }
  }
  return [...bySide].map(([as, actions]) => ({ as, actions: [...actions].sort() }));
}
