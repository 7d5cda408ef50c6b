/**
 * The compliance sweep's summary for people: counts by finding and severity as a table, where the
 * reports are, the remediations started (cli/plan.ts prints the findings per target).
 */
import { FINDINGS, type Severity } from '../core/sweep';
import { table, type Output, type Style } from './output';

const SEVERITY_ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

const severityOf = (finding: string): Severity | undefined => (FINDINGS as Record<string, Severity>)[finding];

export function paintSeverity(severity: string, s: Style): string {
  return severity === 'high' ? s.red(severity) : severity === 'medium' ? s.yellow(severity) : severity;
}

/** `{workflow, runId, mode, dryRun, accounts, regions, summary, reports, remediationsStarted, remediationsSkipped}`. */
export function printSweepOutput(io: Output, s: Style, output: Record<string, unknown>): void {
  const summary = (output.summary ?? {}) as { findings?: number; byFinding?: Record<string, number>; bySeverity?: Partial<Record<Severity, number>> };
  const regions = Array.isArray(output.regions) ? (output.regions as string[]) : [];
  const field = (name: string, value: string) => io.out(`  ${s.dim(name.padEnd(12))}  ${value}`);
  if (output.runId !== undefined) field('run', String(output.runId));
  field('mode', `${String(output.mode ?? '')}${output.dryRun ? ' (dry run)' : ''}`);
  field('scope', `${String(output.accounts ?? '?')} account(s) × ${regions.length} region(s): ${regions.join(', ')}`);
  io.out('');

  const rows = Object.entries(summary.byFinding ?? {})
    .map(([finding, count]) => ({ finding, count, severity: severityOf(finding) ?? '' }))
    .sort((a, b) => (SEVERITY_ORDER[a.severity as Severity] ?? 3) - (SEVERITY_ORDER[b.severity as Severity] ?? 3) || a.finding.localeCompare(b.finding));
  if (rows.length) {
    table(['FINDING', 'SEVERITY', 'COUNT'], rows.map((r) => [r.finding, paintSeverity(r.severity, s), String(r.count)]), s).forEach((l) => io.out(`  ${l}`));
  }
  const by = summary.bySeverity ?? {};
  const total = summary.findings ?? 0;
  io.out(`  ${s.bold(`${total} finding(s)`)}: ${by.high ?? 0} high, ${by.medium ?? 0} medium, ${by.low ?? 0} low`);
  io.out('');

  const reports = (output.reports ?? {}) as Record<string, string>;
  const names: [string, string][] = [['markdown', 'md'], ['csv', 'csv'], ['json', 'json']];
  names.filter(([k]) => reports[k]).forEach(([k, label], i) => field(i === 0 ? 'reports' : '', `${reports[k]}  ${s.dim(label)}`));
  field('remediations', `${String(output.remediationsStarted ?? 0)} started${output.remediationsSkipped ? `, ${String(output.remediationsSkipped)} held back by the cap (AMIWARDEN_SWEEP_MAX_CHANGES)` : ''}`);
}
