/**
 * The compliance sweep's steps. Its work list (every account x region target), the inventories and
 * the remediations go to S3 between steps, so that no state of the state machine grows with the
 * organization; each step returns only counts and keys. Findings are decided in core/sweep.ts.
 *
 * The report bucket has two prefixes, each written by its own roles (resources/iam.yml):
 * - `inventories/<run>/`: what the steps hand each other. `plan/` (plan-sweep: targets;
 *   write-sweep-report: remediations), `central/` (inspect-central-images), `members/`
 *   (inspect-member-account), `map-results/` (the state machine's ResultWriter).
 * - `sweeps/<run>/report.{json,csv,md}` and `sweeps/latest.json`: the published reports, written by
 *   write-sweep-report alone.
 */
import { MemberRoleUnavailableError, TransientAwsError, ConfigurationError, AwsCallError, InvalidInputError } from '../core/errors';
import type { Config } from '../core/config';
import { grantCovers, grantRequest, REQUIRED_GRANT_OPERATIONS } from '../core/grants';
import { describe, isAccountId, requireAccountId, requireRegion, serviceLinkedRoleArn } from '../core/identifiers';
import { isGrantableCallingRole, matchesSpec, specsFor } from '../core/calling-roles';
import { launchRoleArn, memberLaunchRole } from '../core/launch-roles';
import { analyzeCreateGrant } from '../core/key-policy';
import { isJudged, recordCount, type GrantCountPoint } from '../core/grant-health';
import {
  centralFindings,
  memberFindings,
  missingInspectionFindings,
  csvHeader,
  csvRows,
  FindingCounter,
  jsonReportFinding,
  jsonReportHead,
  jsonReportTail,
  markdownHead,
  markdownRows,
  RemediationPicker,
  type CentralInventory,
  type Finding,
  type MemberInventory,
  type SweepRequest,
  type SweepSummary,
} from '../core/sweep';
import { AutoScaling, templateKey } from '../adapters/autoscaling';
import { EC2 } from '../adapters/ec2';
import { EKS } from '../adapters/eks';
import { IAM } from '../adapters/iam';
import { KMS } from '../adapters/kms';
import { Organizations } from '../adapters/organizations';
import { reportStore, type ObjectWriter, type ReportStore } from '../adapters/s3';
import { fromSweepRow } from '../core/asff';
import { sweepExporter, type ExportOutcome } from './findings-export';
import type { AdapterFactory, AwsContext } from './aws-context';
import { cachedRead } from './promise-cache';
import { inOrder, inParallel } from './in-parallel';

/** What "Plan sweep" returns into the state: a fixed size whatever the organization's. */
export interface SweepPlan {
  runId: string;
  mode: SweepRequest['mode'];
  dryRun: boolean;
  trigger: SweepRequest['trigger'];
  startedAt: string;
  regions: string[];
  accounts: number;
  /** How many account x region targets the plan wrote to `targetsKey`. */
  targetCount: number;
  /** A member account whose view of the key policy stands for all (the policy check). */
  sampleMember: string | null;
  /** Where the Distributed Map reads its items (ItemReader) and writes its results (ResultWriter). */
  bucket: string;
  targetsKey: string;
  resultsPrefix: string;
  /** MaxConcurrencyPath and ItemBatcher MaxItemsPerBatchPath of the member inspections (targetsPerBatch). */
  maxConcurrency: number;
  batchSize: number;
}

export interface SweepTarget {
  account: string;
  region: string;
}

const stores = new Map<string, AdapterFactory<ReportStore>>();
function store(config: Config, aws: AwsContext, region: string): ReportStore {
  if (!config.reportBucket) throw new ConfigurationError('AMIWARDEN_REPORT_BUCKET', 'is required by the compliance sweep');
  let factory = stores.get(config.reportBucket);
  if (!factory) stores.set(config.reportBucket, (factory = reportStore(config.reportBucket)));
  return aws.central(factory, region);
}

const homeRegion = (config: Config) => process.env.AWS_REGION ?? config.regions[0]!;
/** What the steps hand each other (never a published report). */
export const inventoryPrefix = (runId: string) => `inventories/${runId}/`;
/** The published reports of a run. */
const reportPrefix = (runId: string) => `sweeps/${runId}/`;
/** The targets of a run, one JSON object a line (JSON Lines: the Distributed Map's ItemReader reads them so), in inventory order. */
export const targetsKey = (runId: string) => `${inventoryPrefix(runId)}plan/targets.jsonl`;
/** Which accounts the plan listed (for the grants' scope in the report). */
export const scopeKey = (runId: string) => `${inventoryPrefix(runId)}plan/scope.json`;
export const remediationsKey = (runId: string) => `${inventoryPrefix(runId)}plan/remediations.json`;
export const LATEST_REPORT_KEY = 'sweeps/latest.json';

