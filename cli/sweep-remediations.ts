/**
 * The remediations a deployed enforce sweep started. Its "Start remediations" Distributed Map
 * starts each one with states:startExecution (not waiting for it) and its ResultWriter writes, per
 * map child, the item it was given and the started execution's ARN to S3 (a manifest and result
 * files, Step Functions developer guide "ResultWriter"). The state's output names the manifest
 * (`started.manifest`, in `plan.bucket`): this reads it, then follows each started execution with
 * DescribeExecution until it ends. Locally the children run inside the parent (cli/local.ts).
 */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { S3Client } from '@aws-sdk/client-s3';
import { inParallel } from '../services/in-parallel';
import type { ChildExecution } from './context';
import { aws, CliError } from './errors';
import type { ExecutionStatus } from './execution';
import { readObjectText } from './report';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const parse = (text: unknown): unknown => {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Where a map run's ResultWriter put its results. */
export interface RemediationResults {
  bucket: string;
  manifest: string;
}

/** A remediation the sweep started: the workflow, its input and the execution. */
export interface StartedRemediation {
  workflow: string;
  input: Record<string, unknown>;
  executionArn: string;
}

/** From a state's output: `{plan: {bucket}, started: {manifest}}` (the sweep's "Start remediations"). */
export function remediationResultsIn(output: unknown): RemediationResults | undefined {
  const o = obj(output);
  const bucket = obj(o?.plan)?.bucket;
  const manifest = obj(o?.started)?.manifest;
  return typeof bucket === 'string' && typeof manifest === 'string' ? { bucket, manifest } : undefined;
}

/** The manifest, then each result file it lists: each map child's item and the execution it started. */
export async function readStartedRemediations(s3: S3Client, where: RemediationResults): Promise<StartedRemediation[]> {
  const readJson = async (key: string) => {
    const text = await readObjectText(s3, where.bucket, key, 'not found (the sweep\'s map run results)');
    const parsed = parse(text);
    if (parsed === undefined) throw new CliError(`s3://${where.bucket}/${key} is not JSON`);
    return parsed;
  };
  const manifest = obj(await readJson(where.manifest));
  const files = obj(manifest?.ResultFiles);
  if (!files) throw new CliError(`s3://${where.bucket}/${where.manifest} is not a map run manifest (no ResultFiles)`);
  const started: StartedRemediation[] = [];
  for (const group of ['SUCCEEDED', 'FAILED', 'PENDING']) {
    for (const file of Array.isArray(files[group]) ? (files[group] as unknown[]) : []) {
      const key = obj(file)?.Key;
      if (typeof key !== 'string') continue;
      const entries = await readJson(key);
      for (const entry of Array.isArray(entries) ? entries : []) {
        const e = obj(entry);
        const item = obj(parse(e?.Input));
        const executionArn = obj(parse(e?.Output))?.executionArn;
        // Only the items that started an execution (the grant repairs run in the map itself).
        if (!item || typeof item.workflow !== 'string' || typeof executionArn !== 'string') continue;
        started.push({ workflow: item.workflow, input: obj(item.input) ?? {}, executionArn });
      }
    }
  }
  return started;
}

export interface FollowChildrenOptions {
  sleep: (ms: number) => Promise<void>;
  pollIntervalMs: number;
  /** Each execution once it has ended. */
  onEnd?: (child: ChildExecution) => void;
}

const TERMINAL = new Set<string>(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
/** DescribeExecution calls at once (the sweep starts at most 1,000 remediations). */
const DESCRIBE_CONCURRENCY = 5;

/** Polls each started execution until every one has ended; results in the order they were started. */
export async function followStarted(sfn: SFNClient, started: StartedRemediation[], options: FollowChildrenOptions): Promise<ChildExecution[]> {
  const done: (ChildExecution | undefined)[] = started.map(() => undefined);
  for (;;) {
    const open = started.map((s, i) => ({ s, i })).filter(({ i }) => !done[i]);
    await inParallel(open, DESCRIBE_CONCURRENCY, async ({ s, i }) => {
      const d = await aws(`Describing ${s.executionArn}`, () => sfn.send(new DescribeExecutionCommand({ executionArn: s.executionArn })));
      if (!d.status || !TERMINAL.has(d.status)) return;
      const output = parse(d.output);
      const begun = d.startDate ? new Date(d.startDate).getTime() : undefined;
      const ended = d.stopDate ? new Date(d.stopDate).getTime() : undefined;
      const child: ChildExecution = {
        workflow: s.workflow,
        executionArn: s.executionArn,
        input: s.input,
        status: d.status as ExecutionStatus,
        ...(output !== undefined ? { output } : {}),
        ...(d.error ? { error: { name: d.error, cause: d.cause ?? '' } } : {}),
        durationMs: begun !== undefined && ended !== undefined ? ended - begun : 0,
      };
      done[i] = child;
      options.onEnd?.(child);
    });
    if (done.every((c) => c)) return done as ChildExecution[];
    await options.sleep(options.pollIntervalMs);
  }
}
