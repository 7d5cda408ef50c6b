/**
 * The local runner (local/state-machine.ts) behaves like Step Functions where amiwarden depends on
 * it; aws-local-stepfunctions alone has none of these. Each test names the rule of the Step Functions
 * developer guide it follows. Distributed Map states read and write the emulator's S3.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runWorkflow, type RunOptions } from '../../local/state-machine';
import { PAYLOAD_LIMIT_BYTES } from '../../local/limits';
import { withoutFalsyInputWorkaround } from '../../local/falsy-input';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { CENTRAL, useEmulator } from './support';

const { config } = useEmulator();
const BUCKET = 'amiwarden-runner-conformance';
let s3: S3Client;

beforeAll(async () => {
  s3 = new S3Client({ ...config(CENTRAL), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

// Any Lambda logical id the runner knows; each test binds it to its own handler.
const WORKER = 'InspectMemberAccountLambdaFunction';
const lambda = { 'Fn::GetAtt': [WORKER, 'Arn'] };
const run = (definition: object, input: unknown, handler?: (payload: unknown) => Promise<unknown>, extra: RunOptions = {}) =>
  runWorkflow('conformance', input, { definition, s3, ...(handler ? { handlers: { [WORKER]: handler } } : {}), ...extra });
const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const getJson = async (key: string) => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString()) as unknown;

const oneTask = (extra: object = {}) => ({
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: lambda,
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
      ...extra,
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
});

/** A string whose JSON encoding is exactly `bytes` bytes of UTF-8, written with 2-byte characters where it can. */
const jsonStringOfBytes = (bytes: number) => {
  const inner = bytes - 2; // the quotes
  return 'é'.repeat(Math.floor(inner / 2)) + 'x'.repeat(inner % 2);
};

describe('payload quota: "The maximum input or output size for a task, state, or execution is 256 KiB of data as a UTF-8 encoded string"', () => {
  it('accepts an execution input of exactly 262,144 bytes and refuses one of 262,145 with States.DataLimitExceeded, counted in UTF-8 bytes', async () => {
    const atLimit = jsonStringOfBytes(PAYLOAD_LIMIT_BYTES);
    expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(262_144);
    expect(JSON.stringify(atLimit).length).toBeLessThan(140_000); // fewer characters than bytes: UTF-8 is what counts

    const ok = await run({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, atLimit);
    const over = await run({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, jsonStringOfBytes(PAYLOAD_LIMIT_BYTES + 1));

    expect(ok.status).toBe('SUCCEEDED');
    expect(over.status).toBe('FAILED');
    expect(over.error?.name).toBe('States.DataLimitExceeded');
    expect(over.path).toEqual([]);
  });

  it('fails the execution when a task result is over the quota: a terminal error that neither Retry nor Catch States.ALL takes', async () => {
    let calls = 0;
    const result = await run(oneTask(), {}, async () => {
      calls += 1;
      return { big: 'x'.repeat(PAYLOAD_LIMIT_BYTES) };
    });

    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('States.DataLimitExceeded');
    expect(result.error?.cause).toContain('result of the Task "Work"');
    expect(result.path).not.toContain('Caught');
    expect(calls).toBe(1);
  });

  it('fails the execution when a task input after Parameters is over the quota, before the task runs', async () => {
    let calls = 0;
    const input = { half: 'x'.repeat(140_000) };
    const result = await run(oneTask({ Parameters: { 'a.$': '$.half', 'b.$': '$.half' } }), input, async () => {
      calls += 1;
      return {};
    });

    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('States.DataLimitExceeded');
    expect(calls).toBe(0);
  });

  it('fails the execution when a state output is over the quota, and runs no later Task', async () => {
    let calls = 0;
    const definition = {
      StartAt: 'Grow',
      States: {
        Grow: { Type: 'Pass', Result: 'x'.repeat(PAYLOAD_LIMIT_BYTES), ResultPath: '$.big', Next: 'Work' },
        Work: { Type: 'Task', Resource: lambda, End: true },
      },
    };
    const result = await run(definition, {}, async () => {
      calls += 1;
      return {};
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toMatchObject({ name: 'States.DataLimitExceeded' });
    expect(result.error?.cause).toContain('output of the state "Grow"');
    expect(calls).toBe(0);
  });
});

describe('history quota: "a hard quota of 25,000 entries in the execution event history"', () => {
  const inlineMap = {
    StartAt: 'First',
    States: {
      First: { Type: 'Pass', Next: 'Each' },
      Each: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, ResultPath: null, End: true },
    },
  };
  // ExecutionStarted, PassStateEntered, PassStateExited, MapStateEntered, MapStateStarted, 4 per
  // iteration (MapIterationStarted, PassStateEntered, PassStateExited, MapIterationSucceeded),
  // MapStateSucceeded, MapStateExited, ExecutionSucceeded.
  const events = (n: number) => 8 + 4 * n;

  it('succeeds when the 25,000th event is ExecutionSucceeded, and fails one iteration later', async () => {
    expect(events(6248)).toBe(25_000);
    const within = await run(inlineMap, Array.from({ length: 6248 }, (_, i) => i));
    const over = await run(inlineMap, Array.from({ length: 6249 }, (_, i) => i));

    expect({ status: within.status, events: within.historyEvents }).toEqual({ status: 'SUCCEEDED', events: 25_000 });
    expect(over.status).toBe('FAILED');
    expect(over.error?.cause).toBe('The execution reached the maximum number of history events (25000).');
  }, 60_000);

  it('counts a Distributed Map child execution in its own history, not in the parent’s', async () => {
    await put('conformance/many.json', JSON.stringify(Array.from({ length: 7000 }, (_, i) => i)));
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: BUCKET, Key: 'conformance/many.json' } },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          ResultPath: null,
          End: true,
        },
      },
    };
    const result = await run(definition, {});

    expect(result.status).toBe('SUCCEEDED');
    expect(result.mapChildren).toBe(7000);
    expect(result.historyEvents).toBeLessThan(20);
  }, 120_000);
});