/** At most this many inventories are read at once by the report writer. */
export const REPORT_READ_CONCURRENCY = 32;

/** What the plan knew of the accounts amiwarden serves (sweeps/<run>/scope.json): grant health judges grants against it. */
export interface SweepScope {
  /** The active accounts of the organization (under AMIWARDEN_SWEEP_OUS), or null when the sweep named its accounts. */
  accounts: string[] | null;
  organizationalUnits: string[];
}

/**
 * Targets per Map child: whole accounts (all their regions, side by side in the plan), as many as
 * fit in AMIWARDEN_SWEEP_BATCH_SIZE, at least one: an account is never split between two children,
 * so that each account's member session is made once (one Organizations check and one AssumeRole).
 */
export function targetsPerBatch(configured: number, regions: number): number {
  return Math.max(1, Math.floor(configured / Math.max(1, regions))) * Math.max(1, regions);
}

/**
 * The largest batch a plan of this deployment can ask for: a sweep's Regions are configured ones,
 * and targetsPerBatch over any number of them is at most the batch size or, past it, one account at
 * every configured Region.
 */
export function largestBatch(config: Pick<Config, 'sweepBatchSize' | 'regions'>): number {
  return Math.max(config.sweepBatchSize, config.regions.length);
}

/** ItemBatcher's input to a member inspection: `{"BatchInput": {runId, execution}, "Items": [{account, region}, …]}`. */
export type BatchPayload = { BatchInput?: { runId?: unknown; execution?: string }; Items?: unknown };

/**
 * The run and the targets of one batch, or a typed error naming the field (before any AWS call).
 * A batch is what a plan makes: whole accounts over one set of Regions, each target once, so at most
 * targetsPerBatch(AMIWARDEN_SWEEP_BATCH_SIZE, its Regions) targets; a batch that spreads more
 * accounts over fewer Regions would start more member sessions than any plan asks of one child.
 */
export function batchOf(payload: BatchPayload, config: Pick<Config, 'sweepBatchSize' | 'regions'>): { runId: string; targets: SweepTarget[] } {
  const runId = payload?.BatchInput?.runId;
  if (typeof runId !== 'string' || !/^[\w.-]{1,80}$/.test(runId)) throw new InvalidInputError('BatchInput.runId', 'expected the execution name');
  const items: unknown = payload?.Items;
  // Past AMIWARDEN_SWEEP_BATCH_SIZE only when one account's Regions are more.
  const most = largestBatch(config);
  if (!Array.isArray(items) || items.length === 0 || items.length > most) {
    throw new InvalidInputError('Items', `expected 1 to ${most} account x region targets, got ${describe(items)}`);
  }
  const seen = new Set<string>();
  const targets: SweepTarget[] = items.map((item, i) => {
    const t = (item ?? {}) as { account?: unknown; region?: unknown };
    const region = requireRegion(`Items[${i}].region`, t.region);
    if (!config.regions.includes(region)) throw new InvalidInputError(`Items[${i}].region`, `${region} is not a configured region`);
    const account = requireAccountId(`Items[${i}].account`, t.account);
    if (seen.has(`${account}/${region}`)) throw new InvalidInputError(`Items[${i}]`, `${account} in ${region} is in the batch twice`);
    seen.add(`${account}/${region}`);
    return { account, region };
  });
  const regions = new Set(targets.map((t) => t.region)).size;
  const fits = targetsPerBatch(config.sweepBatchSize, regions);
  if (targets.length > fits) {
    throw new InvalidInputError('Items', `a batch over ${regions} Region(s) holds whole accounts, at most ${fits} targets (AMIWARDEN_SWEEP_BATCH_SIZE ${config.sweepBatchSize}), got ${targets.length}`);
  }
  return { runId, targets };
}

