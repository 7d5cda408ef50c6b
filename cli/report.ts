/**
 * `report`: prints a compliance sweep report from the report bucket — the latest one
 * (`sweeps/latest.json` points at it) or a given run's (`sweeps/<run-id>/report.<ext>`), as
 * Markdown, CSV or JSON. The reading helpers are shared with `sweep --report` (in AWS and --local).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe } from '../core/identifiers';
import { flag, jsonOutput, oneOf, parse, STACK_OPTIONS, str } from './args';
import { COMMON_HELP, helpText, LOCAL_HELP, STACK_HELP, type Command } from './command';
import { localDir, readLocalReport } from './local-store';
import { style, table } from './output';
import { paintSeverity } from './sweep-output';
import { sweepResultsFrom, type SweepFinding } from './sweep-results';
import { awsErrorLine, CliError, EXIT, UsageError } from './errors';
import type { Output } from './output';
import { stackOutputs, stackTarget } from './stack';

export const REPORT_FORMATS = ['md', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** The stack output with the report bucket's name (resources/outputs.yml). */
export const REPORT_BUCKET_OUTPUT = 'ReportBucketName';
export const LATEST_KEY = 'sweeps/latest.json';

/** The keys of a sweep's `reports` output (and of sweeps/latest.json) for each format. */
export const FORMAT_FIELD: Record<ReportFormat, 'markdown' | 'csv' | 'json'> = { md: 'markdown', csv: 'csv', json: 'json' };

const RUN_ID = /^[\w.-]{1,80}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REPORT_KEY = /^sweeps\/[\w.-]{1,80}\/report\.(json|csv|md)$/;

export function runId(option: string, value: unknown): string {
  if (typeof value !== 'string' || !RUN_ID.test(value) || /^\.+$/.test(value)) {
    throw new UsageError(`invalid ${option}: expected a sweep run id (the execution name: 1 to 80 letters, digits, '_', '.' or '-'), got ${describe(value)}`);
  }
  return value;
}

/** An S3 bucket name as S3 allows it (general purpose buckets): 3–63 of a-z 0-9 . -, no `..`, not an IP address. */
export function bucketName(option: string, value: unknown): string {
  const hint = typeof value === 'string' && value.startsWith('s3://') ? ' (the bucket name alone, without s3://)' : '';
  if (
    typeof value !== 'string' ||
    !BUCKET.test(value) ||
    value.includes('..') ||
    /^\d+\.\d+\.\d+\.\d+$/.test(value) ||
    /^(xn--|sthree-)/.test(value) ||
    /(-s3alias|--ol-s3)$/.test(value)
  ) {
    throw new UsageError(`invalid --${option}: expected an S3 bucket name such as amiwarden-reports-prod${hint}, got ${describe(value)}`);
  }
  return value;
}

export function reportKey(run: string, format: ReportFormat): string {
  return `sweeps/${run}/report.${format}`;
}

/** `s3://bucket/key` → its parts (undefined if it is not one). */
export function parseS3Url(url: unknown): { bucket: string; key: string } | undefined {
  const m = typeof url === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(url) : null;
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

export interface FetchedReport {
  format: ReportFormat;
  runId: string;
  location: string;
  /** The file as stored (Markdown, CSV or pretty-printed JSON). */
  text: string;
}

/** Reads one object as text. NoSuchKey becomes `missing` (the caller's words); everything else one line. */
export async function readObjectText(s3: S3Client, bucket: string, key: string, missing: string): Promise<string> {
  const doing = `Reading s3://${bucket}/${key}`;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body ? await out.Body.transformToString() : '';
  } catch (error) {
    const name = (error as { name?: string })?.name;
    if (name === 'NoSuchKey' || name === 'NotFound') throw new CliError(`${doing}: ${missing}`, EXIT.failed, { cause: error });
    if (name === 'NoSuchBucket') throw new CliError(`${doing}: the bucket ${bucket} does not exist`, EXIT.failed, { cause: error });
    if (name === 'AccessDenied') {
      throw new CliError(`${awsErrorLine(error, doing)} (without s3:ListBucket, S3 also answers AccessDenied for a key that does not exist)`, EXIT.failed, { cause: error });
    }
    throw new CliError(awsErrorLine(error, doing), EXIT.failed, { cause: error });
  }
}

