/**
 * The compliance sweep's steps. Inventories go to S3 between steps, so that a sweep over
 * thousands of accounts never pushes big payloads through the state machine; each step returns
 * only counts. Findings are decided in core/sweep.ts.
 */
import { MemberRoleUnavailableError, TransientAwsError, ConfigurationError, AwsCallError, InvalidInputError } from '../core/errors';
import type { Config } from '../core/config';
import { grantCovers, grantRequest, REQUIRED_GRANT_OPERATIONS } from '../core/grants';
import { isAccountId, serviceLinkedRoleArn, parseServiceLinkedRoleArn } from '../core/identifiers';
import { analyzeCreateGrant } from '../core/key-policy';
import { isJudged, recordCount, type GrantCountPoint } from '../core/grant-health';
import {
  centralFindings,
  memberFindings,
  missingInspectionFindings,
  planRemediations,
  summarize,
  toCsv,
  toMarkdown,
  type CentralInventory,
  type Finding,
  type MemberInventory,
  type Remediation,
  type SweepRequest,
  type SweepSummary,
} from '../core/sweep';
import { AutoScaling, templateKey } from '../adapters/autoscaling';
import { EC2 } from '../adapters/ec2';
import { IAM } from '../adapters/iam';
import { KMS } from '../adapters/kms';
import { Organizations } from '../adapters/organizations';
import { reportStore, type ReportStore } from '../adapters/s3';
import { fromSweepRow } from '../core/asff';
import { exportFindings, type ExportOutcome } from './findings-export';
import type { AdapterFactory, AwsContext } from './aws-context';
import { cachedRead } from './promise-cache';

export interface SweepPlan {
  runId: string;
  mode: SweepRequest['mode'];
  dryRun: boolean;
  trigger: SweepRequest['trigger'];
  startedAt: string;
  regions: string[];
  accounts: number;
  targets: { account: string; region: string }[];
  /** A member account whose view of the key policy stands for all (the policy check). */
  sampleMember: string | null;
}

const stores = new Map<string, AdapterFactory<ReportStore>>();
function store(config: Config, aws: AwsContext, region: string): ReportStore {
  if (!config.reportBucket) throw new ConfigurationError('AMIWARDEN_REPORT_BUCKET', 'is required by the compliance sweep');
  let factory = stores.get(config.reportBucket);
  if (!factory) stores.set(config.reportBucket, (factory = reportStore(config.reportBucket)));
  return aws.central(factory, region);
}

const homeRegion = (config: Config) => process.env.AWS_REGION ?? config.regions[0]!;
const prefix = (runId: string) => `sweeps/${runId}/`;