export async function planSweep(request: SweepRequest, runId: string, config: Config, aws: AwsContext): Promise<SweepPlan> {
  const org = aws.central(Organizations, homeRegion(config));
  let listed: string[] | null = null;
  let chosen: string[];
  if (request.trigger === 'new-account') {
    // The event names the account; Organizations says whether amiwarden serves it.
    const account = request.accounts[0]!;
    const served = config.sweepOrganizationalUnits.length > 0 ? (await org.activeAccounts(config.sweepOrganizationalUnits)).includes(account) : await org.isActiveMember(account);
    chosen = served ? [account] : [];
  } else if (request.accounts.length > 0) {
    chosen = request.accounts;
  } else {
    chosen = listed = await org.activeAccounts(config.sweepOrganizationalUnits);
  }
  const accounts = [...new Set(chosen.filter((a) => a !== config.centralAccountId))].sort();
  const scope: SweepScope = { accounts: listed, organizationalUnits: config.sweepOrganizationalUnits };
  
  const reports = store(config, aws, homeRegion(config));
  await reports.put(scopeKey(runId), JSON.stringify(scope));
  // In inventory order (the order S3 lists the member inventories in), an account's regions side
  // by side (a batch of targets shares the account's member session): the report writer reads the
  // targets and the inventories side by side, never holding either list. Written as produced, an
  // account at a time (what the plan holds is the account ids, not the targets).
  const regions = [...request.regions].sort((a, b) => inventoryOrder({ account: '', region: a }, { account: '', region: b }));
  const out = reports.writer(targetsKey(runId), 'application/x-ndjson');
  try {
    for (const account of accounts) await out.write(regions.map((region) => `${JSON.stringify({ account, region })}\n`).join(''));
    await out.end();
  } catch (error) {
    await out.abort();
    throw error;
  }
  return {
    runId,
    mode: request.mode,
    dryRun: request.dryRun,
    trigger: request.trigger,
    startedAt: new Date().toISOString(),
    regions: request.regions,
    accounts: accounts.length,
    targetCount: accounts.length * regions.length,
    sampleMember: accounts[0] ?? null,
    bucket: reports.bucket,
    targetsKey: targetsKey(runId),
    resultsPrefix: `${inventoryPrefix(runId)}map-results`,
    maxConcurrency: config.sweepMaxConcurrency,
    batchSize: targetsPerBatch(config.sweepBatchSize, regions.length),
  };
}

export async function inspectCentral(runId: string, region: string, sampleMember: string | null, config: Config, aws: AwsContext) {
  const inventory = aws.central(EC2, region);
  const keys = aws.central(KMS, region);
  const keyArn = config.keys[region]?.arn ?? null;
  const shareAccounts = config.shareTargets.filter((t) => /^\d{12}$/.test(t) && t !== config.centralAccountId);

  const [images, snapshots, launchable] = await Promise.all([
    inventory.ownedImages(),
    inventory.ownedSnapshots(),
    Promise.all(shareAccounts.map(async (account) => [account, new Set(await inventory.imagesLaunchableBy(account))] as const)),
  ]);
  // One DescribeKey per distinct key, never one per image.
  const keyIds = [...new Set([...snapshots.flatMap((s) => (s.encrypted && s.kmsKeyId ? [s.kmsKeyId] : [])), ...(keyArn ? [keyArn] : [])])];
  const described = await Promise.all(
    keyIds.map(async (keyId) => {
      const lookup = await keys.describeKey(keyId);
      return lookup.found
        ? { keyId, found: true, keyArn: lookup.key.keyArn, keyManager: lookup.key.keyManager, keyState: lookup.key.keyState }
        : { keyId, found: false };
    }),
  );
  // Every grant is counted (the quota); only grants to IAM principals are kept (EBS's own, one per
  // attached volume, are most of a busy key's and are no member's business).
  const listed = keyArn ? await keys.listGrants(keyArn) : [];
  const grants: CentralInventory['grants'] = listed.filter(isJudged).map(({ constrained, ...g }) => ({ ...g, ...(constrained ? { constrained: true as const } : {}) }));
  const keyPolicyDocument = keyArn ? ((await keys.keyPolicy(keyArn)) ?? null) : null;
  const keyPolicy =
    keyArn && sampleMember
      ? analyzeCreateGrant(keyPolicyDocument ?? undefined, {
          callerAccount: sampleMember,
          callerArn: aws.memberRoleArn(sampleMember),
          granteePrincipal: serviceLinkedRoleArn(config.partition, sampleMember),
          operations: REQUIRED_GRANT_OPERATIONS,
          ...(config.organizationId ? { organizationId: config.organizationId } : {}),
        })
      : null;

  const central: CentralInventory = {
    region,
    keyArn,
    images: images.map((i) => ({ ...i, launchableBy: launchable.filter(([, ids]) => ids.has(i.imageId)).map(([a]) => a) })),
    snapshots,
    keys: described,
    grants,
    grantCount: listed.length,
    keyPolicy,
    keyPolicyDocument,
    shareAccounts,
  };
  await store(config, aws, homeRegion(config)).put(`${inventoryPrefix(runId)}central/${region}.json`, JSON.stringify(central));
  return { region, images: images.length, findings: centralFindings(central, config).length };
}

