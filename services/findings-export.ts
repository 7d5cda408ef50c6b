/**
 * Security Hub export: any producer's plain findings go to Security Hub in ASFF (core/asff.ts), and
 * the findings of the same producer that an earlier run imported for an account and Region this
 * run inspected, and that this run no longer sees, are resolved: archived with compliance PASSED
 * (the provider's side) and Workflow.Status RESOLVED (BatchUpdateFindings, the customer's side, as
 * a finding provider cannot set the workflow of a finding it updates). Off unless
 * AMIWARDEN_SECURITY_HUB=true.
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { securityhub } from '../adapters/securityhub';
import { generatorPrefix, productArn, toAsff, type PlainFinding } from '../core/asff';
import type { Config } from '../core/config';
import type { AwsContext } from './aws-context';

export interface ExportScope {
  /** `sweep`, `diagnosis`: whose findings these are. */
  producer: string;
  /** What this run looked at: only findings of these accounts and Regions are resolved when absent. */
  inspected: { account: string; region: string }[];
}

export interface ExportOutcome {
  outcome: 'disabled' | 'exported';
  hubRegion: string | null;
  imported: number;
  resolved: number;
  failed: number;
  /** The first few refusals, for the log. */
  failures: { id: string; code: string; message: string }[];
}

export async function exportFindings(findings: PlainFinding[], scope: ExportScope, config: Config, aws: AwsContext, hubRegion: string, now = new Date()): Promise<ExportOutcome> {
  if (!config.securityHub) return { outcome: 'disabled', hubRegion: null, imported: 0, resolved: 0, failed: 0, failures: [] };
  const hub = aws.centralAdapter(securityhub, hubRegion);
  const product = productArn(config.partition, hubRegion, config.centralAccountId);
  const ctx = { importingAccount: config.centralAccountId, hubRegion, partition: config.partition, producer: scope.producer, now };

  // What an earlier run left ACTIVE: its CreatedAt is kept, and what this run no longer sees is resolved.
  const active = new Map<string, AwsSecurityFinding>();
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
    return !seen.has(f.Id!) && covered.has(where);
  });

  const imported = await hub.importFindings(current as AwsSecurityFinding[]);
  const archived = await hub.importFindings(gone.map((f) => fixed(f, now)));
  const archivedIds = new Set(gone.map((f) => f.Id!).filter((id) => !archived.failed.some((x) => x.id === id)));
  const resolved = archivedIds.size > 0 ? await hub.resolve([...archivedIds].map((Id) => ({ Id, ProductArn: product })), `amiwarden ${scope.producer} at ${now.toISOString()} no longer finds this problem`) : 0;
  const failures = [...imported.failed, ...archived.failed];
  return { outcome: 'exported', hubRegion, imported: imported.imported, resolved, failed: failures.length, failures: failures.slice(0, 5) };
}

/** An earlier finding as the provider re-imports it once the problem is gone. */
function fixed(f: AwsSecurityFinding, now: Date): AwsSecurityFinding {
  const keep = ['SchemaVersion', 'Id', 'ProductArn', 'ProductName', 'CompanyName', 'GeneratorId', 'AwsAccountId', 'Region', 'Types', 'CreatedAt', 'Severity', 'Title', 'Description', 'Remediation', 'Resources', 'ProductFields'] as const;
  const base = Object.fromEntries(keep.filter((k) => f[k] !== undefined).map((k) => [k, f[k]])) as unknown as AwsSecurityFinding;
  return { ...base, UpdatedAt: now.toISOString(), Compliance: { Status: 'PASSED' }, RecordState: 'ARCHIVED' };
}

