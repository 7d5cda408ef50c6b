/**
 * What `--local` runs leave behind, in a local folder (default ./amiwarden-local, or
 * $AMIWARDEN_LOCAL_DIR, or --local-dir): the emulator is gone after each command, so the records
 * that `executions --local`, `show --local` and `report --local` read are kept here, the way a
 * policy tool writes an output directory.
 *
 *   <dir>/executions/<execution name>.json   one per local run: the --json object of the run
 *   <dir>/sweeps/<run id>/report.{json,csv,md} and <dir>/sweeps/latest.json   as in the report bucket
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, UsageError } from './errors';
import { LATEST_KEY, reportKey, type FetchedReport, type ReportFormat } from './report';

export const DEFAULT_LOCAL_DIR = 'amiwarden-local';

export function localDir(option: string | undefined, env: Record<string, string | undefined>): string {
  const dir = option ?? env.AMIWARDEN_LOCAL_DIR ?? DEFAULT_LOCAL_DIR;
  if (dir.length === 0 || dir.includes('\0')) throw new UsageError('invalid --local-dir: expected a folder path');
  return dir;
}

export interface LocalExecutionRecord {
  workflow: string;
  name: string;
  executionArn: string;
  status: string;
  startDate: string;
  stopDate: string;
  input: unknown;
  [key: string]: unknown;
}

const nameOf = (executionArn: string) => executionArn.split(':').pop()!;
const SAFE_NAME = /^[\w.-]{1,80}$/;

export async function saveExecution(dir: string, record: LocalExecutionRecord): Promise<string> {
  if (!SAFE_NAME.test(record.name)) throw new CliError(`cannot keep a local execution named ${JSON.stringify(record.name)}`);
  const file = path.join(dir, 'executions', `${record.name}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(record));
  return file;
}

export async function listExecutions(dir: string): Promise<LocalExecutionRecord[]> {
  let files: string[];
  try {
    files = (await readdir(path.join(dir, 'executions'))).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const records: LocalExecutionRecord[] = [];
  for (const f of files) {
    try {
      records.push(JSON.parse(await readFile(path.join(dir, 'executions', f), 'utf8')) as LocalExecutionRecord);
    } catch {
      // a file that is not a record: not ours
    }
  }
  return records.sort((a, b) => b.startDate.localeCompare(a.startDate));
}

export async function readExecutionRecord(dir: string, executionArn: string): Promise<LocalExecutionRecord> {
  const name = nameOf(executionArn);
  if (!SAFE_NAME.test(name)) throw new UsageError(`invalid execution ARN ${JSON.stringify(executionArn)}`);
  try {
    return JSON.parse(await readFile(path.join(dir, 'executions', `${name}.json`), 'utf8')) as LocalExecutionRecord;
  } catch {
    throw new CliError(`no local execution ${name} in ${path.join(dir, 'executions')} (\`amiwarden executions --local\` lists them)`);
  }
}

/** Writes a local sweep's reports as the report bucket has them. */
export async function saveReports(dir: string, run: string, reports: Record<ReportFormat, FetchedReport>): Promise<Record<ReportFormat, string>> {
  const saved = {} as Record<ReportFormat, string>;
  await mkdir(path.join(dir, 'sweeps', run), { recursive: true });
  for (const format of Object.keys(reports) as ReportFormat[]) {
    const file = path.join(dir, reportKey(run, format));
    await writeFile(file, reports[format].text);
    saved[format] = file;
  }
  await writeFile(path.join(dir, LATEST_KEY), JSON.stringify({ runId: run, json: reportKey(run, 'json'), csv: reportKey(run, 'csv'), markdown: reportKey(run, 'md') }));
  return saved;
}

/** A local sweep's report: the latest one, or a run's. */
export async function readLocalReport(dir: string, run: string | undefined, format: ReportFormat): Promise<FetchedReport> {
  let runId = run;
  if (runId === undefined) {
    try {
      runId = (JSON.parse(await readFile(path.join(dir, LATEST_KEY), 'utf8')) as { runId: string }).runId;
    } catch {
      throw new CliError(`no local sweep report yet in ${dir} (run \`amiwarden sweep --local\` first)`);
    }
    if (typeof runId !== 'string' || !SAFE_NAME.test(runId)) throw new CliError(`${path.join(dir, LATEST_KEY)} is not a sweep pointer`);
  }
  const file = path.join(dir, reportKey(runId, format));
  try {
    return { format, runId, location: file, text: await readFile(file, 'utf8') };
  } catch {
    throw new CliError(`no such local run: ${runId} (no ${file})`);
  }
}