const centralCache = new Map<string, Promise<CentralInventory>>();

/** A member inventory's object: one target's, or (from the Map) one batch's, named after its first target. */
export const memberKey = (runId: string, target: SweepTarget) => `${inventoryPrefix(runId)}members/${target.account}/${target.region}.json`;

async function inspectTarget(runId: string, account: string, region: string, config: Config, aws: AwsContext) {
  const reports = store(config, aws, homeRegion(config));
  const central = await cachedRead(centralCache, `${runId}/${region}`, () => reports.getJson<CentralInventory>(`${inventoryPrefix(runId)}central/${region}.json`));
  const inventory = await gatherMember(runId, account, region, aws, config, central);
  return { inventory, result: { account, region, status: inventory.status, findings: memberFindings(inventory, [central], config).length } };
}

export async function inspectMember(runId: string, account: string, region: string, config: Config, aws: AwsContext) {
  const { inventory, result } = await inspectTarget(runId, account, region, config, aws);
  await store(config, aws, homeRegion(config)).put(memberKey(runId, { account, region }), JSON.stringify(inventory));
  return result;
}

/** Targets of one batch inspected at once, at most this many at a time. */
export const BATCH_CONCURRENCY = 5;

/**
 * One ItemBatcher batch: each target inspected (a few at a time), their inventories written as one
 * object (one write here and one read by the report writer per batch, not per target); the result
 * is counts only, so that the Map's results stay small whatever the batch size.
 */
export async function inspectMembers(runId: string, targets: SweepTarget[], config: Config, aws: AwsContext) {
  const inspected = await inParallel(targets, BATCH_CONCURRENCY, (t) => inspectTarget(runId, t.account, t.region, config, aws));
  await store(config, aws, homeRegion(config)).put(memberKey(runId, targets[0]!), JSON.stringify(inspected.map((i) => i.inventory)));
  const results = inspected.map((i) => i.result);
  const byStatus: Record<string, number> = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  return { targets: results.length, byStatus, findings: results.reduce((n, r) => n + r.findings, 0) };
}


/** IAM is global: whether a role exists is read once per sweep and account, not once per region. */
const roleCache = new Map<string, Promise<boolean>>();
let roleCacheRun = '';