/** sweeps/latest.json: `{runId, json, csv, markdown}` (s3:// URLs). */
export async function readLatestPointer(s3: S3Client, bucket: string): Promise<{ runId: string } & Record<'json' | 'csv' | 'markdown', string>> {
  const text = await readObjectText(s3, bucket, LATEST_KEY, 'no sweep report yet (run `amiwarden sweep` first)');
  let pointer: Record<string, unknown>;
  try {
    pointer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    pointer = {};
  }
  const ok = pointer && typeof pointer.runId === 'string' && ['json', 'csv', 'markdown'].every((f) => parseS3Url(pointer[f]) !== undefined);
  if (!ok) throw new CliError(`Reading s3://${bucket}/${LATEST_KEY}: not a sweep pointer ({runId, json, csv, markdown} with s3:// URLs)`);
  return pointer as { runId: string } & Record<'json' | 'csv' | 'markdown', string>;
}

/** A report by its s3:// URL (from a sweep's output or from sweeps/latest.json). */
export async function readReportAt(s3: S3Client, url: string, format: ReportFormat, run: string): Promise<FetchedReport> {
  const at = parseS3Url(url);
  if (!at || !REPORT_KEY.test(at.key)) throw new CliError(`not a sweep report location: ${JSON.stringify(url)}`);
  const text = await readObjectText(s3, at.bucket, at.key, `no such run: ${run} has no report.${format}`);
  return { format, runId: run, location: url, text };
}

/** The latest report, or a run's. */
export async function readReport(s3: S3Client, bucket: string, run: string | undefined, format: ReportFormat): Promise<FetchedReport> {
  if (run === undefined) {
    const pointer = await readLatestPointer(s3, bucket);
    return readReportAt(s3, pointer[FORMAT_FIELD[format]], format, pointer.runId);
  }
  const key = reportKey(run, format);
  const text = await readObjectText(s3, bucket, key, `no such run: ${run} (no ${key}; \`amiwarden executions --workflow compliance-sweep\` lists the runs)`);
  return { format, runId: run, location: `s3://${bucket}/${key}`, text };
}

/** The JSON report as an object (for --json). */
export function reportObject(report: FetchedReport): unknown {
  try {
    return JSON.parse(report.text);
  } catch {
    throw new CliError(`${report.location} is not JSON`);
  }
}

