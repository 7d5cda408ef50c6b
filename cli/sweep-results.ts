/**
 * A sweep's findings as the CLI reads them: today from the sweep's JSON report
 * (`reports.json` of its output, `{runId, mode, startedAt, summary, findings}`). This is the one
 * place the CLI reads them, for the plan and result output of `sweep` and for `report --output
 * table`: if the sweep stores its plan and results elsewhere, only this file changes.
 */
import type { Finding } from '../core/sweep';
import { CliError } from './errors';
import { FORMAT_FIELD, type FetchedReport } from './report';

export type SweepFinding = Pick<Finding, 'account' | 'region' | 'resource' | 'finding' | 'severity' | 'detail' | 'action'> & {
  remediation: { workflow: string; input: Record<string, unknown> } | null;
};

export interface SweepResults {
  runId: string;
  location: string;
  findings: SweepFinding[];
}

/** Where the JSON report of a sweep is, from the sweep's output. */
export function sweepResultsLocation(output: unknown): string | undefined {
  const url = (output as { reports?: Record<string, unknown> } | undefined)?.reports?.[FORMAT_FIELD.json];
  return typeof url === 'string' ? url : undefined;
}

/** Reads the findings out of a fetched JSON report. */
export function sweepResultsFrom(report: FetchedReport): SweepResults {
  let parsed: { runId?: unknown; findings?: unknown };
  try {
    parsed = JSON.parse(report.text) as typeof parsed;
  } catch {
    throw new CliError(`${report.location} is not JSON`);
  }
  if (!Array.isArray(parsed.findings)) throw new CliError(`${report.location} has no findings list`);
  return { runId: typeof parsed.runId === 'string' ? parsed.runId : report.runId, location: report.location, findings: parsed.findings as SweepFinding[] };
}

/** Reads a sweep's findings with `fetch` (S3, or the local reports folder), given the sweep's output. */
export async function readSweepResults(output: unknown, fetch: (url: string, runId: string) => Promise<FetchedReport>): Promise<SweepResults | undefined> {
  const url = sweepResultsLocation(output);
  if (!url) return undefined;
  const runId = String((output as { runId?: unknown }).runId ?? '');
  return sweepResultsFrom(await fetch(url, runId));
}