/** What the plan knew of the accounts amiwarden serves (sweeps/<run>/scope.json): grant health judges grants against it. */
export interface SweepScope {
  /** The active accounts of the organization (under AMIWARDEN_SWEEP_OUS), or null when the sweep named its accounts. */
  accounts: string[] | null;
  organizationalUnits: string[];
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
  const accounts = chosen.filter((a) => a !== config.centralAccountId);
  const scope: SweepScope = { accounts: listed, organizationalUnits: config.sweepOrganizationalUnits };
  await store(config, aws, homeRegion(config)).put(`${prefix(runId)}scope.json`, JSON.stringify(scope));
  return {
    runId,
    mode: request.mode,
    dryRun: request.dryRun,
    trigger: request.trigger,
    startedAt: new Date().toISOString(),
    regions: request.regions,
    accounts: accounts.length,
    targets: accounts.flatMap((account) => request.regions.map((region) => ({ account, region }))),
    sampleMember: accounts[0] ?? null,
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
  await store(config, aws, homeRegion(config)).put(`${prefix(runId)}central/${region}.json`, JSON.stringify(central));
  return { region, images: images.length, findings: centralFindings(central, config).length };
}

const centralCache = new Map<string, Promise<CentralInventory>>();

export async function inspectMember(runId: string, account: string, region: string, config: Config, aws: AwsContext) {
  const reports = store(config, aws, homeRegion(config));
  const central = await cachedRead(centralCache, `${runId}/${region}`, () => reports.getJson<CentralInventory>(`${prefix(runId)}central/${region}.json`));
  const inventory = await gatherMember(account, region, aws, config.partition, central);
  await reports.put(`${prefix(runId)}members/${account}/${region}.json`, JSON.stringify(inventory));
  return { account, region, status: inventory.status, findings: memberFindings(inventory, [central], config).length };
}

async function gatherMember(account: string, region: string, aws: AwsContext, partition: Config['partition'], central: CentralInventory): Promise<MemberInventory> {
  const empty: MemberInventory = { account, region, status: 'inspected', detail: null, groups: [], activities: [], defaultEbsKey: null, defaultServiceLinkedRoleExists: null };
  try {
    const scaling = await aws.member(AutoScaling, account, region);
    const ec2 = await aws.member(EC2, account, region);
    const roles = await aws.member(IAM, account, region);
    const groups = await scaling.groups();
    const refs = groups.flatMap((g) => g.launchTemplates);
    const [templateImages, configImages, activities, defaultKey, allowedImages] = await Promise.all([
      refs.length ? ec2.launchTemplateImages(refs) : Promise.resolve(new Map<string, string>()),
      groups.some((g) => g.launchConfigurationName) ? scaling.launchConfigurations() : Promise.resolve(new Map<string, { imageId?: string; spot: boolean }>()),
      scaling.recentActivities(),
      ec2.defaultEbsKey(),
      ec2.allowedImagesSettings(),
    ]);
    const imagesOf = (g: (typeof groups)[number]) =>
      [
        ...g.launchTemplates.map((r) => templateImages.get(templateKey(r))),
        ...(g.launchConfigurationName ? [configImages.get(g.launchConfigurationName)?.imageId] : []),
      ].filter((id): id is string => typeof id === 'string');
    const roleArns = [...new Set(groups.map((g) => g.serviceLinkedRoleArn ?? serviceLinkedRoleArn(partition, account)))];
    // The default role too, used or not: a new account gets its grant before its first launch.
    const defaultRole = serviceLinkedRoleArn(partition, account);
    const exists = new Map(
      await Promise.all(
        [...new Set([defaultRole, ...roleArns])].map(async (arn) => [arn, parseServiceLinkedRoleArn(arn) ? await roles.roleExists(parseServiceLinkedRoleArn(arn)!.roleName) : null] as const),
      ),
    );
    // KMS's own verdict on the member role's CreateGrant (DryRun: key policy, IAM, SCPs, RCPs), once
    // per existing role that launches a central image and has no grant on the organization key yet.
    const keyArn = central.keyArn;
    const centralImages = new Set(central.images.map((i) => i.imageId));
    const ungranted = keyArn
      ? roleArns.filter(
          (arn) =>
            exists.get(arn) === true &&
            !central.grants.some((grant) => grantCovers(grant, arn)) &&
            groups.some((g) => (g.serviceLinkedRoleArn ?? serviceLinkedRoleArn(partition, account)) === arn && imagesOf(g).some((id) => centralImages.has(id))),
        )
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
    return {
      ...empty,
      ...(grantDryRuns.length > 0 ? { grantDryRuns } : {}),
      allowedImages,
      groups: groups.map((g) => {
        const slr = g.serviceLinkedRoleArn ?? serviceLinkedRoleArn(partition, account);
        const imageIds = imagesOf(g);
        const spot = g.launchConfigurationName && configImages.get(g.launchConfigurationName)?.spot ? { spotLaunchConfiguration: g.launchConfigurationName } : {};
        return { name: g.name, serviceLinkedRoleArn: slr, serviceLinkedRoleExists: exists.get(slr) ?? null, imageIds: [...new Set(imageIds)], ...spot };
      }),
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

/** The plan the state machine passes on is the one "Plan sweep" made: configured regions, a count, a time. */
function checkPlan(plan: Pick<SweepPlan, 'startedAt' | 'accounts' | 'regions' | 'targets'>, config: Config): void {
  const regions: unknown = plan.regions;
  if (!Array.isArray(regions) || regions.length > config.regions.length || new Set(regions).size !== regions.length || regions.some((r) => !config.regions.includes(r as string))) {
    throw new InvalidInputError('plan.regions', `expected distinct configured regions (${config.regions.join(', ')})`);
  }
  if (!Number.isSafeInteger(plan.accounts) || plan.accounts < 0) throw new InvalidInputError('plan.accounts', 'expected the number of accounts swept');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(plan.startedAt) || !Number.isFinite(Date.parse(plan.startedAt))) {
    throw new InvalidInputError('plan.startedAt', 'expected the time the sweep started (ISO 8601, UTC)');
  }
  const targets: unknown = plan.targets;
  if (!Array.isArray(targets) || targets.some((t) => !t || typeof t !== 'object' || !isAccountId((t as { account?: unknown }).account) || !plan.regions.includes((t as { region?: unknown }).region as string))) {
    throw new InvalidInputError('plan.targets', 'expected the member accounts and regions the sweep inspected');
  }
}

export interface SweepReport {
  runId: string;
  mode: SweepRequest['mode'];
  summary: SweepSummary;
  reports: { json: string; csv: string; markdown: string };
  remediations: Remediation[];
  skippedRemediations: number;
  /** What went to Security Hub (services/findings-export.ts). */
  securityHub: ExportOutcome;
}

/** Every sweep's count of each organization key's grants: `{ keyArn: [{at, count}] }`, the newest 60. */
const GRANT_COUNTS = 'sweeps/grant-counts.json';

export async function writeReport(
  plan: Pick<SweepPlan, 'runId' | 'mode' | 'dryRun' | 'startedAt' | 'accounts' | 'regions' | 'targets'> & { trigger?: SweepPlan['trigger'] },
  config: Config,
  aws: AwsContext,
): Promise<SweepReport> {
  checkPlan(plan, config);
  const reports = store(config, aws, homeRegion(config));
  const keys = await reports.list(prefix(plan.runId));
  // No inventory, no sweep: an empty report for a run that never happened would replace the latest one.
  if (!keys.some((k) => k.includes('/central/'))) throw new InvalidInputError('plan.runId', `no inventory of the sweep ${plan.runId} exists under ${prefix(plan.runId)}`);
  const centrals = await Promise.all(keys.filter((k) => k.includes('/central/')).map((k) => reports.getJson<CentralInventory>(k)));
  const members = await Promise.all(keys.filter((k) => k.includes('/members/')).map((k) => reports.getJson<MemberInventory>(k)));
  const at = prefix(plan.runId);
  const scope: SweepScope = keys.includes(`${at}scope.json`) ? await reports.getJson<SweepScope>(`${at}scope.json`) : { accounts: null, organizationalUnits: [] };
  const history: Record<string, GrantCountPoint[]> = (await reports.list(GRANT_COUNTS)).includes(GRANT_COUNTS) ? await reports.getJson(GRANT_COUNTS) : {};
  const grantScope = { centralAccountId: config.centralAccountId, partition: config.partition, accounts: scope.accounts ? new Set(scope.accounts) : null, organizationalUnits: scope.organizationalUnits };
  const findings: Finding[] = [
    ...centrals.flatMap((c) =>
      centralFindings(c, config, { scope: grantScope, policy: config.staleGrantPolicy, at: plan.startedAt, history: c.keyArn ? (history[c.keyArn] ?? []) : [] }),
    ),
    ...members
      .sort((a, b) => `${a.account}${a.region}`.localeCompare(`${b.account}${b.region}`))
      .flatMap((m) => memberFindings(m, centrals, config, { newAccount: plan.trigger === 'new-account' })),
    ...missingInspectionFindings(plan.targets, members, config),
  ];
  // The key's grant count, kept between sweeps for the trend.
  for (const c of centrals) if (c.keyArn) history[c.keyArn] = recordCount(history[c.keyArn] ?? [], { at: plan.startedAt, count: c.grantCount ?? c.grants.length });
  await reports.put(GRANT_COUNTS, JSON.stringify(history));
  const summary = summarize(findings, plan.accounts, plan.regions.length);
  // Security Hub (off unless AMIWARDEN_SECURITY_HUB=true): resolves only what this sweep looked at.
  const inspected = [...plan.regions.map((region) => ({ account: config.centralAccountId, region })), ...members.filter((m) => m.status === 'inspected').map((m) => ({ account: m.account, region: m.region }))];
  const securityHub = await exportFindings(findings.map((f) => fromSweepRow(f, config.partition)), { producer: 'sweep', inspected }, config, aws, homeRegion(config));
  const json = await reports.put(`${at}report.json`, JSON.stringify({ runId: plan.runId, mode: plan.mode, startedAt: plan.startedAt, summary, findings }, null, 2));
  const csv = await reports.put(`${at}report.csv`, toCsv(findings), 'text/csv');
  const markdown = await reports.put(`${at}report.md`, toMarkdown(findings, summary, plan), 'text/markdown');
  await reports.put('sweeps/latest.json', JSON.stringify({ runId: plan.runId, json, csv, markdown }));
  const enforce = plan.mode === 'enforce' && !plan.dryRun;
  const { remediations, skipped } = enforce ? planRemediations(findings, config.sweepMaxChanges) : { remediations: [], skipped: 0 };
  return { runId: plan.runId, mode: plan.mode, summary, reports: { json, csv, markdown }, remediations, skippedRemediations: skipped, securityHub };
}