describe('Distributed Map', () => {
  const distributed = (fields: object, worker: object = { Type: 'Task', Resource: lambda, End: true }) => ({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Work', States: { Work: worker } },
        ...fields,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  });
  const reader = (key: string, inputType = 'JSON') => ({
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: inputType },
    Parameters: { Bucket: BUCKET, 'Key.$': '$.key' },
  });
  const writer = { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: BUCKET, 'Prefix.$': '$.prefix' } };

  it('ItemReader (JSON) + ItemBatcher: each child gets {"BatchInput", "Items"} of at most MaxItemsPerBatch items, read from S3, never through the state', async () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ n: i }));
    await put('conformance/items.json', JSON.stringify(items));
    const seen: unknown[] = [];
    const result = await run(
      distributed({ ItemReader: reader('conformance/items.json'), ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'tag.$': '$.tag' } }, ResultPath: '$.out' }),
      { key: 'conformance/items.json', tag: 'batch' },
      async (payload) => {
        seen.push(payload);
        return { count: (payload as { Items: unknown[] }).Items.length };
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(seen).toHaveLength(4);
    expect(seen).toContainEqual({ BatchInput: { tag: 'batch' }, Items: [{ n: 0 }, { n: 1 }, { n: 2 }] });
    expect(seen).toContainEqual({ BatchInput: { tag: 'batch' }, Items: [{ n: 9 }] });
    // Without ResultWriter, the state's result is the array of the children's outputs.
    expect((result.output as { out: unknown }).out).toEqual([{ count: 3 }, { count: 3 }, { count: 3 }, { count: 1 }]);
  });

  it('ItemBatcher MaxInputBytesPerBatch: no batch is larger than the bytes it allows', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ pad: 'x'.repeat(90), i })); // ~106 bytes each
    await put('conformance/sized.json', JSON.stringify(items));
    const sizes: number[] = [];
    const result = await run(distributed({ ItemReader: reader('conformance/sized.json'), ItemBatcher: { MaxInputBytesPerBatch: 1024 }, ResultPath: null }), { key: 'conformance/sized.json' }, async (payload) => {
      sizes.push(Buffer.byteLength(JSON.stringify(payload)));
      return {};
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024);
    expect(sizes.length).toBeGreaterThanOrEqual(5);
    expect(sizes.length).toBeLessThanOrEqual(6);
  });

  it('ItemReader InputType JSONL reads one item per line; ItemSelector binds $$.Map.Item.Value and $$.Map.Item.Index', async () => {
    await put('conformance/lines.jsonl', '{"a":1}\n{"a":2}\n');
    const seen: unknown[] = [];
    const result = await run(
      distributed({ ItemReader: reader('conformance/lines.jsonl', 'JSONL'), ItemSelector: { 'value.$': '$$.Map.Item.Value.a', 'index.$': '$$.Map.Item.Index', 'tag.$': '$.tag' }, ResultPath: null }),
      { key: 'conformance/lines.jsonl', tag: 't' },
      async (payload) => {
        seen.push(payload);
        return {};
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(seen).toEqual([
      { value: 1, index: 0, tag: 't' },
      { value: 2, index: 1, tag: 't' },
    ]);
  });

  it('a missing ItemReader object fails the state with States.ItemReaderFailed (which Catch can take)', async () => {
    const result = await run(distributed({ ItemReader: reader('conformance/none.json'), ResultPath: null }), { key: 'conformance/none.json' }, async () => ({}));

    expect(result.status).toBe('SUCCEEDED');
    expect(result.path).toContain('Caught');
    expect((result.output as { error: { Error: string } }).error.Error).toBe('States.ItemReaderFailed');
  });

  it('ResultWriter: SUCCEEDED_0.json and FAILED_0.json under <Prefix>/<map run id>/, a manifest.json listing them, and {MapRunArn, ResultWriterDetails} as the result', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ n: i }));
    await put('conformance/results.json', JSON.stringify(items));
    const result = await run(
      distributed({ ItemReader: reader('conformance/results.json'), ToleratedFailurePercentage: 10, ResultWriter: writer, ResultPath: '$.written' }),
      { key: 'conformance/results.json', prefix: 'conformance/out' },
      async (payload) => {
        if ((payload as { n: number }).n === 7) throw Object.assign(new Error('item 7 is broken'), { name: 'BrokenItem' });
        return { doubled: (payload as { n: number }).n * 2 };
      },
    );

    expect(result.status).toBe('SUCCEEDED');
    const written = (result.output as { written: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } } }).written;
    expect(written.MapRunArn).toMatch(/^arn:aws:states:us-east-1:\d{12}:mapRun:[^/]+\/Each:[0-9a-f-]{36}$/);
    const mapRunId = written.MapRunArn.split(':').pop()!;
    expect(written.ResultWriterDetails).toEqual({ Bucket: BUCKET, Key: `conformance/out/${mapRunId}/manifest.json` });

    const manifest = (await getJson(written.ResultWriterDetails.Key)) as { DestinationBucket: string; MapRunArn: string; ResultFiles: Record<string, { Key: string; Size: number }[]> };
    expect(manifest.DestinationBucket).toBe(BUCKET);
    expect(manifest.MapRunArn).toBe(written.MapRunArn);
    expect(manifest.ResultFiles.SUCCEEDED!.map((f) => f.Key)).toEqual([`conformance/out/${mapRunId}/SUCCEEDED_0.json`]);
    expect(manifest.ResultFiles.FAILED!.map((f) => f.Key)).toEqual([`conformance/out/${mapRunId}/FAILED_0.json`]);
    expect(manifest.ResultFiles.PENDING).toEqual([]);

    const succeeded = (await getJson(manifest.ResultFiles.SUCCEEDED![0]!.Key)) as { Input: string; Output: string; Status: string; ExecutionArn: string }[];
    expect(succeeded).toHaveLength(19);
    // Transformation NONE (the default when exporting): input and output as JSON strings, with the execution's metadata.
    expect(succeeded[0]).toMatchObject({ Status: 'SUCCEEDED', InputDetails: { Included: true }, OutputDetails: { Included: true } });
    expect(JSON.parse(succeeded.find((s) => JSON.parse(s.Input).n === 3)!.Output)).toEqual({ doubled: 6 });
    const failed = (await getJson(manifest.ResultFiles.FAILED![0]!.Key)) as { Input: string; Status: string; Error: string; Cause: string }[];
    expect(failed).toEqual([expect.objectContaining({ Input: '{"n":7}', Status: 'FAILED', Error: 'BrokenItem', Cause: 'item 7 is broken' })]);
  });

  it('ToleratedFailurePercentage: more failed children than it tolerates fail the state with States.ExceedToleratedFailureThreshold', async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ n: i }));
    await put('conformance/failing.json', JSON.stringify(items));
    const result = await run(distributed({ ItemReader: reader('conformance/failing.json'), ToleratedFailurePercentage: 10, ResultPath: null }), { key: 'conformance/failing.json' }, async (payload) => {
      if ((payload as { n: number }).n < 3) throw Object.assign(new Error('broken'), { name: 'BrokenItem' });
      return {};
    });

    expect(result.path).toContain('Caught');
    expect((result.output as { error: { Error: string } }).error.Error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('MaxConcurrency(Path): never more children at once than it allows', async () => {
    await put('conformance/concurrency.json', JSON.stringify(Array.from({ length: 30 }, (_, i) => i)));
    let running = 0;
    let peak = 0;
    const result = await run(distributed({ ItemReader: reader('conformance/concurrency.json'), MaxConcurrencyPath: '$.width', ResultPath: null }), { key: 'conformance/concurrency.json', width: 4 }, async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      return {};
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(peak).toBe(4);
  });

  it('a child execution has its own payload quota: a child whose result is over 256 KiB fails, and counts as a failed item', async () => {
    await put('conformance/big-child.json', JSON.stringify([1, 2]));
    const result = await run(distributed({ ItemReader: reader('conformance/big-child.json'), ResultPath: null }), { key: 'conformance/big-child.json' }, async (payload) =>
      payload === 2 ? { big: 'x'.repeat(PAYLOAD_LIMIT_BYTES) } : {},
    );

    expect((result.output as { error: { Error: string; Cause: string } }).error).toMatchObject({ Error: 'States.ExceedToleratedFailureThreshold' });
    expect((result.output as { error: { Cause: string } }).error.Cause).toContain('States.DataLimitExceeded');
  });
});

describe('the path `$` on a falsy input: "When a Step Functions execution receives JSON input, it passes that data to the first state"', () => {
  const takeTheRequest = { StartAt: 'Take', States: { Take: { Type: 'Pass', Parameters: { 'event.$': '$' }, End: true } } };

  it.each([[null], [false], [0], ['']])('the input %j reaches the first state and `$` selects it', async (input) => {
    const result = await run(takeTheRequest, input);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { event: input } });
  });

  it('any other path into such an input still points to nothing and fails the execution', async () => {
    const result = await run({ StartAt: 'Take', States: { Take: { Type: 'Pass', Parameters: { 'id.$': '$.id' }, End: true } } }, null);
    expect(result).toMatchObject({ status: 'FAILED' });
  });

  it('the library alone still fails `$` on null (local/falsy-input.ts is still needed: once this fails, delete it)', async () => {
    const machine = new StateMachine(takeTheRequest as unknown as StateMachineDefinition);
    const outcome = await withoutFalsyInputWorkaround(() => machine.run(null as never).result.then(() => 'succeeded', (error: Error) => error.message));
    expect(outcome).toContain("Path expression '$' does not point to a value");
  });
});
