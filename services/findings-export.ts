/**
 * Security Hub export: any producer's plain findings go to Security Hub in ASFF (core/asff.ts), and
 * the findings of the same producer that an earlier run imported for an account and Region this
 * run inspected, and that this run no longer sees, are resolved: archived with compliance PASSED
 * (the provider's side) and Workflow.Status RESOLVED (BatchUpdateFindings, the customer's side, as
 * a finding provider cannot set the workflow of a finding it updates). Off unless
 * AMIWARDEN_SECURITY_HUB=true.
 *
 * The export goes a group of at most GROUP_ACCOUNTS accounts at a time (`findingsExporter`): the
 * producer hands over its findings an inventory at a time, and when an account beyond the group's
 * arrives the group is exported and let go. What is held is one group's findings and the earlier
 * findings of its accounts, never a whole sweep's.
 */
import { ACCOUNT_FIELD, checkTitle, generatorPrefix, productArn, REGION_FIELD, toAsff, type AsffRecord, type PlainFinding } from '../core/asff';
import type { Config } from '../core/config';
import { AwsCallError } from '../core/errors';
import type { Diagnosis } from '../core/launch-failure';
import type { SecurityHubAdapter } from '../adapters/securityhub';
import type { AwsContext } from './aws-context';

export interface ExportScope {
  /** `sweep`, `diagnosis`: whose findings these are. */
  producer: string;
  /** What this run looked at: only findings of these accounts and Regions are resolved when absent. */
  inspected: { account: string; region: string }[];
  /** Narrower still: only these findings (plain ids) may be resolved (a diagnosis looks at one group). */
  only?: string[];
}

export interface ExportOutcome {
  /** `failed`: Security Hub refused the calls (say, not enabled in the Region, or access denied); the producer's own work stands. */
  outcome: 'disabled' | 'exported' | 'nothing-to-export' | 'failed';
  hubRegion: string | null;
  imported: number;
  resolved: number;
  failed: number;
  /** The first few refusals, for the log. */
  failures: { id: string; code: string; message: string }[];
}

const DISABLED: ExportOutcome = { outcome: 'disabled', hubRegion: null, imported: 0, resolved: 0, failed: 0, failures: [] };

/**
 * At most this many accounts a group: its earlier findings are read with one GetFindings filter
 * holding one value per account, and a filter takes at most 20 values (AwsSecurityFindingFilters).
 */
export const GROUP_ACCOUNTS = 20;

/** Where an inventory's findings come from: its account and Region. */
export interface ExportTarget {
  account: string;
  region: string;
}

export interface FindingsExporter {
  /**
   * One inventory's findings (awaited before the next). `inspected`: the inventory looked at
   * `target`, so that what an earlier run found there and this run does not is resolved; `target`
   * null: findings only (say, of inspections that did not happen). A finding may be about another
   * account than the target's (the central inventory's findings about a member's grants): it goes
   * with its own account's group, and such an inventory must come before any other account's own
   * (an Error otherwise: a defect of the caller).
   */
  add(target: ExportTarget | null, inspected: boolean, findings: PlainFinding[]): Promise<void>;
  /** Exports the last group; the run's outcome. */
  end(): Promise<ExportOutcome>;
  /** The most records (this run's findings and the earlier findings kept to resolve) held at once. */
  readonly peakRecordsHeld: number;
}

/** The compliance sweep's exporter (producer `sweep`), a no-op with the export off. */
export function sweepExporter(config: Config, aws: AwsContext, hubRegion: string, now = new Date()): Promise<FindingsExporter> {
  return findingsExporter({ producer: 'sweep' }, config, aws, hubRegion, now);
}

interface Group {
  accounts: Set<string>;
  /** `account/region` of the targets inspected. */
  inspected: Set<string>;
  /** This run's findings of the group, by ASFF Id. */
  current: Map<string, AsffRecord>;
}

const newGroup = (): Group => ({ accounts: new Set(), inspected: new Set(), current: new Map() });
const where = (account: string, region: string) => `${account}/${region}`;

/**
 * The incremental exporter. A group is exported when an account beyond its GROUP_ACCOUNTS arrives
 * (and at `end`): one paged GetFindings for the producer's ACTIVE findings of the group's accounts
 * (the CreatedAt of each finding that exists is kept), BatchImportFindings of the group's findings
 * (100 a request), and the earlier findings that are gone (an (account, Region) of the group that
 * was inspected, not among the group's findings, and not updated by this run, so that a finding an
 * earlier group of the same run imported is never resolved) archived and resolved. An account that
 * comes back after its group was exported is simply in a new group.
 */
