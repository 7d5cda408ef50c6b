/**
 * The compliance sweep's result for people: counts by finding and severity as a table, where the
 * reports are, the remediations; and, locally, the remediations that ran (child executions).
 */
import { FINDINGS, type Severity } from '../core/sweep';
import type { ChildExecution } from './context';
import { oneLine, statusColour } from './execution';
import { seconds, table, type Output, type Style } from './output';

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

/** What a remediation was about, from its output. */
function target(child: ChildExecution): string {
  const o = (child.output ?? {}) as Record<string, unknown>;
  if (child.workflow === 'launch-failure' && o.account) return `${String(o.account)}/${String(o.autoScalingGroupName ?? '?')}`;
  if (child.workflow === 'reencrypt-and-share') return String(o.sourceImageId ?? o.imageId ?? '?');
  return '';
}

function outcome(child: ChildExecution): string {
  if (child.error) return `${child.error.name}${child.error.cause ? `: ${oneLine(child.error.cause)}` : ''}`;
  const o = (child.output ?? {}) as Record<string, unknown>;
  const status = String(o.status ?? '');
  if (child.workflow === 'reencrypt-and-share' && o.imageId && o.sourceImageId && o.imageId !== o.sourceImageId) return `${status} → ${String(o.imageId)}`;
  if (child.workflow === 'launch-failure' && o.cause) return `${status} (${String(o.cause)})`;
  return status;
}

/** The executions the sweep started (locally they ran to completion inside it). */
export function printChildren(io: Output, s: Style, children: ChildExecution[]): void {
  io.out('');
  io.out(s.bold(`Remediations (${children.length}, run to completion in this process)`));
  table(
    ['WORKFLOW', 'TARGET', 'STATUS', 'TOOK', 'RESULT'],
    children.map((c) => [c.workflow, target(c), statusColour(c.status, s), seconds(c.durationMs), outcome(c)]),
    s,
  ).forEach((l) => io.out(`  ${l}`));
}
