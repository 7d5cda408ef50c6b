/**
 * Step "Record failure": the one failure path of every workflow. Logs the error with the original
 * input and keeps both on the failure queue, so nothing a workflow could not finish is lost.
 * Needs no other configuration, so that it works even when the others cannot start.
 */
import type { Context } from 'aws-lambda';
import { clientSettings } from '../../adapters/aws';
import { failureQueue } from '../../adapters/sqs';
import { functionLogger } from '../common/logger';
import { outcomeMetrics } from '../common/metrics';

const logger = functionLogger('record-failure');
const metrics = outcomeMetrics();
const queueUrl = process.env.AMIWARDEN_FAILURE_QUEUE_URL?.trim() || undefined;
const queue = queueUrl ? failureQueue(queueUrl)(clientSettings(process.env.AWS_REGION ?? 'us-east-1')) : undefined;

/** SQS takes at most 256 KiB a message, CloudWatch Logs 256 KiB an event; a larger record is cut, with a note. */
const MAX_BODY = 250_000;

export interface FailureRecord {
  workflow: string;
  execution: string | null;
  /** `accounts`: for a workflow whose work failed in some target accounts, each of those accounts' results. */
  error: { name: string; cause: string; accounts?: FailedAccount[] };
  input: unknown;
  recordedAt: string;
}

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
  const whole = JSON.stringify(record);
  // The same cut serves the log line (CloudWatch takes 256 KiB an event) and the message.
  const bytes = Buffer.byteLength(whole);
  const kept = bytes > MAX_BODY ? { ...record, input: `(cut: ${bytes} bytes)`, truncated: true } : record;
  logger.error('Workflow step failed', { record: kept });
  metrics.record(record.workflow, 'failed');
  if (!queue) return { recorded: true, queued: false };
  await queue.send(kept === record ? whole : JSON.stringify(kept));
  return { recorded: true, queued: true };
};

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
