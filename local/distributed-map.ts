/**
 * A Distributed Map state, as Step Functions runs it, for the local runner (aws-local-stepfunctions
 * runs every Map inline and knows no ItemReader, ItemBatcher or ResultWriter). Each behaviour
 * follows the Step Functions developer guide and is pinned in test/conformance/local-step-functions.test.ts:
 *
 * - ItemReader (`arn:aws:states:::s3:getObject`, ReaderConfig.InputType JSON or JSONL, MaxItems):
 *   the items are the JSON array (or the lines) of one S3 object; a missing or malformed object
 *   fails the state with `States.ItemReaderFailed`. Without ItemReader, ItemsPath (default `$`).
 * - ItemSelector: evaluated per item, `$$.Map.Item.Index` / `$$.Map.Item.Value` bound.
 * - ItemBatcher: each child gets `{"BatchInput": …, "Items": [...]}`, at most MaxItemsPerBatch(Path)
 *   items and MaxInputBytesPerBatch(Path) bytes (at most 256 KiB).
 * - Child executions: one per item or batch, each an execution of its own (its own payload and
 *   history quotas), at most MaxConcurrency(Path) at once (0: no limit).
 * - ToleratedFailurePercentage / ToleratedFailureCount (and their Path forms), default 0: over the
 *   threshold the state fails with `States.ExceedToleratedFailureThreshold`.
 * - ResultWriter (`arn:aws:states:::s3:putObject`, Parameters Bucket and Prefix): the child results
 *   go to `<Prefix>/<map run id>/SUCCEEDED_0.json` (FAILED_0.json, PENDING_0.json) and a
 *   `manifest.json` listing them; the state's result is `{MapRunArn, ResultWriterDetails: {Bucket, Key}}`
 *   with Key the manifest's. Without it, the result is the array of child outputs.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { PAYLOAD_LIMIT_BYTES, payloadBytes } from './limits';
import { inParallel } from '../services/in-parallel';

type Json = unknown;
type JsonObject = Record<string, unknown>;

export const DISTRIBUTED_MAP_RESOURCE = 'arn:aws:states:::amiwarden-local:distributedMap';

class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Evaluates a JSONPath payload template (`"x.$": "$.path"`, intrinsics) with aws-local-stepfunctions itself, in a Pass state. */
export async function evaluateTemplate(template: Json, input: Json, context: JsonObject): Promise<Json> {
  const machine = new StateMachine({ StartAt: 'T', States: { T: { Type: 'Pass', Parameters: template, End: true } } } as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  return machine.run(input as never, { context: context as never }).result;
}

async function evaluatePath(path: string, input: Json, context: JsonObject): Promise<Json> {
  return ((await evaluateTemplate({ 'v.$': path }, input, context)) as { v: Json }).v;
}

async function numberOf(state: JsonObject, field: string, input: Json, context: JsonObject): Promise<number | undefined> {
  if (typeof state[field] === 'number') return state[field] as number;
  const path = state[`${field}Path`];
  if (typeof path !== 'string') return undefined;
  const value = await evaluatePath(path, input, context);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new StatesError('States.Runtime', `${field}Path ${path} is not a non-negative number: ${JSON.stringify(value)}`);
  return value;
}

export interface ChildOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: Json;
  error?: { name: string; cause: string };
  executionArn: string;
  name: string;
  startDate: string;
  stopDate: string;
}

export interface DistributedMapRun {
  state: JsonObject;
  stateName: string;
  /** The state's input (after InputPath). */
  input: Json;
  context: JsonObject;
  stateMachineName: string;
  s3: () => S3Client;
  runChild: (definition: JsonObject, input: Json, ids: { executionArn: string; name: string }) => Promise<ChildOutcome>;
}