export async function findingsExporter(scope: Pick<ExportScope, 'producer' | 'only'>, config: Config, aws: AwsContext, hubRegion: string, now = new Date()): Promise<FindingsExporter> {
  if (!config.securityHub) return { add: async () => undefined, end: async () => DISABLED, peakRecordsHeld: 0 };
  const product = productArn(config.partition, hubRegion, config.centralAccountId);
  const ctx = { importingAccount: config.centralAccountId, hubRegion, partition: config.partition, producer: scope.producer, now };
  const only = scope.only ? new Set(scope.only) : null;
  const totals = { imported: 0, resolved: 0, failed: 0 };
  const failures: ExportOutcome['failures'] = [];
  let refusal: AwsCallError | null = null;
  let hub: SecurityHubAdapter | undefined;
  let group = newGroup();
  let held = 0;
  let peak = 0;
  const hold = (n: number) => {
    held += n;
    peak = Math.max(peak, held);
  };

  const flush = async () => {
    const g = group;
    group = newGroup();
    if (g.accounts.size === 0) return;
    try {
      if (!refusal) await exportGroup(g);
    } catch (error) {
      // Throttling is retried by the step; a refusal must not undo the report or the diagnosis.
      if (!(error instanceof AwsCallError)) throw error;
      refusal = error;
    }
    if (refusal) totals.failed += g.current.size;
    held = 0;
  };

  const exportGroup = async (g: Group) => {
    if (!hub) {
      const { SecurityHub } = await loadSecurityHub();
      hub = aws.central(SecurityHub, hubRegion);
    }
    // What an earlier run left ACTIVE for these accounts: its CreatedAt is kept, and what is gone is kept to resolve.
    const gone: AsffRecord[] = [];
    for await (const page of hub.activeFindings(product, generatorPrefix(scope.producer), { field: ACCOUNT_FIELD, values: [...g.accounts] })) {
      for (const f of page) {
        if (!f.Id) continue;
        const mine = g.current.get(f.Id);
        if (mine) {
          if (f.CreatedAt) mine.CreatedAt = f.CreatedAt;
          continue;
        }
        const at = where(f.ProductFields?.[ACCOUNT_FIELD] ?? '', f.ProductFields?.[REGION_FIELD] ?? '');
        const updated = Date.parse(typeof f.UpdatedAt === 'string' ? f.UpdatedAt : '');
        const narrowed = !only || only.has(f.ProductFields?.['amiwarden/FindingId'] ?? '');
        if (g.inspected.has(at) && updated < now.getTime() && narrowed) {
          gone.push(fixed(f, now));
          hold(1);
        }
      }
    }
    const imported = await hub.importFindings([...g.current.values()]);
    const archived = await hub.importFindings(gone);
    const refused = new Set(archived.failed.map((x) => x.id));
    const archivedIds = gone.map((f) => f.Id!).filter((id) => !refused.has(id));
    const resolved = archivedIds.length > 0 ? await hub.resolve(archivedIds.map((Id) => ({ Id, ProductArn: product })), `amiwarden ${scope.producer} at ${now.toISOString()} no longer finds this problem`) : 0;
    totals.imported += imported.imported;
    totals.resolved += resolved;
    for (const f of [...imported.failed, ...archived.failed]) {
      totals.failed += 1;
      if (failures.length < 5) failures.push(f);
    }
  };

  // The one order that matters: an inventory's findings about other accounts (the central
  // inventories' about members' grants) come before any other account's own inventory, or that
  // account's group could resolve an earlier copy that a later group then re-opens.
  let firstAccount: string | undefined;
  let othersSeen = false;

  const join = async (account: string) => {
    if (group.accounts.has(account)) return;
    if (group.accounts.size >= GROUP_ACCOUNTS) await flush();
    group.accounts.add(account);
  };

  return {
    async add(target, inspected, findings) {
      if (target) {
        firstAccount ??= target.account;
        if (target.account !== firstAccount) othersSeen = true;
        if (othersSeen && findings.some((f) => f.account !== target.account)) {
          throw new Error(`the findings of ${target.account}/${target.region} about other accounts come after another account's own inventory: they must come first (the central inventories before the members')`);
        }
      }
      if (refusal) {
        totals.failed += findings.length;
        return;
      }
      if (target) {
        await join(target.account);
        if (inspected) group.inspected.add(where(target.account, target.region));
      }
      // The target's own findings first, then each other account's, each into its account's group.
      const byAccount = new Map<string, PlainFinding[]>(target ? [[target.account, []]] : []);
      for (const f of findings) {
        const list = byAccount.get(f.account);
        if (list) list.push(f);
        else byAccount.set(f.account, [f]);
      }
      for (const [account, list] of byAccount) {
        if (list.length === 0) continue;
        await join(account);
        if (refusal) {
          totals.failed += list.length;
          continue;
        }
        for (const f of list) {
          const record = toAsff(f, ctx) as AsffRecord;
          if (!group.current.has(record.Id!)) hold(1);
          group.current.set(record.Id!, record);
        }
      }
    },
    async end() {
      await flush();
      if (refusal) return { outcome: 'failed', hubRegion, ...totals, failures: [{ id: '', code: refusal.code, message: refusal.message.slice(0, 300) }] };
      return { outcome: 'exported', hubRegion, ...totals, failures };
    },
    get peakRecordsHeld() {
      return peak;
    },
  };
}