async function gatherMember(runId: string, account: string, region: string, aws: AwsContext, config: Config, central: CentralInventory): Promise<MemberInventory> {
  const partition = config.partition;
  const empty: MemberInventory = { account, region, status: 'inspected', detail: null, groups: [], activities: [], defaultEbsKey: null, defaultServiceLinkedRoleExists: null };
  if (roleCacheRun !== runId) {
    roleCache.clear();
    callingRoleCache.clear();
    roleCacheRun = runId;
  }
  try {
    const scaling = await aws.member(AutoScaling, account, region);
    const ec2 = await aws.member(EC2, account, region);
    const roles = await aws.member(IAM, account, region);
    const eks = await aws.member(EKS, account, region);
    const [groups, fleets, nodegroups] = await Promise.all([scaling.groups(), ec2.launchingFleets(), eks.nodegroups().then((n) => n ?? [])]);
    const refs = [
      ...groups.flatMap((g) => g.launchTemplates),
      ...fleets.flatMap((f) => f.launchTemplates),
      ...nodegroups.flatMap((n) => (n.launchTemplate ? [n.launchTemplate] : [])),
    ];
    const [templateImages, configImages, activities, defaultKey, allowedImages] = await Promise.all([
      refs.length ? ec2.launchTemplateImages(refs) : Promise.resolve(new Map<string, string>()),
      groups.some((g) => g.launchConfigurationName) ? scaling.launchConfigurations() : Promise.resolve(new Map<string, { imageId?: string; spot: boolean }>()),
      scaling.recentActivities(),
      ec2.defaultEbsKey(),
      ec2.allowedImagesSettings(),
    ]);
    // Every launcher of the account: its groups, then its Spot Fleet requests and EC2 Fleets.
    const launchers = [
      ...groups.map((g) => {
        const spot = g.launchConfigurationName && configImages.get(g.launchConfigurationName)?.spot ? g.launchConfigurationName : undefined;
        return {
          name: g.name,
          // Spot Instances of a launch configuration launch as AWSServiceRoleForEC2Spot (core/launch-roles.ts).
          principal: spot ? launchRoleArn(partition, account, 'spot') : (g.serviceLinkedRoleArn ?? serviceLinkedRoleArn(partition, account)),
          imageIds: [
            ...g.launchTemplates.map((r) => templateImages.get(templateKey(r))),
            ...(g.launchConfigurationName ? [configImages.get(g.launchConfigurationName)?.imageId] : []),
          ].filter((id): id is string => typeof id === 'string'),
          ...(spot ? { spotLaunchConfiguration: spot } : {}),
        };
      }),
      ...fleets.map((f) => ({
        name: f.id,
        kind: f.kind,
        principal: launchRoleArn(partition, account, f.kind),
        imageIds: [...f.imageIds, ...f.launchTemplates.map((r) => templateImages.get(templateKey(r)))].filter((id): id is string => typeof id === 'string'),
      })),
    ];
    const roleArns = [...new Set(launchers.map((l) => l.principal))];
    const nodegroupImages = (n: (typeof nodegroups)[number]) => {
      const image = n.launchTemplate ? templateImages.get(templateKey(n.launchTemplate)) : undefined;
      return image ? [image] : [];
    };
    // The default role too, used or not: a new account gets its grant before its first launch.
    const defaultRole = serviceLinkedRoleArn(partition, account);
    const judgedRoles = [...new Set([defaultRole, ...roleArns])];
    const exists = new Map(
      await Promise.all(
        judgedRoles.map(async (arn) => {
          const parsed = memberLaunchRole(arn, account, partition);
          return [arn, parsed ? await cachedRead(roleCache, `${runId}/${account}/${parsed.roleName}`, () => roles.roleExists(parsed.roleName)) : null] as const;
        }),
      ),
    );
    // KMS's own verdict on the member role's CreateGrant (DryRun: key policy, IAM, SCPs, RCPs), once
    // per existing role that launches a central image and has no grant on the organization key yet.
    const keyArn = central.keyArn;
    const centralImages = new Set(central.images.map((i) => i.imageId));
    const launchesCentral = (arn: string) =>
      launchers.some((l) => l.principal === arn && l.imageIds.some((id) => centralImages.has(id))) ||
      // A node group launches as the default role, whatever its Auto Scaling group says.
      (arn === defaultRole && nodegroups.some((n) => nodegroupImages(n).some((id) => centralImages.has(id))));
    const ungranted = keyArn
      ? judgedRoles.filter((arn) => exists.get(arn) === true && !central.grants.some((grant) => grantCovers(grant, arn)) && launchesCentral(arn))
      : [];
    const keys = ungranted.length > 0 ? await aws.member(KMS, account, region) : undefined;
    const grantDryRuns = (
      await Promise.all(
        ungranted.map(async (granteePrincipal) => {
          const dryRun = await keys!.dryRunCreateGrant(grantRequest({ keyArn: keyArn!, granteePrincipal }));
          return dryRun ? [{ keyArn: keyArn!, granteePrincipal, dryRun }] : [];
        }),
      )
    ).flat();
    const callingRoles = await configuredCallingRoles(runId, account, roles, config);
    return {
      ...empty,
      ...(grantDryRuns.length > 0 ? { grantDryRuns } : {}),
      ...(nodegroups.length > 0
        ? { nodegroups: nodegroups.map((n) => ({ cluster: n.cluster, name: n.name, autoScalingGroups: n.autoScalingGroups, imageIds: nodegroupImages(n), healthIssues: n.healthIssues })) }
        : {}),
      ...(callingRoles.length > 0 ? { callingRoles } : {}),
      allowedImages,
      groups: launchers.map(({ principal, imageIds, ...l }) => ({ ...l, serviceLinkedRoleArn: principal, serviceLinkedRoleExists: exists.get(principal) ?? null, imageIds: [...new Set(imageIds)] })),
      activities,
      defaultEbsKey: defaultKey ? { keyId: defaultKey, awsManaged: defaultKey === 'alias/aws/ebs' } : null,
      defaultServiceLinkedRoleExists: exists.get(defaultRole) ?? null,
    };
  } catch (error) {
    if (error instanceof MemberRoleUnavailableError) return { ...empty, status: 'member-role-unavailable', detail: error.message };
    if (error instanceof TransientAwsError) throw error;
    // One broken account is a finding, not a failed sweep.
    if (error instanceof AwsCallError) return { ...empty, status: 'failed', detail: error.message };
    throw error;
  }
}