async function readItems(run: DistributedMapRun): Promise<Json[]> {
  const { state, input, context } = run;
  const reader = state.ItemReader as JsonObject | undefined;
  if (!reader) {
    const items = await evaluatePath(typeof state.ItemsPath === 'string' ? state.ItemsPath : '$', input, context);
    if (!Array.isArray(items)) throw new StatesError('States.Runtime', 'ItemsPath must point to an array');
    return items;
  }
  if (reader.Resource !== 'arn:aws:states:::s3:getObject') throw new StatesError('States.Runtime', `ItemReader ${String(reader.Resource)} is not run locally (only arn:aws:states:::s3:getObject)`);
  const config = (reader.ReaderConfig ?? {}) as JsonObject;
  const inputType = config.InputType ?? 'JSON';
  if (inputType !== 'JSON' && inputType !== 'JSONL') throw new StatesError('States.Runtime', `ItemReader InputType ${String(inputType)} is not run locally (JSON, JSONL)`);
  const where = (await evaluateTemplate(reader.Parameters ?? {}, input, context)) as { Bucket?: unknown; Key?: unknown };
  if (typeof where.Bucket !== 'string' || typeof where.Key !== 'string') throw new StatesError('States.ItemReaderFailed', 'ItemReader Parameters need a Bucket and a Key');
  let text: string;
  try {
    const out = await run.s3().send(new GetObjectCommand({ Bucket: where.Bucket, Key: where.Key }));
    text = await out.Body!.transformToString();
  } catch (error) {
    throw new StatesError('States.ItemReaderFailed', `s3:getObject s3://${where.Bucket}/${where.Key}: ${(error as Error).name}: ${(error as Error).message}`);
  }
  let items: Json[];
  try {
    items = inputType === 'JSONL' ? text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Json) : (JSON.parse(text) as Json[]);
  } catch (error) {
    throw new StatesError('States.ItemReaderFailed', `s3://${where.Bucket}/${where.Key} is not ${inputType}: ${(error as Error).message}`);
  }
  if (!Array.isArray(items)) throw new StatesError('States.ItemReaderFailed', `s3://${where.Bucket}/${where.Key} does not hold a JSON array`);
  const maxItems = await numberOf(config, 'MaxItems', input, context);
  return maxItems ? items.slice(0, maxItems) : items;
}

