/**
 * Step "Record failure": the one failure path of every workflow. Logs the error with the original
 * input and keeps both on the failure queue, so nothing a workflow could not finish is lost. A
 * record SQS cannot take (over 250,000 bytes), or one nested too deeply to serialize in one pass,
 * is kept whole in the report bucket under failures/, and the queue message (and log line) names
 * that object instead of carrying the input. Needs no configuration but the queue and the bucket,
 * so that it works even when the others cannot start.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { clientSettings, errorCode } from '../../adapters/aws';
import { reportStore } from '../../adapters/s3';
import { failureQueue } from '../../adapters/sqs';
import { stringifyDeep } from '../../core/deep-json';
import { functionLogger } from '../common/logger';
import { outcomeMetrics } from '../common/metrics';

const logger = functionLogger('record-failure');
const metrics = outcomeMetrics();
const settings = clientSettings(process.env.AWS_REGION ?? 'us-east-1');
const queueUrl = process.env.AMIWARDEN_FAILURE_QUEUE_URL?.trim() || undefined;
const queue = queueUrl ? failureQueue(queueUrl)(settings) : undefined;
const bucket = process.env.AMIWARDEN_REPORT_BUCKET?.trim() || undefined;
const originals = bucket ? reportStore(bucket)(settings) : undefined;

/** SQS takes at most 256 KiB a message, CloudWatch Logs 256 KiB an event: a larger record is kept in S3. */
const MAX_BODY = 250_000;
/** Where the originals go (the record-failure role may write there and nowhere else in the bucket). */
export const FAILURES_PREFIX = 'failures/';

export interface FailureRecord {
  workflow: string;
  execution: string | null;
  /** `accounts`: for a workflow whose work failed in some target accounts, each of those accounts' results. */
  error: { name: string; cause: string; accounts?: FailedAccount[] };
  input: unknown;
  recordedAt: string;
}

/** The record as queued when its whole text is in S3 (or, without a bucket, cut). */
export type KeptElsewhere = Omit<FailureRecord, 'input'> &
  ({ input: null; inputObject: { bucket: string; key: string; bytes: number } } | { input: string; truncated: true });

export const handler = async (
  payload: { workflow?: unknown; execution?: unknown; input?: unknown; error?: unknown },
  context?: Context,
): Promise<{ recorded: true; queued: boolean }> => {
  if (context) logger.addContext(context);
  const err = (payload?.error ?? {}) as { Error?: unknown; Cause?: unknown; accounts?: unknown };
  const accounts = failedAccounts(err.accounts);
  const record: FailureRecord = {
    workflow: typeof payload?.workflow === 'string' ? payload.workflow : 'unknown',
    execution: typeof payload?.execution === 'string' ? payload.execution : null,
    error: { name: String(err.Error ?? 'Unknown'), cause: String(err.Cause ?? '').slice(0, 8192), ...(accounts ? { accounts } : {}) },
    input: payload?.input ?? null,
    recordedAt: new Date().toISOString(),
  };
  let whole: string | undefined;
  try {
    whole = JSON.stringify(record);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  let kept: FailureRecord | KeptElsewhere = record;
  if (whole === undefined || Buffer.byteLength(whole) > MAX_BODY) {
    // Too large for one message, or too deep for a recursive serializer (the log line is one too).
    kept = await keepOriginal(record, whole ?? stringifyDeep(record));
  }
  logger.error('Workflow step failed', { record: kept });
  metrics.record(record.workflow, 'failed');
  if (!queue) return { recorded: true, queued: false };
  await queue.send(kept === record ? whole! : JSON.stringify(kept));
  return { recorded: true, queued: true };
};

async function keepOriginal(record: FailureRecord, text: string): Promise<KeptElsewhere> {
  const bytes = Buffer.byteLength(text);
  const { input: _input, ...rest } = record;
  if (!originals || !bucket) return { ...rest, input: `(cut: ${bytes} bytes)`, truncated: true };
  const key = originalKey(record);
  try {
    await originals.put(key, text);
    return { ...rest, input: null, inputObject: { bucket, key, bytes } };
  } catch (error) {
    // The failure must still reach the queue: cut, and say why the original is not kept.
    logger.warn('Could not keep the original input in S3', { error: error as Error, key });
    return { ...rest, input: `(cut: ${bytes} bytes; S3 refused it: ${errorCode(error)})`, truncated: true };
  }
}

/** failures/<workflow>/<day>/<execution name>-<random>.json: safe characters only, whatever the payload said. */
function originalKey(record: FailureRecord): string {
  const safe = (value: string, max: number) => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, max) || 'unknown';
  const execution = record.execution ? (record.execution.split(':').pop() ?? '') : '';
  return `${FAILURES_PREFIX}${safe(record.workflow, 64)}/${record.recordedAt.slice(0, 10)}/${safe(execution, 80)}-${randomUUID().slice(0, 8)}.json`;
}

export interface FailedAccount {
  account: string;
  outcome: string;
  finding: string | null;
}

/** Of every target account's result, the ones marked `failed`, each cut to what an operator needs. */
function failedAccounts(results: unknown): FailedAccount[] | undefined {
  if (!Array.isArray(results)) return undefined;
  return results.flatMap((r) => {
    const o = (r ?? {}) as { account?: unknown; outcome?: unknown; failed?: unknown; finding?: unknown };
    if (o.failed !== true) return [];
    return [{ account: String(o.account).slice(0, 12), outcome: String(o.outcome).slice(0, 64), finding: typeof o.finding === 'string' ? o.finding.slice(0, 1024) : null }];
  });
}