/** IAM is global: a calling role's ARN is read once per sweep and account. */
const callingRoleCache = new Map<string, Promise<string | null>>();

/**
 * The calling roles configured (AMIWARDEN_CALLING_ROLES, AMIWARDEN_CALLING_ROLE_GRANTS) that IAM
 * knows in the account, by the ARN IAM reports: never a role guessed from a tag or a name alone.
 */
async function configuredCallingRoles(runId: string, account: string, roles: { roleArn(name: string): Promise<string | null> }, config: Config): Promise<{ arn: string; grantable: boolean }[]> {
  const specs = [...specsFor(config.callingRoles, account), ...specsFor(config.callingRoleGrants, account)];
  const names = [...new Set(specs.map((s) => s.name))];
  const found: { arn: string; grantable: boolean }[] = [];
  for (const name of names) {
    const arn = await cachedRead(callingRoleCache, `${runId}/${account}/${name}`, () => roles.roleArn(name));
    if (!arn || !specs.some((s) => s.name === name && matchesSpec(s, arn))) continue;
    found.push({ arn, grantable: isGrantableCallingRole(arn, account, config.callingRoleGrants, config.partition) });
  }
  return found;
}

/** The plan the state machine passes on is the one "Plan sweep" made: configured regions, a count, a time. */
function checkPlan(plan: Pick<SweepPlan, 'startedAt' | 'accounts' | 'regions'>, config: Config): void {
  const regions: unknown = plan.regions;
  if (!Array.isArray(regions) || regions.length > config.regions.length || new Set(regions).size !== regions.length || regions.some((r) => !config.regions.includes(r as string))) {
    throw new InvalidInputError('plan.regions', `expected distinct configured regions (${config.regions.join(', ')})`);
  }
  if (!Number.isSafeInteger(plan.accounts) || plan.accounts < 0) throw new InvalidInputError('plan.accounts', 'expected the number of accounts swept');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(plan.startedAt) || !Number.isFinite(Date.parse(plan.startedAt))) {
    throw new InvalidInputError('plan.startedAt', 'expected the time the sweep started (ISO 8601, UTC)');
  }
}

/**
 * The order S3 lists the member inventories in: by key (`members/<account>/<region>.json`), byte by
 * byte, as ListObjectsV2 returns keys. The plan writes its targets in this order, and a Map child's
 * object (named after its batch's first target) holds its batch's inventories in it.
 */
export function inventoryOrder(a: SweepTarget, b: SweepTarget): number {
  const x = `${a.account}/${a.region}.json`;
  const y = `${b.account}/${b.region}.json`;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The targets "Plan sweep" wrote for this run, a line at a time, each checked (an account id, a
 * region of the plan, after the one before it in inventory order), read from the run's own prefix,
 * never from the input.
 */
async function plannedTargets(reports: ReportStore, plan: Pick<SweepPlan, 'runId' | 'regions'>): Promise<AsyncGenerator<SweepTarget>> {
  const where = `${inventoryPrefix(plan.runId)}plan/`;
  const lines = await reports.linesIfExists(targetsKey(plan.runId));
  if (!lines) throw new InvalidInputError('plan.runId', `no target list of the sweep ${plan.runId} under ${where}`);
  const refuse = (why: string) => new InvalidInputError('plan.runId', `the target list of the sweep ${plan.runId} under ${where} ${why}`);
  return (async function* () {
    let previous: SweepTarget | null = null;
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let t: Partial<SweepTarget> | null;
      try {
        t = JSON.parse(line) as Partial<SweepTarget> | null;
      } catch {
        throw refuse('holds a line that is not JSON');
      }
      if (!t || typeof t !== 'object' || !isAccountId(t.account) || typeof t.region !== 'string' || !plan.regions.includes(t.region)) throw refuse("holds a target outside the plan's regions (or not a target)");
      const target = { account: t.account, region: t.region };
      if (previous && inventoryOrder(previous, target) >= 0) throw refuse('is not in inventory order (or repeats a target)');
      previous = target;
      yield target;
    }
  })();
}

export interface SweepReport {
  runId: string;
  mode: SweepRequest['mode'];
  summary: SweepSummary;
  reports: { json: string; csv: string; markdown: string };
  /** How many remediations enforce mode starts; the list is at `remediationsKey` (ItemReader). */
  remediations: number;
  remediationsKey: string | null;
  skippedRemediations: number;
  /** What went to Security Hub (services/findings-export.ts). */
  securityHub: ExportOutcome;
  /** The most findings the writer held at once (one inventory's, or one Region's central findings). */
  peakFindingsHeld: number;
  /** The most report bytes its writers held unsent (written, not yet acknowledged by S3), the two passes' writers summed: bounded by their parts. */
  peakReportBytesHeld: number;
}