/** For people: the file as stored, line by line (no trailing empty line). */
export function printReportText(io: Output, report: FetchedReport): void {
  report.text.replace(/\n+$/, '').split('\n').forEach((l) => io.out(l));
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'print a compliance sweep report (the latest, or a run\'s) as Markdown, CSV or JSON',
  usage: 'amiwarden report [--latest | <run-id>] [options]',
  options: [
    ['--latest', 'the latest sweep\'s report (the default)'],
    ['<run-id>', 'this sweep\'s report (the execution name, as `executions` lists it)'],
    ['--format md|csv|json|table', 'what to print (default md): a report as stored, or the findings as a table; --json prints the JSON report object'],
    ['--bucket NAME', `the report bucket (default: the stack output ${REPORT_BUCKET_OUTPUT})`],
    ...STACK_HELP,
    ['--local', 'a report a `sweep --local` kept in the local folder (no emulator needed)'],
    LOCAL_HELP[1]!,
    ...COMMON_HELP,
  ],
  examples: [
    'amiwarden report --latest --stack amiwarden-prod',
    'amiwarden report 2026-11-20-daily --format csv --bucket amiwarden-reports-prod > findings.csv',
    'amiwarden report --json | jq \'.summary.bySeverity\'',
    'amiwarden report --local --output table',
  ],
  async run(argv, ctx) {
    const { values, positionals } = parse(argv, { ...STACK_OPTIONS, latest: { type: 'boolean' }, format: { type: 'string' }, bucket: { type: 'string' } }, 1, this);
    if (flag(values, 'help')) {
      helpText(this).forEach((l) => ctx.io.out(l));
      return EXIT.ok;
    }
    if (flag(values, 'latest') && positionals.length) throw new UsageError('give either --latest or a run id, not both');
    const run = positionals.length ? runId('run id', positionals[0]) : undefined;
    const asJson = jsonOutput(values);
    const formatValue = str(values, 'format') ?? (str(values, 'output') === 'table' ? 'table' : undefined);
    const chosen = formatValue !== undefined ? oneOf('format', formatValue, [...REPORT_FORMATS, 'table'] as const) : asJson ? 'json' : 'md';
    if (asJson && chosen !== 'json') throw new UsageError(`--json prints the JSON report; --format ${chosen} cannot be used with it`);
    // A table is read from the JSON report.
    const format: ReportFormat = chosen === 'table' ? 'json' : chosen;
    const print = (report: FetchedReport) => {
      if (asJson) ctx.io.out(JSON.stringify(reportObject(report)));
      else if (chosen === 'table') printFindingsTable(ctx.io, sweepResultsFrom(report).findings);
      else printReportText(ctx.io, report);
      return EXIT.ok;
    };
    const local = flag(values, 'local') ? localDir(str(values, 'local-dir'), ctx.env) : undefined;
    if (local === undefined && values['local-dir'] !== undefined) throw new UsageError('--local-dir is for --local');
    if (local !== undefined) {
      for (const option of ['bucket', 'stack', 'stack-region', 'profile']) if (values[option] !== undefined) throw new UsageError(`--${option} cannot be used with --local`);
      return print(await readLocalReport(local, run, format));
    }
    const explicitBucket = str(values, 'bucket') !== undefined ? bucketName('bucket', str(values, 'bucket')) : undefined;
    if (explicitBucket && str(values, 'stack') !== undefined) throw new UsageError('--stack cannot be used with --bucket');
    const target = stackTarget(values, ctx);

    let bucket = explicitBucket;
    if (bucket === undefined) {
      const outputs = await stackOutputs(ctx.clients.cloudFormation(target.client), target.stack);
      const value = outputs[REPORT_BUCKET_OUTPUT];
      if (!value) throw new CliError(`the compliance sweep's report bucket is not in this stack (${target.stack} has no ${REPORT_BUCKET_OUTPUT} output); pass --bucket`);
      try {
        bucket = bucketName('bucket', value);
      } catch {
        throw new CliError(`the ${REPORT_BUCKET_OUTPUT} output of ${target.stack} is not a bucket name: ${JSON.stringify(value)}`);
      }
    }
    return print(await readReport(ctx.clients.s3(target.client), bucket, run, format));
  },
};

/** The findings, one row each, most severe first. */
export function printFindingsTable(io: Output, findings: SweepFinding[]): void {
  const s = style(io.color);
  const order: Record<string, number> = { high: 0, medium: 1, low: 2 };
  const rows = [...findings].sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3) || a.account.localeCompare(b.account) || a.region.localeCompare(b.region));
  if (rows.length === 0) {
    io.err('no findings');
    return;
  }
  table(
    ['ACCOUNT', 'REGION', 'RESOURCE', 'FINDING', 'SEVERITY', 'REMEDIATION'],
    rows.map((f) => [f.account, f.region, f.resource, f.finding, paintSeverity(f.severity, s), f.remediation ? f.remediation.workflow : 'needs a person']),
    s,
  ).forEach((l) => io.out(l));
}
