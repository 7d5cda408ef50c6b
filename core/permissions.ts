/**
 * Who needs which IAM action, declared from what the code does: the checks (core/checks/) declare
 * their facts and fixes; here each Lambda step says which of those facts it gathers or which
 * workflow's fixes it makes, plus the calls of its own that no check covers. The deployed roles
 * (resources/iam.yml, the member role of member/member-account.yml) must hold exactly that
 * (test/unit/deploy/check-permissions.test.ts): least privilege follows from the catalogue.
 */
import { CATALOGUE, checksOf, type Run } from './checks';
import { FACTS, type FactName } from './checks/facts';
import type { Permission, Workflow } from './checks/types';

export interface Gathering {
  run: Run;
  side: Permission['as'];
  /** Only these of the run's facts (default: all of them). */
  only?: readonly FactName[];
  except?: readonly FactName[];
}

export interface Step {
  /** The function (functions/<name>/) and its role in resources/iam.yml. */
  function: string;
  role: string;
  /** Facts of the catalogue this step reads. */
  gathers?: readonly Gathering[];
  /** The workflow whose check fixes this step carries out. */
  fixes?: Workflow;
  /** Calls of the step's own, outside the catalogue (re-encryption, sharing, reports, queues). */
  own?: readonly Permission[];
}

/**
 * Actions a role holds only under a CloudFormation condition of resources/iam.yml: the repair role's
 * RevokeGrant exists only when the stack is deployed with StaleGrantPolicy=revoke.
 */
export const CONDITIONAL: readonly { role: string; condition: string; actions: readonly string[] }[] = [
  { role: 'RepairGrantsRole', condition: 'RevokeStaleGrants', actions: ['kms:RevokeGrant'] },
  // originalImagePolicy / deleteSnapshots (resources/iam.yml): destructive only when configured.
  { role: 'ApplyOriginalImagePolicyRole', condition: 'DeprecateOriginals', actions: ['ec2:EnableImageDeprecation'] },
  { role: 'ApplyOriginalImagePolicyRole', condition: 'DeregisterOriginals', actions: ['ec2:DeregisterImage'] },
  { role: 'ApplyOriginalImagePolicyRole', condition: 'DeleteSnapshotsOfOriginals', actions: ['ec2:DeleteSnapshot'] },
];

/**
 * Member-role actions held only under a condition of member/member-account.yml: the member's own
 * opt-in (LaunchTemplateIds, AllowLaunchTemplateDefaultVersion) to launch-template versions.
 */
export const MEMBER_CONDITIONAL: readonly { condition: string; actions: readonly string[] }[] = [
  { condition: 'UpdateLaunchTemplates', actions: ['ec2:CreateLaunchTemplateVersion'] },
  { condition: 'SetLaunchTemplateDefaultVersion', actions: ['ec2:ModifyLaunchTemplate'] },
];

/** Every Lambda writes its own log stream. */
export const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

/** Before it assumes the member role, a step asks Organizations whether the account is an active member (adapters/sts.ts). */
const MEMBERSHIP: Permission = { as: 'central', actions: ['organizations:DescribeAccount'] };

