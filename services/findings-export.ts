/**
 * Security Hub export: any producer's plain findings go to Security Hub in ASFF (core/asff.ts), and
 * the findings of the same producer that an earlier run imported for an account and Region this
 * run inspected, and that this run no longer sees, are resolved: archived with compliance PASSED
 * (the provider's side) and Workflow.Status RESOLVED (BatchUpdateFindings, the customer's side, as
 * a finding provider cannot set the workflow of a finding it updates). Off unless
 * AMIWARDEN_SECURITY_HUB=true.
 */
import { checkTitle, generatorPrefix, productArn, toAsff, type AsffRecord, type PlainFinding } from '../core/asff';
import type { Config } from '../core/config';
import { AwsCallError } from '../core/errors';
import type { Diagnosis } from '../core/launch-failure';
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

export async function exportFindings(findings: PlainFinding[], scope: ExportScope, config: Config, aws: AwsContext, hubRegion: string, now = new Date()): Promise<ExportOutcome> {
  if (!config.securityHub) return { outcome: 'disabled', hubRegion: null, imported: 0, resolved: 0, failed: 0, failures: [] };
  try {
    return await exportTo(findings, scope, config, aws, hubRegion, now);
  } catch (error) {
    // Throttling is retried by the step; a refusal must not undo the report or the diagnosis.
    if (!(error instanceof AwsCallError)) throw error;
    return { outcome: 'failed', hubRegion, imported: 0, resolved: 0, failed: findings.length, failures: [{ id: '', code: error.code, message: error.message.slice(0, 300) }] };
  }
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

async function exportTo(findings: PlainFinding[], scope: ExportScope, config: Config, aws: AwsContext, hubRegion: string, now: Date): Promise<ExportOutcome> {
  const { SecurityHub } = await loadSecurityHub();
  const hub = aws.central(SecurityHub, hubRegion);
  const product = productArn(config.partition, hubRegion, config.centralAccountId);
  const ctx = { importingAccount: config.centralAccountId, hubRegion, partition: config.partition, producer: scope.producer, now };

  // What an earlier run left ACTIVE: its CreatedAt is kept, and what this run no longer sees is resolved.
  const active = new Map<string, AsffRecord>();
  for await (const page of hub.activeFindings(product, generatorPrefix(scope.producer))) for (const f of page) if (f.Id) active.set(f.Id, f);

  const current = findings.map((f) => {
    const record = toAsff(f, ctx);
    const createdAt = active.get(record.Id)?.CreatedAt;
    return createdAt ? { ...record, CreatedAt: createdAt } : record;
  });
  const seen = new Set(current.map((f) => f.Id));
  const covered = new Set(scope.inspected.map((i) => `${i.account}/${i.region}`));
  const gone = [...active.values()].filter((f) => {
    const where = `${f.ProductFields?.['amiwarden/Account'] ?? ''}/${f.ProductFields?.['amiwarden/Region'] ?? ''}`;
    const narrowed = !scope.only || scope.only.includes(f.ProductFields?.['amiwarden/FindingId'] ?? '');
    return !seen.has(f.Id!) && covered.has(where) && narrowed;
  });

  const imported = await hub.importFindings(current as AsffRecord[]);
  const archived = await hub.importFindings(gone.map((f) => fixed(f, now)));
  const archivedIds = new Set(gone.map((f) => f.Id!).filter((id) => !archived.failed.some((x) => x.id === id)));
  const resolved = archivedIds.size > 0 ? await hub.resolve([...archivedIds].map((Id) => ({ Id, ProductArn: product })), `amiwarden ${scope.producer} at ${now.toISOString()} no longer finds this problem`) : 0;
  const failures = [...imported.failed, ...archived.failed];
  return { outcome: 'exported', hubRegion, imported: imported.imported, resolved, failed: failures.length, failures: failures.slice(0, 5) };
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
