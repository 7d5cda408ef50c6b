/**
 * The compliance sweep's decisions: what it was asked to do, what the inventories it gathered
 * mean (one row per finding), and — in enforce mode — which remediations to start, within a cap.
 * Pure: services/sweep.ts gathers the inventories; the findings are the results of the check
 * catalogue (core/checks/, documented in docs/checks.md) over the facts the inventories hold.
 */
import type { Config, Mode } from './config';
import { InvalidInputError } from './errors';
import { allResults, CATALOGUE, firstResult } from './checks';
import type { AccountFacts, AllowedImagesFacts, CentralImageFacts, CentralKeyFacts, CheckResult, GrantDryRun, ImageFacts, KeyFacts, LaunchFacts, LauncherKind, NodegroupHealthFacts, Workflow } from './checks/types';
import { roleArnParts } from './calling-roles';
import { grantCovers, REQUIRED_GRANT_OPERATIONS } from './grants';
import type { GrantCountPoint, GrantScope, ObservedGrant, StaleGrantPolicy } from './grant-health';
import { describe, isAccountId, isRegion, memberRoleArn, refuseUnknownEventFields, serviceLinkedRoleArn } from './identifiers';
import { copyIdentity, type ObservedImage, type ObservedKey } from './image';
import { analyzeCreateGrant, keyPolicyFix, type PolicyAnalysis } from './key-policy';

export interface SweepRequest {
  mode: Mode;
  /** Accounts to sweep; empty = every active account of the organization. */
  accounts: string[];
  regions: string[];
  dryRun: boolean;
  /** `new-account`: the member stack was just created in the account (its CloudFormation event). */
  trigger: 'schedule' | 'manual' | 'new-account';
}

export const STACK_STATUS_CHANGE = 'CloudFormation Stack Status Change';

const MAX_LISTED_ACCOUNTS = 5000;

const MANUAL_SWEEP_FIELDS = new Set(['mode', 'accounts', 'regions', 'dryRun']);

/**
 * Accepts the schedule's event (from the central account) or `{mode?, accounts?, regions?, dryRun?}`.
 * A manual request with any other field (a typo such as `dryrun`) is refused, never ignored.
 */