async function childInputs(run: DistributedMapRun, items: Json[]): Promise<Json[]> {
  const { state, input, context } = run;
  const selector = state.ItemSelector ?? state.Parameters;
  const selected = selector
    ? await Promise.all(items.map((item, index) => evaluateTemplate(selector, input, { ...context, Map: { Item: { Index: index, Value: item } } })))
    : items;
  const batcher = state.ItemBatcher as JsonObject | undefined;
  if (!batcher) return selected;
  const maxItems = (await numberOf(batcher, 'MaxItemsPerBatch', input, context)) || Infinity;
  const maxBytes = Math.min((await numberOf(batcher, 'MaxInputBytesPerBatch', input, context)) || PAYLOAD_LIMIT_BYTES, PAYLOAD_LIMIT_BYTES);
  const batchInput = batcher.BatchInput === undefined ? undefined : await evaluateTemplate(batcher.BatchInput, input, context);
  const batches: Json[] = [];
  const shell = payloadBytes(batchInput === undefined ? { Items: [] } : { BatchInput: batchInput, Items: [] });
  let current: Json[] = [];
  let bytes = shell;
  for (const item of selected) {
    const size = payloadBytes(item);
    if (current.length && (current.length >= maxItems || bytes + size + 1 > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = shell;
    }
    bytes += size + (current.length ? 1 : 0);
    current.push(item);
  }
  if (current.length) batches.push(current);
  return batches.map((Items) => (batchInput === undefined ? { Items } : { BatchInput: batchInput, Items }));
}


/** Locally, "no limit" (MaxConcurrency 0) still runs at most this many children at once. */
const LOCAL_UNLIMITED_CONCURRENCY = 200;

export async function runDistributedMap(run: DistributedMapRun): Promise<Json> {
  const { state, input, context } = run;
  const items = await readItems(run);
  const inputs = await childInputs(run, items);
  const processor = state.ItemProcessor as JsonObject;
  const { ProcessorConfig: _config, ...definition } = processor;
  const express = ((processor.ProcessorConfig ?? {}) as JsonObject).ExecutionType === 'EXPRESS';
  const mapRunId = randomUUID();
  const label = typeof state.Label === 'string' ? state.Label : run.stateName.replace(/[^\w-]/g, '');
  const mapRunArn = `arn:aws:states:us-east-1:000000000000:mapRun:${run.stateMachineName}/${label}:${mapRunId}`;
  const maxConcurrency = (await numberOf(state, 'MaxConcurrency', input, context)) || LOCAL_UNLIMITED_CONCURRENCY;

  const outcomes = await inParallel(inputs, maxConcurrency, (childInput, i) => {
    const name = `${mapRunId.slice(0, 8)}-${i}`;
    const executionArn = express
      ? `arn:aws:states:us-east-1:000000000000:express:${run.stateMachineName}/${label}:${mapRunId}:${name}`
      : `arn:aws:states:us-east-1:000000000000:execution:${run.stateMachineName}/${label}:${name}`;
    return run.runChild(definition, childInput, { executionArn, name });
  });

  const failed = outcomes.filter((o) => o.status !== 'SUCCEEDED').length;
  const toleratedCount = (await numberOf(state, 'ToleratedFailureCount', input, context)) ?? 0;
  const toleratedPercentage = (await numberOf(state, 'ToleratedFailurePercentage', input, context)) ?? 0;
  const breached = failed > 0 && failed > toleratedCount && (failed * 100) / outcomes.length > toleratedPercentage;

  const writer = state.ResultWriter as JsonObject | undefined;
  let result: Json;
  if (writer && writer.Resource !== undefined) {
    result = await writeResults(run, writer, outcomes, inputs, mapRunArn, mapRunId);
  } else {
    result = outcomes.map((o) => (o.status === 'SUCCEEDED' ? o.output : { Error: o.error?.name, Cause: o.error?.cause }));
  }
  if (breached) {
    const first = outcomes.find((o) => o.status !== 'SUCCEEDED');
    throw new StatesError('States.ExceedToleratedFailureThreshold', `${failed} of ${outcomes.length} child executions failed (first: ${first?.error?.name}: ${first?.error?.cause})`);
  }
  return result;
}

async function writeResults(run: DistributedMapRun, writer: JsonObject, outcomes: ChildOutcome[], inputs: Json[], mapRunArn: string, mapRunId: string): Promise<Json> {
  if (writer.Resource !== 'arn:aws:states:::s3:putObject') throw new StatesError('States.Runtime', `ResultWriter ${String(writer.Resource)} is not run locally (only arn:aws:states:::s3:putObject)`);
  const where = (await evaluateTemplate(writer.Parameters ?? {}, run.input, run.context)) as { Bucket?: unknown; Prefix?: unknown };
  if (typeof where.Bucket !== 'string') throw new StatesError('States.ResultWriterFailed', 'ResultWriter Parameters need a Bucket');
  const config = (writer.WriterConfig ?? {}) as JsonObject;
  const transformation = config.Transformation ?? 'NONE';
  const outputType = config.OutputType ?? 'JSON';
  const prefix = typeof where.Prefix === 'string' && where.Prefix !== '' ? `${where.Prefix.replace(/\/+$/, '')}/` : '';
  const entry = (o: ChildOutcome, i: number): Json => {
    // A failed child is written unchanged whatever the Transformation (ResultWriter, WriterConfig).
    if (o.status === 'SUCCEEDED' && transformation === 'COMPACT') return o.output;
    if (o.status === 'SUCCEEDED' && transformation === 'FLATTEN') return o.output;
    return {
      ExecutionArn: o.executionArn,
      Input: JSON.stringify(inputs[i]),
      InputDetails: { Included: true },
      Name: o.name,
      ...(o.status === 'SUCCEEDED' ? { Output: JSON.stringify(o.output), OutputDetails: { Included: true } } : { Error: o.error?.name, Cause: o.error?.cause }),
      StartDate: o.startDate,
      StateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${run.stateMachineName}/${mapRunId}`,
      Status: o.status,
      StopDate: o.stopDate,
    };
  };
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  const groups: Record<'SUCCEEDED' | 'FAILED', Json[]> = { SUCCEEDED: [], FAILED: [] };
  outcomes.forEach((o, i) => {
    const value = entry(o, i);
    const group = o.status === 'SUCCEEDED' ? groups.SUCCEEDED : groups.FAILED;
    if (o.status === 'SUCCEEDED' && transformation === 'FLATTEN' && Array.isArray(value)) group.push(...value);
    else group.push(value);
  });
  const put = async (key: string, body: string) => {
    try {
      await run.s3().send(new PutObjectCommand({ Bucket: where.Bucket as string, Key: key, Body: body, ContentType: 'application/json' }));
    } catch (error) {
      throw new StatesError('States.ResultWriterFailed', `s3:putObject s3://${String(where.Bucket)}/${key}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    if (groups[status].length === 0) continue;
    const key = `${prefix}${mapRunId}/${status}_0.json`;
    const body = outputType === 'JSONL' ? groups[status].map((v) => JSON.stringify(v)).join('\n') + '\n' : JSON.stringify(groups[status]);
    await put(key, body);
    files[status].push({ Key: key, Size: Buffer.byteLength(body, 'utf8') });
  }
  const manifestKey = `${prefix}${mapRunId}/manifest.json`;
  await put(manifestKey, JSON.stringify({ DestinationBucket: where.Bucket, MapRunArn: mapRunArn, ResultFiles: files }));
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: where.Bucket, Key: manifestKey } };
}