/** A whole list of findings at once (the launch-failure diagnosis exports one), through the same groups. */
export async function exportFindings(findings: PlainFinding[], scope: ExportScope, config: Config, aws: AwsContext, hubRegion: string, now = new Date()): Promise<ExportOutcome> {
  const exporter = await findingsExporter(scope, config, aws, hubRegion, now);
  const rest = new Map<string, PlainFinding[]>();
  for (const f of findings) rest.set(where(f.account, f.region), [...(rest.get(where(f.account, f.region)) ?? []), f]);
  for (const t of scope.inspected) {
    await exporter.add(t, true, rest.get(where(t.account, t.region)) ?? []);
    rest.delete(where(t.account, t.region));
  }
  for (const list of rest.values()) await exporter.add(null, false, list);
  return exporter.end();
}

let securityHub: Promise<typeof import('../adapters/securityhub')> | undefined;

/**
 * The Security Hub adapter, loaded (once) only where the export is on. The functions that export
 * start the load at cold start when it is on (functions/diagnose-launch-failure,
 * functions/write-sweep-report), so no invocation waits for it; with the export off (the default)
 * the client is never loaded.
 */
export function loadSecurityHub(): Promise<typeof import('../adapters/securityhub')> {
  securityHub ??= import('../adapters/securityhub');
  return securityHub;
}

/** An earlier finding as the provider re-imports it once the problem is gone. */
function fixed(f: AsffRecord, now: Date): AsffRecord {
  const keep = ['SchemaVersion', 'Id', 'ProductArn', 'ProductName', 'CompanyName', 'GeneratorId', 'AwsAccountId', 'Region', 'Types', 'CreatedAt', 'Severity', 'Title', 'Description', 'Remediation', 'Resources', 'ProductFields'] as const;
  const base = Object.fromEntries(keep.filter((k) => f[k] !== undefined).map((k) => [k, f[k]])) as unknown as AsffRecord;
  return { ...base, UpdatedAt: now.toISOString(), Compliance: { Status: 'PASSED' }, RecordState: 'ARCHIVED' };
}


// ---------------------------------------------------------------------------------------------
// The launch-failure diagnosis


/** The one finding of a diagnosis: the group (or fleet), keyed by account, Region and name (one per launcher, whatever the cause). */
export function diagnosisFinding(d: Diagnosis, partition: Config['partition']): PlainFinding {
  const fleet = d.launcher && d.launcher.kind !== 'auto-scaling-group' ? d.launcher : null;
  const resource: PlainFinding['resource'] = fleet
    ? { type: 'Other', id: `arn:${partition}:ec2:${d.region}:${d.account}:${fleet.kind === 'spot-fleet' ? 'spot-fleet-request' : 'fleet'}/${fleet.name}` }
    : { type: 'AwsAutoScalingAutoScalingGroup', id: `arn:${partition}:autoscaling:${d.region}:${d.account}:autoScalingGroup:*:autoScalingGroupName/${d.autoScalingGroupName}` };
  return {
    id: fleet ? `launch-failure|${d.account}|${d.region}|${fleet.kind}/${fleet.name}` : `launch-failure|${d.account}|${d.region}|${d.autoScalingGroupName}`,
    check: d.cause,
    title: `${fleet ? (fleet.kind === 'spot-fleet' ? 'Spot Fleet' : 'EC2 Fleet') : 'Auto Scaling group'} cannot launch: ${checkTitle(d.cause)}`.slice(0, 256),
    severity: 'high',
    account: d.account,
    region: d.region,
    resource,
    evidence: d.finding,
    fix: d.fix,
  };
}

/**
 * A diagnosis that needs a person (status `finding`) imports its finding. One that finds the
 * group's grant in place (`grant-present`) resolves the group's earlier finding. A cause the
 * workflow fixes itself (`remediable`) changes nothing there: the grant may yet be refused, so only
 * a later diagnosis that sees it in place resolves. A dry run exports nothing.
 */
export async function exportDiagnosis(d: Diagnosis, config: Config, aws: AwsContext, hubRegion: string, now = new Date()): Promise<ExportOutcome> {
  if (!config.securityHub || d.dryRun) return { outcome: 'disabled', hubRegion: null, imported: 0, resolved: 0, failed: 0, failures: [] };
  const finding = diagnosisFinding(d, config.partition);
  const open = d.status === 'finding';
  const fixed = d.cause === 'grant-present';
  if (!open && !fixed) return { outcome: 'nothing-to-export', hubRegion: null, imported: 0, resolved: 0, failed: 0, failures: [] };
  return exportFindings(open ? [finding] : [], { producer: 'diagnosis', inspected: [{ account: d.account, region: d.region }], only: [finding.id] }, config, aws, hubRegion, now);
}