export function parseSweepRequest(input: unknown, config: Pick<Config, 'mode' | 'regions' | 'centralAccountId'>): SweepRequest {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  if (o.source === 'aws.cloudformation') return newAccountRequest(o, config);
  if (o.source !== undefined && o.source !== 'aws.events' && o.source !== 'aws.scheduler') {
    throw new InvalidInputError('source', `expected a schedule ("aws.events" or "aws.scheduler"), got ${describe(o.source)}`);
  }
  const scheduled = o.source !== undefined;
  if (scheduled) refuseUnknownEventFields(o, ['mode', 'dryRun']);
  if (scheduled && o.account !== undefined && o.account !== config.centralAccountId) {
    throw new InvalidInputError('account', `expected the schedule of the central account ${config.centralAccountId}, got ${describe(o.account)}`);
  }
  if (!scheduled) {
    const unknown = Object.keys(o).find((k) => !MANUAL_SWEEP_FIELDS.has(k));
    if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; a manual sweep request has only ${[...MANUAL_SWEEP_FIELDS].join(', ')}`);
  }
  const mode = o.mode ?? config.mode;
  if (mode !== 'report' && mode !== 'enforce') throw new InvalidInputError('mode', `expected "report" or "enforce", got ${describe(mode)}`);
  const dryRun = o.dryRun ?? false;
  if (typeof dryRun !== 'boolean') throw new InvalidInputError('dryRun', `expected true or false, got ${describe(dryRun)}`);

  const accounts = scheduled ? [] : list('accounts', o.accounts, MAX_LISTED_ACCOUNTS);
  for (const [i, a] of accounts.entries()) if (!isAccountId(a)) throw new InvalidInputError(`accounts[${i}]`, `expected a 12-digit account id, got ${describe(a)}`);
  const regions = scheduled ? [] : list('regions', o.regions, 50);
  for (const [i, r] of regions.entries()) {
    if (!isRegion(r)) throw new InvalidInputError(`regions[${i}]`, `expected a region, got ${describe(r)}`);
    if (!config.regions.includes(r)) throw new InvalidInputError(`regions[${i}]`, `${r} is not one of the configured regions (${config.regions.join(', ')})`);
  }
  return { mode, accounts: [...new Set(accounts)], regions: regions.length ? [...new Set(regions)] : [...config.regions], dryRun, trigger: scheduled ? 'schedule' : 'manual' };
}

/**
 * The member stack reached CREATE_COMPLETE in an account (forwarded by the member stack's own rule,
 * member/member-account.yml): that account's checks and fixes, at once, in every configured region.
 * The fixes are the grants the account's roles need, so the run is in enforce mode whatever the
 * schedule's mode, as a launch-failure event always creates the grant it diagnosed.
 */
function newAccountRequest(o: Record<string, unknown>, config: Pick<Config, 'regions' | 'centralAccountId'>): SweepRequest {
  if (o['detail-type'] !== STACK_STATUS_CHANGE) throw new InvalidInputError('detail-type', `expected "${STACK_STATUS_CHANGE}", got ${describe(o['detail-type'])}`);
  const detail = o.detail as Record<string, unknown> | undefined;
  const status = (detail?.['status-details'] as Record<string, unknown> | undefined)?.status;
  if (status !== 'CREATE_COMPLETE') throw new InvalidInputError('detail.status-details.status', `expected "CREATE_COMPLETE", got ${describe(status)}`);
  const account = o.account;
  if (!isAccountId(account) || account === config.centralAccountId) throw new InvalidInputError('account', `expected a member account id, got ${describe(account)}`);
  const stackId = detail?.['stack-id'];
  if (typeof stackId !== 'string' || !stackId.startsWith('arn:') || !stackId.includes(`:${account}:stack/`)) {
    throw new InvalidInputError('detail.stack-id', `expected a stack of account ${account}, got ${describe(stackId)}`);
  }
  return { mode: 'enforce', accounts: [account], regions: [...config.regions], dryRun: false, trigger: 'new-account' };
}

function list(field: string, value: unknown, max: number): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(value) || value.length > max || value.some((v) => typeof v !== 'string')) {
    throw new InvalidInputError(field, `expected a list of at most ${max} strings, got ${describe(value)}`);
  }
  return value as string[];
}

// ---------------------------------------------------------------------------------------------
// Inventories (what services/sweep.ts gathers, stored between steps)

export interface CentralInventory {
  region: string;
  keyArn: string | null;
  images: (ObservedImage & { launchableBy: string[] })[];
  snapshots: { snapshotId: string; encrypted: boolean; kmsKeyId?: string }[];
  keys: ObservedKey[];
  /** Grants on the region's organization key to IAM principals (core/grant-health.ts isJudged), every page. */
  /** `constrained`: the grant holds only for a given encryption context (written only when true). */
  grants: (ObservedGrant & { constrained?: true })[];
  /** How many grants the key holds (every grant, AWS services' included). */
  grantCount?: number;
  /** Can a member create the Auto Scaling grant on the organization key? (read for a sample member) */
  keyPolicy: PolicyAnalysis | null;
  /** The key policy itself, so that each member's groups are judged as KMS would judge that member. */
  keyPolicyDocument?: string | null;
  /** Account ids amiwarden shares with (launch permission checked per image). */
  shareAccounts: string[];
}

export interface MemberInventory {
  account: string;
  region: string;
  status: 'inspected' | 'member-role-unavailable' | 'failed';
  detail: string | null;
  /**
   * Every launcher of the account: its Auto Scaling groups and (`kind`) its Spot Fleet requests and
   * EC2 Fleets of type maintain/request that still launch. `serviceLinkedRoleArn`: the role that
   * launches (a group's own, AWSServiceRoleForEC2Spot for Spot from a launch configuration, the
   * fleet's service-linked role).
   */
  groups: { name: string; kind?: 'spot-fleet' | 'ec2-fleet'; serviceLinkedRoleArn: string; serviceLinkedRoleExists: boolean | null; imageIds: string[]; spotLaunchConfiguration?: string }[];
  activities: { autoScalingGroupName: string; statusCode: string; statusMessage: string; time: string | null }[];
  /** The account's default EBS key, when it is the AWS managed key (a finding). */
  defaultEbsKey: { keyId: string; awsManaged: boolean } | null;
  /** The account's Allowed AMIs setting (null where EC2 does not offer it). */
  allowedImages?: AllowedImagesFacts | null;
  /** KMS's DryRun of the member role's CreateGrant, per role without a grant on the organization key. */
  grantDryRuns?: { keyArn: string; granteePrincipal: string; dryRun: GrantDryRun }[];
  /** Does the account's default Auto Scaling service-linked role exist? (null: not read) */
  defaultServiceLinkedRoleExists?: boolean | null;
  /**
   * The account's EKS managed node groups (EKS DescribeNodegroup): the images of their launch
   * templates, the Auto Scaling groups EKS runs for them (reported as the node group, not again as
   * a group) and their health issues. They launch as the default Auto Scaling role.
   */
  nodegroups?: { cluster: string; name: string; autoScalingGroups: string[]; imageIds: string[]; healthIssues: { code: string; message: string; resourceIds: string[] }[] }[];
  /** The configured calling roles IAM knows in the account (GetRole's ARN), and whether amiwarden may grant to each. */
  callingRoles?: { arn: string; grantable: boolean }[];
}

// ---------------------------------------------------------------------------------------------
// Findings: the catalogue's results (core/checks/), one row each

export type Severity = 'high' | 'medium' | 'low';

/** Every finding a sweep can report, with its severity: the catalogue's checks the sweep runs. */
export const FINDINGS: Readonly<Record<string, Severity>> = Object.fromEntries(
  CATALOGUE.filter((c) => c.runs.includes('sweep') && c.severity !== 'none').map((c) => [c.id, c.severity as Severity]),
);
export type FindingType = string;

export interface Remediation {
  workflow: Workflow;
  input: Record<string, unknown>;
}

export interface Finding {
  account: string;
  region: string;
  resource: string;
  finding: FindingType;
  severity: Severity;
  detail: string;
  action: string;
  remediation: Remediation | null;
}

/** What a workflow does, in the words of a report row. */
const WORKFLOW_ACTION: Record<string, string> = {
  'missing-grant': 'create the grant from the member account (launch-failure)',
  'service-linked-role-missing': 'create the role and the grant (launch-failure)',
  'ami-not-shared': 'share it with the configured targets (reencrypt-and-share)',
};

/** A result of the catalogue as a report row; a result that needs nothing is no row. */
function toRow(account: string, region: string, result: CheckResult, remediation: Remediation | null): Finding | null {
  if (result.status === 'no-action' || result.severity === 'none') return null;
  const remediable = result.status === 'remediable';
  // A grant-health result carries its own repair (core/checks/grant-issues.ts), and the grant's account.
  if (result.repair) remediation = { workflow: 'grant-health', input: { region, ...result.repair } };
  return {
    account: result.account ?? account,
    region,
    resource: result.resource,
    finding: result.id,
    severity: result.severity,
    detail: result.evidence,
    action:
      result.fix ??
      (remediable && remediation?.workflow === 'grant-health' ? 'create the grant from the member account (grant-health)' : undefined) ??
      WORKFLOW_ACTION[result.id] ??
      (remediable && remediation?.workflow === 'reencrypt-and-share' ? 'copy with the organization key and share the copy (reencrypt-and-share)' : 'see docs/checks.md'),
    remediation: remediable ? remediation : null,
  };
}

/** The facts of one central image, from the central inventory of its Region. */
export function centralImageFacts(inv: CentralInventory, image: CentralInventory['images'][number], config: Pick<Config, 'centralAccountId'>): CentralImageFacts {
  return {
    region: inv.region,
    centralAccountId: config.centralAccountId,
    keyArn: inv.keyArn,
    image,
    snapshots: inv.snapshots,
    keys: inv.keys,
    usableCopyIds: inv.images
      .filter((i) => (i.state === 'available' || i.state === 'pending') && copyIdentity(i, image, inv.region, config.centralAccountId).copy)
      .map((i) => i.imageId),
    shareAccounts: inv.shareAccounts,
  };
}

/** What grant health judges a key's grants against (absent: no scope, policy keep, no history). */
export type GrantHealthContext = NonNullable<CentralKeyFacts['grantHealth']>;

export function centralFindings(inv: CentralInventory, config: Pick<Config, 'centralAccountId'>, grantHealth?: GrantHealthContext): Finding[] {
  const account = config.centralAccountId;
  const findings: Finding[] = [];
  for (const image of inv.images) {
    const remediation: Remediation = { workflow: 'reencrypt-and-share', input: { imageId: image.imageId, region: inv.region, trigger: 'sweep' } };
    for (const result of allResults('central-image', 'sweep', centralImageFacts(inv, image, config))) {
      const row = toRow(account, inv.region, result, remediation);
      if (row) findings.push(row);
    }
  }
  if (inv.keyArn) {
    const facts: CentralKeyFacts = {
      region: inv.region,
      centralAccountId: account,
      keyArn: inv.keyArn,
      policy: inv.keyPolicy,
      grants: inv.grants,
      ...(inv.grantCount === undefined ? {} : { grantCount: inv.grantCount }),
      ...(grantHealth ? { grantHealth } : {}),
    };
    for (const result of allResults('central-key', 'sweep', facts)) {
      const row = toRow(account, inv.region, result, null);
      if (row) findings.push(row);
    }
  }
  return findings;
}

/**
 * The planned member inspections that left no inventory: the Map item failed (within its tolerated
 * share), timed out, or never ran. Without this row such an account would vanish from the report.
 */
export function missingInspectionFindings(
  targets: { account: string; region: string }[],
  inventoried: { account: string; region: string }[] | ReadonlySet<string>,
  config: Pick<Config, 'partition' | 'centralAccountId'>,
): Finding[] {
  /** `inventoried`: the targets that left an inventory, or their `account/region` keys. */
  const done: ReadonlySet<string> = Array.isArray(inventoried) ? new Set(inventoried.map((i) => `${i.account}/${i.region}`)) : (inventoried as ReadonlySet<string>);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const t of targets) {
    const key = `${t.account}/${t.region}`;
    if (done.has(key) || seen.has(key)) continue;
    seen.add(key);
    const facts: AccountFacts = {
      ...accountBase(t.account, t.region, config),
      inspection: { status: 'missing', detail: `no inventory of ${t.account} in ${t.region}: its inspection failed or did not finish, so its groups were not checked` },
    };
    findings.push(...allResults('account', 'sweep', facts).flatMap((r) => toRow(t.account, t.region, r, null) ?? []));
  }
  return findings;
}

export type MemberFindingsConfig = Pick<Config, 'centralAccountId' | 'partition' | 'createServiceLinkedRole'> & Partial<Pick<Config, 'keys' | 'memberRoleName' | 'organizationId'>>;

const accountBase = (account: string, region: string, config: Pick<Config, 'partition' | 'centralAccountId'>) => ({
  account,
  region,
  partition: config.partition,
  centralAccountId: config.centralAccountId,
  memberRole: { available: true } as AccountFacts['memberRole'],
});

/**
 * The facts of one member group as the sweep sees them: only the central images it launches (an
 * image of another owner is not amiwarden's to judge), their keys from the central inventory, the
 * grants on the organization key, and the key policy read for this member and this role.
 */
export function memberGroupFacts(
  inv: MemberInventory,
  group: MemberInventory['groups'][number],
  central: CentralInventory,
  config: MemberFindingsConfig,
  kind: Extract<LauncherKind, 'auto-scaling-group' | 'eks-nodegroup'> = 'auto-scaling-group',
): LaunchFacts | null {
  const images = group.imageIds.flatMap((id) => central.images.filter((i) => i.imageId === id));
  if (images.length === 0) return null;
  const imageFacts: ImageFacts[] = images.map((image) => ({
    imageId: image.imageId,
    found: true,
    ownerId: image.ownerId,
    snapshots: image.snapshots.map((m) => {
      const s = central.snapshots.find((x) => x.snapshotId === m.snapshotId);
      const encrypted = s ? s.encrypted : m.encrypted;
      return { snapshotId: m.snapshotId, encrypted, ...(encrypted && s?.kmsKeyId ? { kmsKeyId: s.kmsKeyId } : {}) };
    }),
  }));
  const configured = new Set(config.keys ? Object.values(config.keys).map((k) => k.arn) : central.keyArn ? [central.keyArn] : []);
  const keyIds = [...new Set(imageFacts.flatMap((i) => i.snapshots.flatMap((s) => (s.kmsKeyId ? [s.kmsKeyId] : []))))];
  const keys: KeyFacts[] = keyIds.map((keyId) => {
    const k = central.keys.find((x) => x.keyId === keyId || x.keyArn === keyId);
    const arn = k?.keyArn ?? keyId;
    const managed = configured.has(arn);
    const facts: KeyFacts = { keyArn: keyId, found: k?.found === true, ...(k?.keyManager ? { keyManager: k.keyManager } : {}), ...(k?.keyState ? { keyState: k.keyState } : {}), managed };
    if (!managed || !k?.found || k.keyState !== 'Enabled' || arn !== central.keyArn) return facts;
    const grantPresent = central.grants.some((g) => grantCovers(g, group.serviceLinkedRoleArn));
    const dryRun = inv.grantDryRuns?.find((d) => d.keyArn === arn && d.granteePrincipal === group.serviceLinkedRoleArn)?.dryRun;
    if (grantPresent) return { ...facts, grantPresent };
    if (central.keyPolicyDocument === undefined || !config.memberRoleName) return { ...facts, grantPresent, ...(dryRun ? { dryRun } : {}) };
    const policy = analyzeCreateGrant(central.keyPolicyDocument ?? undefined, {
      callerAccount: inv.account,
      callerArn: memberRoleArn(config.partition, inv.account, config.memberRoleName),
      granteePrincipal: group.serviceLinkedRoleArn,
      operations: REQUIRED_GRANT_OPERATIONS,
      ...(config.organizationId ? { organizationId: config.organizationId } : {}),
    });
    const fix = dryRun?.outcome === 'refused' ? { keyPolicyFix: keyPolicyFix(config.organizationId, config.partition) } : {};
    return { ...facts, grantPresent, policy, ...(dryRun ? { dryRun } : {}), ...fix };
  });
  return {
    ...accountBase(inv.account, inv.region, config),
    trigger: 'sweep',
    dryRun: false,
    launcher: {
      kind: group.kind ?? kind,
      name: group.name,
      found: true,
      principal: { arn: group.serviceLinkedRoleArn, kind: 'service-linked-role', ...(group.serviceLinkedRoleExists === null ? {} : { exists: group.serviceLinkedRoleExists }) },
      ...(group.spotLaunchConfiguration ? { spotLaunchConfiguration: group.spotLaunchConfiguration } : {}),
    },
    images: imageFacts,
    keys,
    createServiceLinkedRole: config.createServiceLinkedRole,
    allowedImages: inv.allowedImages ?? null,
  };
}

export function memberFindings(inv: MemberInventory, centrals: CentralInventory[], config: MemberFindingsConfig, options: { newAccount?: boolean } = {}): Finding[] {
  const base = accountBase(inv.account, inv.region, config);
  if (inv.status === 'member-role-unavailable') {
    const facts: LaunchFacts = { ...base, memberRole: { available: false, detail: inv.detail ?? 'the member role cannot be assumed' }, trigger: 'sweep', dryRun: false, images: [], keys: [], createServiceLinkedRole: false };
    const result = firstResult('launcher', 'sweep', facts);
    return result ? [toRow(inv.account, inv.region, result, null)!].filter(Boolean) : [];
  }
  const account: AccountFacts = {
    ...base,
    activities: inv.activities,
    defaultEbsKey: inv.defaultEbsKey,
    allowedImages: inv.allowedImages ?? null,
    ...(inv.status === 'failed' ? { inspection: { status: 'failed' as const, detail: inv.detail ?? 'the inspection failed' } } : {}),
  };
  if (inv.status === 'failed') return allResults('account', 'sweep', { ...base, inspection: account.inspection! }).flatMap((r) => toRow(inv.account, inv.region, r, null) ?? []);

  const findings: Finding[] = [];
  const central = centrals.find((c) => c.region === inv.region);
  const defaultRole = serviceLinkedRoleArn(config.partition, inv.account);
  // A node group's Auto Scaling groups, as EKS names them, are reported once: as the node group.
  const ofNodegroups = new Set((inv.nodegroups ?? []).flatMap((n) => n.autoScalingGroups));
  // Whether a launcher's remediation already grants the account's default Auto Scaling role.
  let handlesDefaultRole = false;
  for (const group of inv.groups) {
    if (ofNodegroups.has(group.name)) continue;
    const facts = central ? memberGroupFacts(inv, group, central, config) : null;
    if (!facts) continue;
    const result = firstResult('launcher', 'sweep', facts);
    // The launch-failure workflow's manual request for this launcher (core/launch-failure.ts).
    const named = group.kind === 'spot-fleet' ? { spotFleetRequestId: group.name } : group.kind === 'ec2-fleet' ? { fleetId: group.name } : { autoScalingGroupName: group.name };
    const launch: Remediation = { workflow: 'launch-failure', input: { account: inv.account, region: inv.region, ...named } };
    const row = result && toRow(inv.account, inv.region, result, launch);
    if (row) findings.push(row);
    if (row?.remediation && group.serviceLinkedRoleArn === defaultRole) handlesDefaultRole = true;
  }
  // EKS managed node groups: always the default Auto Scaling role; the grant-health repair grants it.
  const nodegroups: NodegroupHealthFacts[] = [];
  for (const ng of inv.nodegroups ?? []) {
    const name = `${ng.cluster}/${ng.name}`;
    const group = { name, serviceLinkedRoleArn: defaultRole, serviceLinkedRoleExists: inv.defaultServiceLinkedRoleExists ?? null, imageIds: ng.imageIds };
    const facts = central ? memberGroupFacts(inv, group, central, config, 'eks-nodegroup') : null;
    if (!facts) continue;
    facts.launcher = { ...facts.launcher!, ...(ng.healthIssues.length > 0 ? { healthIssues: ng.healthIssues.map(({ code, message }) => ({ code, message })) } : {}) };
    const result = firstResult('launcher', 'sweep', facts);
    const row = result && toRow(inv.account, inv.region, result, nodegroupRemediation(inv, result, defaultRole, config));
    if (row) findings.push(row);
    nodegroups.push({ name, principal: defaultRole, issues: ng.healthIssues, keys: facts.keys.filter((k) => k.managed && k.found).map((k) => ({ keyArn: k.keyArn, grantPresent: k.grantPresent === true })) });
  }
  if (nodegroups.length > 0) account.nodegroups = nodegroups;
  // Calling roles (AMIWARDEN_CALLING_ROLES): they launch as themselves from the organization key.
  if (central?.keyArn) {
    for (const role of inv.callingRoles ?? []) {
      const row = callingRoleRow(inv, role, central, config);
      if (row) findings.push(row);
    }
  }
  // The account's own Auto Scaling role: its grant before the account's first launch (account-missing-grant).
  if (central?.keyArn) {
    account.autoScalingRole = {
      arn: defaultRole,
      exists: inv.defaultServiceLinkedRoleExists ?? null,
      keyArn: central.keyArn,
      grantPresent: central.grants.some((g) => grantCovers(g, defaultRole)),
      handled: handlesDefaultRole || findings.some((f) => f.remediation?.workflow === 'grant-health' && f.remediation.input.serviceLinkedRoleArn === defaultRole),
      newAccount: options.newAccount === true,
      createServiceLinkedRole: config.createServiceLinkedRole,
    };
  }
  findings.push(...allResults('account', 'sweep', account).flatMap((r) => toRow(inv.account, inv.region, r, null) ?? []));
  return findings;
}

/**
 * What fixes a node group's result: its role's grant through the grant-health repair (there is no
 * group of its own for the launch-failure workflow to diagnose), or the image's re-encryption.
 */
function nodegroupRemediation(inv: MemberInventory, result: CheckResult, defaultRole: string, config: MemberFindingsConfig): Remediation | null {
  if (result.handOver) return { workflow: 'reencrypt-and-share', input: { imageId: result.handOver.imageId, region: result.handOver.region, trigger: 'sweep' } };
  if (!result.grantsNeeded?.length) return null;
  const create = result.id === 'service-linked-role-missing' && config.createServiceLinkedRole;
  return { workflow: 'grant-health', input: { account: inv.account, region: inv.region, serviceLinkedRoleArn: defaultRole, createServiceLinkedRole: create, revokeGrantIds: [] } };
}

/** A configured calling role's row: the organization key of its Region, as the central inventory saw it, and the role's grant on it. */
function callingRoleRow(inv: MemberInventory, role: NonNullable<MemberInventory['callingRoles']>[number], central: CentralInventory, config: MemberFindingsConfig): Finding | null {
  const keyArn = central.keyArn!;
  const k = central.keys.find((x) => x.keyArn === keyArn || x.keyId === keyArn);
  const key: KeyFacts = {
    keyArn,
    found: k?.found === true,
    ...(k?.keyManager ? { keyManager: k.keyManager } : {}),
    ...(k?.keyState ? { keyState: k.keyState } : {}),
    managed: true,
    grantPresent: central.grants.some((g) => grantCovers(g, role.arn)),
  };
  const facts: LaunchFacts = {
    ...accountBase(inv.account, inv.region, config),
    trigger: 'sweep',
    dryRun: false,
    launcher: { kind: 'calling-role', name: roleArnParts(role.arn)?.name ?? role.arn, found: true, principal: { arn: role.arn, kind: 'calling-role', exists: true, grantConfigured: role.grantable } },
    images: [],
    keys: [key],
    createServiceLinkedRole: false,
    allowedImages: inv.allowedImages ?? null,
  };
  const result = firstResult('launcher', 'sweep', facts);
  return result ? toRow(inv.account, inv.region, result, null) : null;
}

export interface SweepSummary {
  findings: number;
  byFinding: Partial<Record<FindingType, number>>;
  bySeverity: Record<Severity, number>;
  accounts: number;
  regions: number;
}

export function summarize(findings: Finding[], accounts: number, regions: number): SweepSummary {
  const counter = new FindingCounter();
  counter.add(findings);
  return counter.summary(accounts, regions);
}

/** The summary's counts, added to as the findings stream past (never holding them). */
export class FindingCounter {
  private findings = 0;
  private readonly byFinding: Partial<Record<FindingType, number>> = {};
  private readonly bySeverity: Record<Severity, number> = { high: 0, medium: 0, low: 0 };

  add(findings: readonly Finding[]): void {
    for (const f of findings) {
      this.findings += 1;
      this.byFinding[f.finding] = (this.byFinding[f.finding] ?? 0) + 1;
      this.bySeverity[f.severity] += 1;
    }
  }

  summary(accounts: number, regions: number): SweepSummary {
    return { findings: this.findings, byFinding: { ...this.byFinding }, bySeverity: { ...this.bySeverity }, accounts, regions };
  }
}

const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
const remediationKey = (r: Remediation) => `${r.workflow}:${JSON.stringify(r.input)}`;

/** The remediations enforce mode starts: most severe first, one per resource, at most `cap`. */
export function planRemediations(findings: Finding[], cap: number): { remediations: Remediation[]; skipped: number } {
  const seen = new Set<string>();
  const all: Remediation[] = [];
  for (const f of [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])) {
    if (!f.remediation) continue;
    const key = remediationKey(f.remediation);
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(f.remediation);
  }
  return { remediations: all.slice(0, cap), skipped: Math.max(0, all.length - cap) };
}

/**
 * planRemediations over findings that stream past, one inventory's at a time, holding at most
 * `cap` remediations per severity. A remediation names what it fixes in the inventory it came
 * from (an image and its Region, a key's Region, a member account, Region and group), so the same
 * remediation never comes from two inventories: duplicates are removed within each inventory's
 * findings, and the count of those beyond the cap is exact.
 */
export class RemediationPicker {
  private readonly kept: Record<Severity, Remediation[]> = { high: [], medium: [], low: [] };
  private distinct = 0;

  constructor(private readonly cap: number) {}

  /** The findings of one inventory. */
  add(findings: readonly Finding[]): void {
    const seen = new Set<string>();
    for (const f of [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])) {
      if (!f.remediation) continue;
      const key = remediationKey(f.remediation);
      if (seen.has(key)) continue;
      seen.add(key);
      this.distinct += 1;
      if (this.kept[f.severity].length < this.cap) this.kept[f.severity].push(f.remediation);
    }
  }

  result(): { remediations: Remediation[]; skipped: number } {
    return { remediations: [...this.kept.high, ...this.kept.medium, ...this.kept.low].slice(0, this.cap), skipped: Math.max(0, this.distinct - this.cap) };
  }
}

// ---------------------------------------------------------------------------------------------
// Reports

const COLUMNS = ['account', 'region', 'resource', 'finding', 'severity', 'detail', 'action'] as const;

const csvCell = (v: string) => {
  // Neutralise spreadsheet formulas and quote everything.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
};

/** The CSV report's first line; then csvRows of the findings, in any number of pieces. */
export const csvHeader = (): string => `${COLUMNS.join(',')}\n`;
export const csvRows = (findings: readonly Finding[]): string => findings.map((f) => `${COLUMNS.map((c) => csvCell(String(f[c]))).join(',')}\n`).join('');

export function toCsv(findings: Finding[]): string {
  return csvHeader() + csvRows(findings);
}

const mdCell = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown report up to its findings table's header; then markdownRows of the findings, in any number of pieces. */
export function markdownHead(summary: SweepSummary, meta: { runId: string; mode: Mode; startedAt: string }): string {
  const lines = [
    `# amiwarden compliance sweep ${meta.runId}`,
    '',
    `Mode: ${meta.mode}. Started ${meta.startedAt}. ${summary.accounts} account(s) × ${summary.regions} region(s).`,
    '',
    `**${summary.findings} finding(s)**: ${summary.bySeverity.high} high, ${summary.bySeverity.medium} medium, ${summary.bySeverity.low} low.`,
    '',
    '| finding | count |',
    '|---|---|',
    ...Object.entries(summary.byFinding).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
  ];
  return `${lines.join('\n')}\n`;
}

export const markdownRows = (findings: readonly Finding[]): string => findings.map((f) => `| ${COLUMNS.map((c) => mdCell(String(f[c]))).join(' | ')} |\n`).join('');

export function toMarkdown(findings: Finding[], summary: SweepSummary, meta: { runId: string; mode: Mode; startedAt: string }): string {
  return markdownHead(summary, meta) + markdownRows(findings);
}

/**
 * The JSON report, `JSON.stringify({runId, mode, startedAt, summary, findings}, null, 2)`, in
 * pieces: its head, each finding (`index` its place in the list), its tail (`count` the findings').
 */
export function jsonReportHead(meta: { runId: string; mode: Mode; startedAt: string }, summary: SweepSummary): string {
  const head = JSON.stringify({ runId: meta.runId, mode: meta.mode, startedAt: meta.startedAt, summary }, null, 2);
  return `${head.slice(0, head.length - 2)},\n  "findings": [`;
}
export const jsonReportFinding = (finding: Finding, index: number): string =>
  `${index === 0 ? '' : ','}\n${JSON.stringify(finding, null, 2).replace(/^/gm, '    ')}`;
export const jsonReportTail = (count: number): string => (count === 0 ? ']\n}' : '\n  ]\n}');