const sumPeaks = (writers: ObjectWriter[]) => writers.reduce((sum, w) => sum + w.peakHeldBytes, 0);

/** Every sweep's count of each organization key's grants: `{ keyArn: [{at, count}] }`, the newest 60. */
const GRANT_COUNTS = 'sweeps/grant-counts.json';

/**
 * Where the report writer keeps this run's findings as it finds them (JSON Lines), to write the
 * reports that open with their summary once every finding has been counted.
 */
export const findingsKey = (runId: string) => `${inventoryPrefix(runId)}plan/findings.jsonl`;

/**
 * Joins the inventories into the reports, holding only what does not grow with the organization's
 * size beyond one inventory at a time: the central inventories (their size grows with the images),
 * REPORT_READ_CONCURRENCY member inventory objects read ahead, the summary's counts, and at most
 * AMIWARDEN_SWEEP_MAX_CHANGES remediations per severity. Each inventory's findings are written out
 * as soon as they are found: to the CSV report and to this run's findings (JSON Lines), each a
 * multipart upload that holds at most two 5 MiB parts; the JSON and Markdown reports, which open with
 * the summary, are then written from the findings read back a line at a time. The planned targets
 * are read a line at a time beside the inventories, both in inventory order, so that a target that
 * left no inventory (a missing inspection, a finding) is known without holding either list. With the
 * Security Hub export on, each inventory's findings go to the exporter as they are found, which
 * holds one group of at most 20 accounts (their findings and their earlier ACTIVE findings) and
 * exports it when a 21st account arrives: per group, max(1, ceil(earlier/100)) GetFindings,
 * ceil(findings/100) + ceil(gone/100) BatchImportFindings and ceil(gone/100) BatchUpdateFindings
 * (services/findings-export.ts).
 */
