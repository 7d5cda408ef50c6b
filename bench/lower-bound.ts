/**
 * The lower bound of a sweep's API calls: what no sweep can do without, term by term, to read the
 * facts the check catalogue judges (core/checks/, docs/checks.md) for the world the benchmark
 * built. Every term is the fewest calls that AWS's API gives each fact in, with the page sizes AWS
 * documents. The benchmarks compare the calls the sweep made (the emulator's call log) with it.
 *
 * Central account, per Region:
 * - DescribeImages (Owners=self): one per page of 1,000 images.
 * - DescribeSnapshots (OwnerIds=self): one per page of 1,000 snapshots.
 * - DescribeImages (ExecutableUsers=<account>): one per share account (launch permission, per image).
 * - DescribeKey: one per distinct key the snapshots (and the Region's organization key) name.
 * - ListGrants: one per page of 100 grants of the organization key (at least one), and
 *   GetKeyPolicy: one (the key policy members' CreateGrant is judged against).
 * Per member account (whatever its Regions):
 * - Organizations DescribeAccount: one, when an organization is configured (that the account is an
 *   active member, before any role in it is assumed).
 * - AssumeRole: one (a session from a Regional STS endpoint is valid in every Region).
 * - IAM GetRole: one per distinct Auto Scaling service-linked role: the default one (its grant before
 *   the first launch) and each other one a group names (IAM is global).
 * Per member account and Region:
 * - DescribeAutoScalingGroups: one per page of 100 groups (at least one).
 * - DescribeLaunchTemplateVersions: one per version selector the groups use ($Default, $Latest: all
 *   templates in one call), one per template pinned to a version number; none without templates.
 * - DescribeLaunchConfigurations: one, if a group has a launch configuration.
 * - DescribeScalingActivities: one (the recent launch failures).
 * - GetEbsDefaultKmsKeyId: one (the default EBS key). GetAllowedImagesSettings: one (Allowed AMIs).
 * - DescribeSpotFleetRequests, DescribeFleets: one per page of 1,000 fleets each (at least one):
 *   the Spot Fleet requests and EC2 Fleets, launchers too (docs/launch-paths.md).
 * - EKS ListClusters: one per page of 100 clusters (at least one); ListNodegroups: one per cluster
 *   (a page holds 100 node groups); DescribeNodegroup: one per node group (docs/checks.md#launch-paths).
 * - KMS CreateGrant with DryRun: one per existing role that launches a central image of that
 *   Region and has no grant on its organization key (only KMS says whether the member may create
 *   it: key policy, IAM, SCPs and RCPs together).
 */
export interface CentralRegionFacts {
  images: number;
  snapshots: number;
  shareAccounts: number;
  distinctKeys: number;
  /** Grants on the Region's organization key; null: the Region has none configured. */
  keyGrants: number | null;
}

export interface MemberTargetFacts {
  groups: number;
  /** The version selectors ($Default, $Latest) and pinned templates the groups use. */
  templateSelectors: number;
  pinnedTemplates: number;
  launchConfigurations: boolean;
  /** Existing roles launching a central image of the Region without a grant on its key. */
  ungrantedLaunchingRoles: number;
  /** Spot Fleet requests and EC2 Fleets of the account in the Region (default none). */
  spotFleets?: number;
  fleets?: number;
  /** EKS clusters and managed node groups in the target (none unless the world builds them). */
  clusters?: number;
  nodegroups?: number;
}

export interface MemberAccountFacts {
  /** Distinct service-linked roles: the default one and those the groups name (any Region). */
  serviceLinkedRoles: number;
  regions: MemberTargetFacts[];
}

/** Calls by `service:action` (`kms:CreateGrant(DryRun)` for the DryRun), as the emulator's call log names them. */
export type CallCounts = Record<string, number>;

const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));

function add(into: CallCounts, action: string, n: number): CallCounts {
  if (n > 0) into[action] = (into[action] ?? 0) + n;
  return into;
}

export function centralLowerBound(r: CentralRegionFacts, into: CallCounts = {}): CallCounts {
  add(into, 'ec2:DescribeImages', pages(r.images, 1000) + r.shareAccounts);
  add(into, 'ec2:DescribeSnapshots', pages(r.snapshots, 1000));
  add(into, 'kms:DescribeKey', r.distinctKeys);
  if (r.keyGrants !== null) {
    add(into, 'kms:ListGrants', pages(r.keyGrants, 100));
    add(into, 'kms:GetKeyPolicy', 1);
  }
  return into;
}

export function memberTargetLowerBound(t: MemberTargetFacts, into: CallCounts = {}): CallCounts {
  add(into, 'autoscaling:DescribeAutoScalingGroups', pages(t.groups, 100));
  add(into, 'ec2:DescribeLaunchTemplateVersions', t.templateSelectors + t.pinnedTemplates);
  add(into, 'autoscaling:DescribeLaunchConfigurations', t.launchConfigurations ? 1 : 0);
  add(into, 'autoscaling:DescribeScalingActivities', 1);
  add(into, 'ec2:GetEbsDefaultKmsKeyId', 1);
  add(into, 'ec2:GetAllowedImagesSettings', 1);
  add(into, 'ec2:DescribeSpotFleetRequests', pages(t.spotFleets ?? 0, 1000));
  add(into, 'ec2:DescribeFleets', pages(t.fleets ?? 0, 1000));
  add(into, 'eks:ListClusters', pages(t.clusters ?? 0, 100));
  add(into, 'eks:ListNodegroups', t.clusters ?? 0);
  add(into, 'eks:DescribeNodegroup', t.nodegroups ?? 0);
  add(into, 'kms:CreateGrant(DryRun)', t.ungrantedLaunchingRoles);
  return into;
}

export function memberAccountLowerBound(a: MemberAccountFacts, options: { membershipCheck: boolean }, into: CallCounts = {}): CallCounts {
  add(into, 'organizations:DescribeAccount', options.membershipCheck ? 1 : 0);
  add(into, 'sts:AssumeRole', 1);
  add(into, 'iam:GetRole', a.serviceLinkedRoles);
  for (const t of a.regions) memberTargetLowerBound(t, into);
  return into;
}

export const total = (counts: CallCounts): number => Object.values(counts).reduce((n, c) => n + c, 0);

/** `service:action` of a call in the emulator's log, as the bound names it. */
export const actionOf = (c: { service: string; action: string; dryRun?: true }) => `${c.service}:${c.action}${c.dryRun ? '(DryRun)' : ''}`;
