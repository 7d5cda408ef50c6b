/**
 * The check catalogue's interface. A check is one module in core/checks/: it names the facts it
 * reads (core/checks/facts.ts says which AWS reads, as which role, each fact costs), decides one
 * result from them with no I/O, names the workflow that fixes what it finds (or none), and declares
 * the IAM actions its fix needs. The launch-failure diagnosis and the compliance sweep gather the
 * facts first and then evaluate the same catalogue; the ids are one taxonomy (docs/checks.md).
 */
import type { Partition } from '../identifiers';
import type { GrantTarget } from '../grants';
import type { PolicyAnalysis } from '../key-policy';
import type { ObservedImage, ObservedKey } from '../image';
import type { FactName } from './facts';
import type { GrantCountPoint, GrantScope, ObservedGrant, StaleGrantPolicy } from '../grant-health';

export type { FactName } from './facts';

/** How urgent a finding is; `none` for a result that needs nothing (the grant is there, not a KMS failure). */
export type Severity = 'high' | 'medium' | 'low' | 'none';

/** What a run does about a result: start the check's workflow, nothing, or tell a person. */
export type Status = 'remediable' | 'no-action' | 'finding';

/** The state machines that fix findings. */
/** `grant-health`: the compliance sweep's Repair grants step (functions/repair-grants, services/grant-health.ts). */
export type Workflow = 'launch-failure' | 'reencrypt-and-share' | 'grant-health';

/**
 * What a check looks at. `launcher`: one way a member account launches instances (an Auto Scaling
 * group, a node group, a fleet, a calling role) with the images and keys it launches from.
 * `account`: one member account in one Region. `central-image`: an image the central account owns.
 * `central-key`: the organization key of a Region.
 */
export type Scope = 'launcher' | 'account' | 'central-image' | 'central-key';