export const STEPS: readonly Step[] = [
  { function: 'diagnose-launch-failure', role: 'DiagnoseLaunchFailureRole', gathers: [{ run: 'diagnosis', side: 'central' }, { run: 'diagnosis', side: 'member' }], own: [MEMBERSHIP] },
  { function: 'grant-key-access', role: 'GrantKeyAccessRole', fixes: 'launch-failure', own: [MEMBERSHIP] },
  { function: 'verify-key-access', role: 'VerifyKeyAccessRole', own: [{ as: 'central', actions: ['kms:ListGrants'] }] },
  { function: 'record-failure', role: 'RecordFailureRole', own: [{ as: 'central', actions: ['s3:PutObject', 'sqs:SendMessage'] }] },
  { function: 'inspect-image', role: 'InspectImageRole', own: [{ as: 'central', actions: ['ec2:DescribeImages', 'ec2:DescribeSnapshots', 'kms:DescribeKey'] }] },
  {
    function: 'copy-image',
    role: 'CopyImageRole',
    // CopyImage with KmsKeyId uses the keys through EC2 (kms:ViaService), as the caller.
    own: [{ as: 'central', actions: ['ec2:DescribeImages', 'ec2:CopyImage', 'ec2:CreateTags', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'] }],
  },
  { function: 'share-image', role: 'ShareImageRole', own: [{ as: 'central', actions: ['ec2:DescribeImageAttribute', 'ec2:ModifyImageAttribute', 'organizations:DescribeAccount'] }] },
  {
    function: 'publish-image',
    role: 'PublishImageRole',
    // Lineage (the copy's deprecation) and the image pointer: SSM parameter, shared through RAM (docs/image-pointers.md).
    own: [
      {
        as: 'central',
        actions: [
          'ec2:DescribeImages',
          'ec2:DescribeSnapshots',
          'ec2:DescribeImageAttribute',
          'ec2:GetImageAncestry',
          'ec2:EnableImageDeprecation',
          'organizations:DescribeAccount',
          'ssm:GetParameter',
          'ssm:PutParameter',
          'ssm:PutResourcePolicy',
          'ssm:GetResourcePolicies',
          'ram:GetResourceShares',
          'ram:GetResourceShareAssociations',
          'ram:CreateResourceShare',
          'ram:AssociateResourceShare',
        ],
      },
    ],
  },
  {
    // Launch-template versions in opted-in accounts (docs/image-pointers.md); the member side's writes are MEMBER_CONDITIONAL.
    function: 'update-launch-templates',
    role: 'UpdateLaunchTemplatesRole',
    own: [
      { as: 'central', actions: ['sts:AssumeRole', 'kms:ListGrants'] },
      MEMBERSHIP,
      { as: 'member', actions: ['ec2:DescribeImages', 'ec2:DescribeLaunchTemplateVersions', 'ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'] },
    ],
  },
  {
    function: 'grant-target-access',
    role: 'GrantTargetAccessRole',
    own: [
      { as: 'central', actions: ['sts:AssumeRole', 'kms:ListGrants'] },
      MEMBERSHIP,
      { as: 'member', actions: ['autoscaling:DescribeAutoScalingGroups', 'iam:GetRole', 'iam:CreateServiceLinkedRole', 'kms:CreateGrant'] },
    ],
  },
  {
    function: 'apply-original-image-policy',
    role: 'ApplyOriginalImagePolicyRole',
    own: [{ as: 'central', actions: ['ec2:DescribeImages', 'ec2:DescribeImageAttribute', 'ec2:EnableImageDeprecation', 'ec2:DeregisterImage', 'ec2:DeleteSnapshot'] }],
  },
  {
    function: 'plan-sweep',
    role: 'PlanSweepRole',
    gathers: [{ run: 'sweep', side: 'central', only: ['organization.accounts'] }],
    // A new account's sweep asks whether the account is an active member; the plan writes the sweep's
    // scope, and its targets as a stream (a multipart upload past 5 MiB, aborted if it fails).
    own: [{ as: 'central', actions: ['organizations:DescribeAccount', 's3:PutObject', 's3:AbortMultipartUpload'] }],
  },
  {
    function: 'inspect-central-images',
    role: 'InspectCentralImagesRole',
    gathers: [{ run: 'sweep', side: 'central', except: ['member.role', 'organization.accounts', 'grants.history'] }],
    own: [{ as: 'central', actions: ['s3:PutObject'] }],
  },
  {
    function: 'inspect-member-account',
    role: 'InspectMemberAccountRole',
    gathers: [
      { run: 'sweep', side: 'central', only: ['member.role'] },
      { run: 'sweep', side: 'member' },
    ],
    own: [{ as: 'central', actions: ['s3:GetObject', 's3:PutObject'] }, MEMBERSHIP],
  },
  {
    function: 'write-sweep-report',
    role: 'WriteSweepReportRole',
    gathers: [{ run: 'sweep', side: 'central', only: ['grants.history'] }],
    // Reports are multipart uploads (s3:PutObject), aborted if they fail (s3:AbortMultipartUpload).
    own: [{ as: 'central', actions: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'] }],
  },
  // The grant-health repair; its kms:RevokeGrant is deployed only under staleGrantPolicy=revoke (CONDITIONAL).
  { function: 'repair-grants', role: 'RepairGrantsRole', fixes: 'grant-health' },
];

const actionsOf = (permissions: readonly Permission[], side: Permission['as']) => permissions.filter((p) => p.as === side).flatMap((p) => p.actions);

/** The facts a gathering reads: those its run's checks declare, narrowed. */
export function gatheredFacts(g: Gathering): FactName[] {
  const facts = [...new Set([...checksOf('launcher', g.run), ...checksOf('account', g.run), ...checksOf('central-image', g.run), ...checksOf('central-key', g.run)].flatMap((c) => c.facts))];
  return facts.filter((f) => (!g.only || g.only.includes(f)) && !g.except?.includes(f));
}

/** What one step needs, by side: its gathered facts, its fixes, its own calls (and, centrally, its logs). */
export function stepPermissions(step: Step): Record<Permission['as'], string[]> {
  const result: Record<Permission['as'], Set<string>> = { central: new Set(LOGS), member: new Set() };
  for (const g of step.gathers ?? []) {
    for (const fact of gatheredFacts(g)) actionsOf(FACTS[fact] as readonly Permission[], g.side).forEach((a) => result[g.side].add(a));
  }
  if (step.fixes) {
    for (const check of CATALOGUE.filter((c) => c.workflow === step.fixes)) {
      for (const side of ['central', 'member'] as const) actionsOf(check.fixPermissions, side).forEach((a) => result[side].add(a));
    }
  }
  for (const side of ['central', 'member'] as const) actionsOf(step.own ?? [], side).forEach((a) => result[side].add(a));
  return { central: [...result.central].sort(), member: [...result.member].sort() };
}

/** What the member role must hold: the member side of every step. */
export function memberRolePermissions(): string[] {
  return [...new Set(STEPS.flatMap((s) => stepPermissions(s).member))].sort();
}