export async function writeReport(
  plan: Pick<SweepPlan, 'runId' | 'mode' | 'dryRun' | 'startedAt' | 'accounts' | 'regions'> & { trigger?: SweepPlan['trigger'] },
  config: Config,
  aws: AwsContext,
): Promise<SweepReport> {
  checkPlan(plan, config);
  const reports = store(config, aws, homeRegion(config));
  const at = inventoryPrefix(plan.runId);
  const centralKeys = await reports.list(`${at}central/`);
  // No inventory, no sweep: an empty report for a run that never happened would replace the latest one.
  if (centralKeys.length === 0) throw new InvalidInputError('plan.runId', `no inventory of the sweep ${plan.runId} exists under ${at}`);
  const planned = await plannedTargets(reports, plan);
  const scope: SweepScope = (await reports.getJsonIfExists<SweepScope>(scopeKey(plan.runId))) ?? { accounts: null, organizationalUnits: [] };
  const history: Record<string, GrantCountPoint[]> = (await reports.getJsonIfExists<Record<string, GrantCountPoint[]>>(GRANT_COUNTS)) ?? {};
  const grantScope = { centralAccountId: config.centralAccountId, partition: config.partition, accounts: scope.accounts ? new Set(scope.accounts) : null, organizationalUnits: scope.organizationalUnits };
  const centrals = await Promise.all(centralKeys.map((k) => reports.getJson<CentralInventory>(k)));

  const published = reportPrefix(plan.runId);
  const enforce = plan.mode === 'enforce' && !plan.dryRun;
  const counter = new FindingCounter();
  const picker = new RemediationPicker(enforce ? config.sweepMaxChanges : 0);
  const held = { now: 0, peak: 0 };
  // A writer that fails gives up the objects it was writing (no partial report, no parts kept).
  const open: ObjectWriter[] = [];
  const writer = (key: string, contentType?: string) => {
    const w = reports.writer(key, contentType);
    open.push(w);
    return w;
  };
  // Assigned in the try below.
  let csv = '';
  let json = '';
  let markdown = '';
  let summary: SweepSummary;
  // Security Hub (off unless AMIWARDEN_SECURITY_HUB=true): fed an inventory at a time, it holds one group of accounts.
  const hub = await sweepExporter(config, aws, homeRegion(config));
  try {
    const csvOut = writer(`${published}report.csv`, 'text/csv');
    const staged = writer(findingsKey(plan.runId), 'application/x-ndjson');
    await csvOut.write(csvHeader());
    // The findings of one inventory, written out before the next inventory's are made.
    const emit = async (rows: Finding[], target: SweepTarget | null = null, inspected = false) => {
      held.now += rows.length;
      held.peak = Math.max(held.peak, held.now);
      counter.add(rows);
      picker.add(rows);
      await csvOut.write(csvRows(rows));
      await staged.write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await hub.add(target, inspected, rows.map((r) => fromSweepRow(r, config.partition)));
      held.now -= rows.length;
    };

    for (const c of centrals) await emit(centralFindings(c, config, { scope: grantScope, policy: config.staleGrantPolicy, at: plan.startedAt, history: c.keyArn ? (history[c.keyArn] ?? []) : [] }), { account: config.centralAccountId, region: c.region }, true);
    const newAccount = plan.trigger === 'new-account';
    // The planned targets and the inventories side by side, both in inventory order: a planned
    // target passed over before the next inventory left none (a missing inspection), reported
    // there, a thousand at most at a time.
    const nextPlanned = async () => (await planned.next()).value ?? null;
    let cursor = await nextPlanned();
    const missing: SweepTarget[] = [];
    const passOver = async (upTo: SweepTarget | null) => {
      while (cursor && (!upTo || inventoryOrder(cursor, upTo) < 0)) {
        missing.push(cursor);
        cursor = await nextPlanned();
        if (missing.length === 1000) await emit(missingInspectionFindings(missing.splice(0), [], config));
      }
      if (missing.length > 0) await emit(missingInspectionFindings(missing.splice(0), [], config));
    };
    for await (const page of reports.pages(`${at}members/`)) {
      // An object holds the inventories of one batch of the Map (or, written before batches, one).
      for await (const object of inOrder(page, REPORT_READ_CONCURRENCY, (k) => reports.getJson<MemberInventory | MemberInventory[]>(k))) {
        for (const m of Array.isArray(object) ? object : [object]) {
          await passOver(m);
          // An inventory of no planned target (or a second one of a target) is still reported.
          if (cursor && inventoryOrder(cursor, m) === 0) cursor = await nextPlanned();
          await emit(memberFindings(m, centrals, config, { newAccount }), { account: m.account, region: m.region }, m.status === 'inspected');
        }
      }
    }
    await passOver(null);
    csv = await csvOut.end();
    await staged.end();

    // The key's grant count, kept between sweeps for the trend.
    for (const c of centrals) if (c.keyArn) history[c.keyArn] = recordCount(history[c.keyArn] ?? [], { at: plan.startedAt, count: c.grantCount ?? c.grants.length });
    await reports.put(GRANT_COUNTS, JSON.stringify(history));
    summary = counter.summary(plan.accounts, plan.regions.length);

    // The reports that open with the summary, from the findings read back a line at a time.
    const jsonOut = writer(`${published}report.json`);
    const mdOut = writer(`${published}report.md`, 'text/markdown');
    await jsonOut.write(jsonReportHead(plan, summary));
    await mdOut.write(markdownHead(summary, plan));
    let index = 0;
    for await (const line of reports.lines(findingsKey(plan.runId))) {
      if (line.length === 0) continue;
      const finding = JSON.parse(line) as Finding;
      await jsonOut.write(jsonReportFinding(finding, index++));
      await mdOut.write(markdownRows([finding]));
    }
    await jsonOut.write(jsonReportTail(index));
    json = await jsonOut.end();
    markdown = await mdOut.end();
  } catch (error) {
    await Promise.all(open.map((w) => w.abort()));
    throw error;
  }
  // The last group of accounts; resolves only what this sweep looked at.
  const securityHub = await hub.end();
  await reports.put(LATEST_REPORT_KEY, JSON.stringify({ runId: plan.runId, json, csv, markdown }));
  const { remediations, skipped } = picker.result();
  // Up to AMIWARDEN_SWEEP_MAX_CHANGES (1,000) remediations: a list for the Distributed Map's ItemReader, not the state.
  if (remediations.length > 0) await reports.put(remediationsKey(plan.runId), JSON.stringify(remediations));
  return {
    runId: plan.runId,
    mode: plan.mode,
    summary,
    reports: { json, csv, markdown },
    remediations: remediations.length,
    remediationsKey: remediations.length > 0 ? remediationsKey(plan.runId) : null,
    skippedRemediations: skipped,
    securityHub,
    peakFindingsHeld: held.peak,
    // The CSV and the findings are written together, then the JSON and the Markdown reports.
    peakReportBytesHeld: Math.max(sumPeaks(open.slice(0, 2)), sumPeaks(open.slice(2, 4))),
  };
}