/** IAM actions, and the side that needs them: amiwarden's central Lambda role or the member role it assumes. */
export interface Permission {
  as: 'central' | 'member';
  actions: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Facts (gathered by services/, read by checks)

export type LauncherKind = 'auto-scaling-group' | 'eks-nodegroup' | 'spot-fleet' | 'ec2-fleet' | 'calling-role';

/** The principal that uses the key when this launcher launches. */
export interface PrincipalFacts {
  arn: string;
  /** A service-linked role takes a grant created from the member account; a calling role needs key policy and IAM. */
  kind: 'service-linked-role' | 'calling-role';
  /** Whether the role exists (undefined: not read). */
  exists?: boolean;
  /** A calling role amiwarden is configured to grant to (AMIWARDEN_CALLING_ROLE_GRANTS). */
  grantConfigured?: boolean;
}

export interface LauncherFacts {
  kind: LauncherKind;
  /** The group, node group, fleet id or role name. */
  name: string;
  found: boolean;
  principal?: PrincipalFacts;
  /** The launch configuration an Auto Scaling group uses, when it requests Spot Instances. */
  spotLaunchConfiguration?: string;
  /** `resolve:ssm:…` image ids of its launch templates: Systems Manager parameters, resolved only at launch. */
  imageParameters?: string[];
  /** Launch-failure issues reported by the launcher itself (EKS node group health codes). */
  healthIssues?: { code: string; message: string }[];
}

export interface ImageFacts {
  imageId: string;
  found: boolean;
  ownerId?: string;
  snapshots: { snapshotId: string; encrypted: boolean; kmsKeyId?: string }[];
}

/** What KMS's own DryRun of the member role's CreateGrant said: it weighs key policy, IAM, SCPs and RCPs together. */
export type GrantDryRun = { outcome: 'would-succeed' } | { outcome: 'refused'; code: string; message: string };

export interface KeyFacts {
  keyArn: string;
  found: boolean;
  /** Why a key was not found: it does not exist, or amiwarden's role may not describe it (a key of another account). */
  reason?: 'not-found' | 'access-denied';
  keyManager?: 'AWS' | 'CUSTOMER';
  keyState?: string;
  /** One of the configured central keys. */
  managed: boolean;
  /** A grant for the launcher's principal covering every required operation exists. */
  grantPresent?: boolean;
  /** The key policy read as KMS would for the member's CreateGrant. */
  policy?: PolicyAnalysis;
  dryRun?: GrantDryRun;
  /** The statement that lets members create the grant (core/key-policy.ts): the fix when KMS names the key policy and amiwarden's reading found nothing. */
  keyPolicyFix?: string;
}

/** The member account's Allowed AMIs setting (EC2 GetAllowedImagesSettings). */
export interface AllowedImagesFacts {
  state: 'disabled' | 'audit-mode' | 'enabled';
  /** Image providers allowed by the criteria (account ids or amazon, aws-marketplace, aws-backup-vault). */
  imageProviders: string[];
  managedBy: 'account' | 'declarative-policy';
}

/** One member account in one Region, as the member role sees it. */
export interface AccountFacts {
  account: string;
  region: string;
  partition: Partition;
  centralAccountId: string;
  memberRole: { available: true } | { available: false; detail: string };
  /** Recent failed or cancelled scaling activities. */
  activities?: { autoScalingGroupName: string; statusCode: string; statusMessage: string; time: string | null }[];
  defaultEbsKey?: { keyId: string; awsManaged: boolean } | null;
  allowedImages?: AllowedImagesFacts | null;
  /** The sweep could not inspect the account (its Map item failed, or left no inventory). */
  inspection?: { status: 'failed' | 'missing'; detail: string };
  /**
   * The account's default Auto Scaling service-linked role and its grant on the Region's
   * organization key (the sweep). `handled`: a launcher result of the account already fixes that
   * role's grant. `newAccount`: the sweep was started by the member stack's CREATE_COMPLETE.
   */
  autoScalingRole?: { arn: string; exists: boolean | null; keyArn: string; grantPresent: boolean; handled: boolean; newAccount: boolean; createServiceLinkedRole: boolean };
  /**
   * The account's EKS managed node groups that launch central images on a configured key, with
   * the health issues EKS reports for them (DescribeNodegroup) and whether their principal, the
   * default Auto Scaling role, holds the grant on each key.
   */
  nodegroups?: NodegroupHealthFacts[];
}

export interface NodegroupHealthFacts {
  /** `cluster/nodegroup`. */
  name: string;
  principal: string;
  issues: { code: string; message: string; resourceIds: string[] }[];
  keys: { keyArn: string; grantPresent: boolean }[];
}

/** One launcher with everything it launches from. */
export interface LaunchFacts extends AccountFacts {
  trigger: 'event' | 'manual' | 'sweep';
  dryRun: boolean;
  /** What AWS said about the failed launch, when an event started the run. */
  statusMessage?: string;
  launcher?: LauncherFacts;
  images: ImageFacts[];
  keys: KeyFacts[];
  createServiceLinkedRole: boolean;
}

export interface CentralKeyFacts {
  region: string;
  centralAccountId: string;
  keyArn: string;
  /** Can a member create the Auto Scaling grant? (the key policy read for a sample member) */
  policy: PolicyAnalysis | null;
  /** The grants on the key to IAM principals, as ListGrants returns them (AWS services' own are only counted). */
  grants?: (ObservedGrant & { constrained?: true })[];
  /** How many grants the key holds, every grant counted. */
  grantCount?: number;
  /** What grant health judges the grants against (absent: no scope, policy keep, no history). */
  grantHealth?: {
    scope: GrantScope;
    policy: StaleGrantPolicy;
    /** When the grants were counted. */
    at: string;
    /** Earlier counts of this key's grants. */
    history: GrantCountPoint[];
  };
}

export interface CentralImageFacts {
  region: string;
  centralAccountId: string;
  /** The organization key of the Region, if one is configured. */
  keyArn: string | null;
  image: ObservedImage & { launchableBy: string[] };
  snapshots: { snapshotId: string; encrypted: boolean; kmsKeyId?: string }[];
  keys: ObservedKey[];
  /**
   * Ids of the Region's central images that are, or may still become, usable (available or
   * pending) copies of this image, as EC2 reports them (core/image.ts copyIdentity): a tag alone
   * (anyone allowed ec2:CreateTags could write it) never hides a finding.
   */
  usableCopyIds: string[];
  /** Accounts amiwarden shares with. */
  shareAccounts: string[];
}

export interface FactsByScope {
  launcher: LaunchFacts;
  account: AccountFacts;
  'central-image': CentralImageFacts;
  'central-key': CentralKeyFacts;
}

// ---------------------------------------------------------------------------------------------
// Results

export interface CheckResult {
  id: string;
  status: Status;
  severity: Severity;
  /** The ARN, id or `kind/name` the result is about. */
  resource: string;
  /** What was found, with the evidence (ids, states, AWS's words). */
  evidence: string;
  /** The fix in words, for a person (null when the workflow fixes it or nothing is needed). */
  fix: string | null;
  /** The grants the launch-failure workflow creates (remediable grant results). */
  grantsNeeded?: (GrantTarget & { name: string })[];
  /** The image the re-encryption workflow takes over (an AMI of the central account on aws/ebs). */
  handOver?: { imageId: string; region: string; trigger: 'launch-failure' } | null;  /** The account a result of the central key is about (a grant's account), when not the central account. */
  account?: string;
  /** What the grant-health workflow is started with (a remediable grant-health result). */
  repair?: GrantRepair;
}

/** Input of the grant-health workflow: the named grant for a role, then (policy revoke only) the stale grants. */
export interface GrantRepair {
  account?: string;
  serviceLinkedRoleArn?: string;
  /** A calling role configured for grants (AMIWARDEN_CALLING_ROLE_GRANTS), instead of a service-linked role. */
  callingRoleArn?: string;
  createServiceLinkedRole: boolean;
  revokeGrantIds: string[];
}

export interface Check<S extends Scope = Scope> {
  /** Kebab-case, stable: the cause of a diagnosis and the finding of a sweep row. */
  id: string;
  scope: S;
  /** One line for docs/checks.md. */
  title: string;
  severity: Severity;
  /** The facts `evaluate` reads; the runners gather at least these. */
  facts: readonly FactName[];
  /** The workflow a remediable result starts, or null when a person fixes it. */
  workflow: Workflow | null;
  /** The IAM actions the fix needs, beyond those of the facts (empty for a finding a person fixes). */
  fixPermissions: readonly Permission[];
  /** Runs where this check is evaluated. */
  runs: readonly ('diagnosis' | 'sweep')[];
  /** The result, or null when the check finds nothing (or does not apply); several for a check that reports each of many resources. */
  evaluate(facts: FactsByScope[S]): CheckResult | CheckResult[] | null;
}

export type AnyCheck = { [S in Scope]: Check<S> }[Scope];
