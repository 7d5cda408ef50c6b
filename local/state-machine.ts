/**
 * Runs a deployed ASL file in-process with aws-local-stepfunctions, every Lambda Task bound to
 * its real handler. The file is the one serverless.yml deploys; the only change on load is that
 * each `{"Fn::GetAtt": [LogicalId, "Arn"]}` becomes a Lambda ARN, as CloudFormation would make it.
 *
 * What Step Functions does and the library lacks, added here (each pinned in
 * test/conformance/local-step-functions.test.ts):
 * - the 256 KiB payload quota (local/limits.ts): an execution input, a state's input or output, a
 *   task's input (after Parameters) or result over it fails the execution with the terminal
 *   `States.DataLimitExceeded`, which no Retry or Catch takes;
 * - the 25,000-event history quota: the runner counts the events Step Functions records for each
 *   state (entered/exited, the Lambda scheduled/started/ended of each attempt, a Map's started/
 *   ended and each iteration's) and fails the execution whose history would pass it;
 * - a Distributed Map (local/distributed-map.ts): ItemReader, ItemBatcher and ResultWriter against
 *   the emulator's S3, each child an execution of its own with its own quotas;
 * - the path `$` on a `null`, `false`, `0` or `""` input selects that value (local/falsy-input.ts),
 *   where the library fails the execution.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import './polyfills';
import './falsy-input';
import { DISTRIBUTED_MAP_RESOURCE, runDistributedMap, type ChildOutcome } from './distributed-map';
import { checkPayload, dataLimitExceeded, HISTORY_LIMIT_EVENTS, historyLimitExceeded, PAYLOAD_LIMIT_BYTES, payloadBytes, TerminalStatesError } from './limits';
import { FUNCTIONS, ROOT, WORKFLOWS } from './workflows';

type JsonObject = Record<string, unknown>;

export interface LoadedDefinition {
  definition: StateMachineDefinition;
  /** Task state name → the Lambda logical id it invokes. */
  tasks: Record<string, string>;
  /** Task state name → the Step Functions service integration it calls (bound to local stand-ins). */
  serviceTasks: Record<string, string>;
}

const LOCAL_ACCOUNT = '000000000000';
/** The ARN CloudFormation's `Ref` of a state machine resolves to, locally. */
export const localStateMachineArn = (logicalId: string) => `arn:aws:states:us-east-1:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
const START_EXECUTION = 'arn:aws:states:::states:startExecution';

/** Loads a workflow's deployed ASL file, or `definitionFile` (a path under the repository) instead. */
export function loadDefinition(workflow: string, definitionFile?: string): LoadedDefinition {
  const spec = WORKFLOWS[workflow];
  if (!spec && !definitionFile) throw new Error(`Unknown workflow ${workflow}; known: ${Object.keys(WORKFLOWS).join(', ')}`);
  return resolveDefinition(JSON.parse(readFileSync(path.join(ROOT, definitionFile ?? spec!.definition), 'utf8')) as JsonObject);
}

/** An ASL definition (as in a file) with its Lambda `Fn::GetAtt` and state machine `Ref` resolved. */
export function resolveDefinition(parsed: object): LoadedDefinition {
  const raw = JSON.parse(JSON.stringify(parsed)) as JsonObject;
  const tasks: Record<string, string> = {};
  const serviceTasks: Record<string, string> = {};
  resolveStates(raw, tasks, serviceTasks);
  return { definition: resolveRefs(raw) as unknown as StateMachineDefinition, tasks, serviceTasks };
}

/** `{"Ref": "XStateMachine"}` (another state machine of the stack) → its local ARN. */
function resolveRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(resolveRefs);
  if (!node || typeof node !== 'object') return node;
  const o = node as JsonObject;
  if (typeof o.Ref === 'string' && Object.keys(o).length === 1) {
    if (!Object.values(WORKFLOWS).some((w) => w.stateMachineId === o.Ref)) throw new Error(`Ref to ${o.Ref}, which local/workflows.ts does not know`);
    return localStateMachineArn(o.Ref);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveRefs(v)]));
}

function resolveStates(machine: JsonObject, tasks: Record<string, string>, serviceTasks: Record<string, string>): void {
  for (const [name, state] of Object.entries((machine.States ?? {}) as Record<string, JsonObject>)) {
    const resource = state.Resource as { 'Fn::GetAtt'?: [string, string] } | string | undefined;
    if (resource && typeof resource === 'object' && Array.isArray(resource['Fn::GetAtt'])) {
      const logicalId = resource['Fn::GetAtt'][0];
      if (!FUNCTIONS[logicalId]) throw new Error(`State "${name}" invokes ${logicalId}, which local/workflows.ts does not know`);
      state.Resource = `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`;
      if (tasks[name] && tasks[name] !== logicalId) throw new Error(`Two Task states are named "${name}"`);
      tasks[name] = logicalId;
    } else if (typeof resource === 'string' && resource.startsWith('arn:aws:states:::')) {
      serviceTasks[name] = resource;
    }
    for (const nested of [state.Iterator, state.ItemProcessor, ...((state.Branches as JsonObject[]) ?? [])]) {
      if (nested && typeof nested === 'object') resolveStates(nested as JsonObject, tasks, serviceTasks);
    }
  }
}

export interface ExecutionReport {
  workflow: string;
  executionArn: string;
  input?: unknown;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: { name: string; cause: string };
  /** States entered, as Step Functions bills them (state transitions). */
  transitions: number;
  /** Lambda invocations, this execution's and its Distributed Map children's. */
  lambdaInvocations: number;
  retries: number;
  /** Each state as it was entered, in order. */
  path: string[];
  durationMs: number;
  /** Executions this one started (states:startExecution), run to completion locally. */
  children: ExecutionReport[];
  /** Events in this execution's history, as Step Functions would record them. */
  historyEvents: number;
  /** The largest payload (execution input, state input/output, task input/result) of this execution or any of its Map children, in bytes. */
  maxStateBytes: number;
  /** Child executions its Distributed Map states ran. */
  mapChildren: number;
}

/** A state starting or ending, in the execution that ran it (a child's events reach the same onState). */
export interface StateEvent {
  type: 'entered' | 'exited' | 'failed' | 'retried';
  state: string;
  /** Since the start of the execution that ran the state. */
  elapsedMs: number;
  /** The state's input (what it is about: a Map iteration's item, for one). */
  input?: unknown;
  /** An exited state's output. */
  output?: unknown;
  /** A failed state's error name. */
  error?: string;
  execution: { workflow: string; executionArn: string; input: unknown };
}

export interface RunOptions {
  /** Called as each state starts and ends (for progress on the console). */
  onState?: (event: StateEvent) => void;
  /** Replace a Lambda's handler (by logical id); the default is the real one. */
  handlers?: Record<string, (payload: unknown) => Promise<unknown>>;
  /** Retry waits are shortened to this many milliseconds (the default keeps local runs fast). */
  retryIntervalMs?: number;
  waitMs?: number;
  name?: string;
  /** Run this ASL file (a path under the repository) instead of the workflow's deployed one. */
  definitionFile?: string;
  /** Run this ASL definition instead (the conformance tests of the runner). */
  definition?: object;
  /** The S3 client the Distributed Map's ItemReader and ResultWriter use (default: from the environment, path-style). */
  s3?: S3Client;
}

let executionCounter = 0;

/** What one run shares with the executions it spawns: bindings, counters, children. */
interface Shared {
  workflow: string;
  stateMachineName: string;
  options: RunOptions;
  tasks: Record<string, string>;
  serviceTasks: Record<string, string>;
  children: ExecutionReport[];
  counters: { lambdaInvocations: number; maxStateBytes: number; mapChildren: number };
  s3: () => S3Client;
  prepared: WeakMap<object, Prepared>;
}

interface Prepared {
  machine: StateMachine;
  stateNames: string[];
  distributed: Record<string, JsonObject>;
}

export async function runWorkflow(workflow: string, input: unknown, options: RunOptions = {}): Promise<ExecutionReport> {
  const { definition, tasks, serviceTasks } = options.definition ? resolveDefinition(options.definition) : loadDefinition(workflow, options.definitionFile);
  let s3 = options.s3;
  const shared: Shared = {
    workflow,
    stateMachineName: `amiwarden-${workflow}`,
    options,
    tasks,
    serviceTasks,
    children: [],
    counters: { lambdaInvocations: 0, maxStateBytes: 0, mapChildren: 0 },
    s3: () => (s3 ??= new S3Client({ forcePathStyle: true })),
    prepared: new WeakMap(),
  };
  for (const [state, resource] of Object.entries(serviceTasks)) {
    if (resource !== START_EXECUTION) throw new Error(`State "${state}" calls ${resource}, which has no local stand-in`);
  }
  const name = options.name ?? `local-${Date.now()}-${++executionCounter}`;
  const executionArn = `arn:aws:states:us-east-1:000000000000:execution:${shared.stateMachineName}:${name}`;
  const report = await execute(definition as unknown as JsonObject, input, shared, { executionArn, name });
  report.lambdaInvocations = shared.counters.lambdaInvocations;
  report.maxStateBytes = shared.counters.maxStateBytes;
  report.mapChildren = shared.counters.mapChildren;
  report.children = shared.children;
  return report;
}

/**
 * The definition aws-local-stepfunctions runs: each Distributed Map state becomes a Task bound to
 * local/distributed-map.ts (keeping its InputPath, ResultSelector, ResultPath, OutputPath, Retry,
 * Catch and transition), since the library would run it inline without ItemReader or ResultWriter.
 */
function prepare(raw: JsonObject, shared: Shared): Prepared {
  const cached = shared.prepared.get(raw);
  if (cached) return cached;
  const distributed: Record<string, JsonObject> = {};
  const rewrite = (machine: JsonObject): JsonObject => {
    const states: Record<string, JsonObject> = {};
    for (const [name, state] of Object.entries((machine.States ?? {}) as Record<string, JsonObject>)) {
      const processor = (state.ItemProcessor ?? state.Iterator) as JsonObject | undefined;
      const mode = ((processor?.ProcessorConfig ?? {}) as JsonObject).Mode;
      if (state.Type === 'Map' && mode === 'DISTRIBUTED') {
        if (distributed[name]) throw new Error(`Two Distributed Map states are named "${name}"`);
        distributed[name] = state;
        const kept = Object.fromEntries(Object.entries(state).filter(([k]) => ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End'].includes(k)));
        // A Task times out after 60 s unless it says otherwise; a Map state has no timeout of its own
        // (the library's timer takes at most 2^31 - 1 ms: about 24.8 days, past any execution here).
        states[name] = { ...kept, Type: 'Task', Resource: DISTRIBUTED_MAP_RESOURCE, TimeoutSeconds: 2_147_483 };
        continue;
      }
      const copy: JsonObject = { ...state };
      if (state.ItemProcessor) copy.ItemProcessor = rewrite(state.ItemProcessor as JsonObject);
      if (state.Iterator) copy.Iterator = rewrite(state.Iterator as JsonObject);
      if (Array.isArray(state.Branches)) copy.Branches = (state.Branches as JsonObject[]).map(rewrite);
      states[name] = copy;
    }
    return { ...machine, States: states };
  };
  const definition = rewrite(raw);
  const prepared: Prepared = {
    machine: new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } }),
    stateNames: Object.keys(definitionStates(definition as unknown as StateMachineDefinition)),
    distributed,
  };
  shared.prepared.set(raw, prepared);
  return prepared;
}

/** One execution (the run's own, or a Distributed Map child): its payload and history quotas are its own. */
async function execute(raw: JsonObject, input: unknown, shared: Shared, ids: { executionArn: string; name: string }): Promise<ExecutionReport> {
  const { options } = shared;
  const started = Date.now();
  const report: ExecutionReport = {
    workflow: shared.workflow,
    executionArn: ids.executionArn,
    input,
    status: 'SUCCEEDED',
    transitions: 0,
    lambdaInvocations: 0,
    retries: 0,
    path: [],
    durationMs: 0,
    children: [],
    historyEvents: 0,
    maxStateBytes: 0,
    mapChildren: 0,
  };
  const execution = { workflow: shared.workflow, executionArn: ids.executionArn, input };
  let violation: TerminalStatesError | null = null;
  const measure = (what: string, value: unknown): TerminalStatesError | null => {
    const bytes = payloadBytes(value);
    if (bytes > shared.counters.maxStateBytes) shared.counters.maxStateBytes = bytes;
    if (bytes > report.maxStateBytes) report.maxStateBytes = bytes;
    if (bytes > PAYLOAD_LIMIT_BYTES && !violation) violation = dataLimitExceeded(what, bytes);
    return bytes > PAYLOAD_LIMIT_BYTES ? violation : null;
  };
  // Events before the last: the 25,000th may only be ExecutionSucceeded.
  const record = (events: number) => {
    report.historyEvents += events;
    if (report.historyEvents >= HISTORY_LIMIT_EVENTS && !violation) violation = historyLimitExceeded();
  };
  const fail = (error: { name: string; message: string }) => {
    report.status = 'FAILED';
    report.error = { name: error.name, cause: error.message };
    report.durationMs = Date.now() - started;
    return report;
  };
  // StartExecution refuses an input over the quota: there is no execution to run.
  const tooBig = measure('The execution input', input);
  if (tooBig) return fail(tooBig);

  const prepared = prepare(raw, shared);
  const context = { Execution: { Id: ids.executionArn, Name: ids.name, StartTime: new Date(started).toISOString(), Input: input } };
  // Lets the event log (read asynchronously) catch up, so that a quota passed by the last state
  // stops the execution before the next Task does anything.
  const settle = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    if (violation) throw violation;
  };

  type LocalHandlers = NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers'];
  const handlers: NonNullable<LocalHandlers> = {};
  for (const [state, logicalId] of Object.entries(shared.tasks)) {
    handlers[state] = async (payload: unknown) => {
      await settle();
      const over = measure(`The input of the Task "${state}"`, payload);
      if (over) throw over;
      record(3); // LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded|Failed
      shared.counters.lambdaInvocations += 1;
      const handler = options.handlers?.[logicalId] ?? (await FUNCTIONS[logicalId]!.load()).handler;
      // A Lambda's result crosses the wire as JSON.
      const result = JSON.parse(JSON.stringify((await handler(payload as never)) ?? null)) as never;
      const overResult = measure(`The result of the Task "${state}"`, result);
      if (overResult) throw overResult;
      return result;
    };
  }
  for (const state of Object.keys(shared.serviceTasks)) {
    // In AWS the child starts and this state moves on; locally the child runs to completion first,
    // so that what it changed is there when the parent (and the test) looks.
    handlers[state] = async (payload: unknown) => {
      await settle();
      record(3); // TaskScheduled, TaskStarted, TaskSucceeded|Failed
      const { StateMachineArn, Input } = payload as { StateMachineArn: string; Input: unknown };
      const child = Object.values(WORKFLOWS).find((w) => localStateMachineArn(w.stateMachineId) === StateMachineArn);
      if (!child) throw Object.assign(new Error(`State machine does not exist: ${StateMachineArn}`), { name: 'StateMachineDoesNotExist' });
      const childReport = await runWorkflow(child.name, typeof Input === 'string' ? JSON.parse(Input) : Input, { ...options, name: undefined, definitionFile: undefined, definition: undefined });
      shared.children.push(childReport);
      return { ExecutionArn: childReport.executionArn, StartDate: new Date().toISOString() } as never;
    };
  }
  for (const [state, mapState] of Object.entries(prepared.distributed)) {
    handlers[state] = async (payload: unknown) => {
      await settle();
      record(2); // MapRunStarted, MapRunSucceeded|Failed
      return (await runDistributedMap({
        state: mapState,
        stateName: state,
        input: payload,
        context,
        stateMachineName: shared.stateMachineName,
        s3: shared.s3,
        runChild: async (definition, childInput, childIds): Promise<ChildOutcome> => {
          shared.counters.mapChildren += 1;
          const startDate = new Date().toISOString();
          const child = await execute(definition, childInput, shared, childIds);
          return { status: child.status, output: child.output, error: child.error, executionArn: childIds.executionArn, name: childIds.name, startDate, stopDate: new Date().toISOString() };
        },
      })) as never;
    };
  }

  const run = prepared.machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: Object.fromEntries(prepared.stateNames.map((s) => [s, options.retryIntervalMs ?? 0])),
      waitTimeOverrides: Object.fromEntries(prepared.stateNames.map((s) => [s, options.waitMs ?? 0])),
    },
    context: context as never,
  });

  let aborted = false;
  const logs = (async () => {
    for await (const event of run.eventLogs) {
      const elapsedMs = Date.now() - started;
      const at = { elapsedMs, execution };
      const nested = event.type === 'StateEntered' || event.type === 'StateExited' ? event.state.type === 'Map' || event.state.type === 'Parallel' : false;
      switch (event.type) {
        case 'ExecutionStarted':
          record(1);
          break;
        case 'StateEntered':
          // A Map or Parallel state also records its Started event.
          record(nested ? 2 : 1);
          report.transitions += 1;
          report.path.push(event.state.name);
          measure(`The input of the state "${event.state.name}"`, event.state.input);
          options.onState?.({ type: 'entered', state: event.state.name, input: event.state.input, ...at });
          break;
        case 'StateExited':
          record(nested ? 2 : 1);
          measure(`The output of the state "${event.state.name}"`, event.state.output);
          options.onState?.({ type: 'exited', state: event.state.name, input: event.state.input, output: event.state.output, ...at });
          break;
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed':
          record(1);
          break;
        case 'StateFailed':
          options.onState?.({ type: 'failed', state: event.state.name, input: event.state.input, error: event.Error, ...at });
          break;
        case 'StateRetried':
          report.retries += 1;
          options.onState?.({ type: 'retried', state: event.state.name, input: event.state.input, ...at });
          break;
        default:
          break;
      }
      if (violation && !aborted) {
        aborted = true;
        run.abort();
      }
    }
  })();
  try {
    report.output = await run.result;
  } catch (error) {
    const e = error as Error & { cause?: { name?: string; message?: string } };
    report.status = e.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : e.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
    report.error = { name: e.cause?.name ?? e.name, cause: e.cause?.message ?? e.message };
  }
  await logs.catch(() => undefined);
  report.historyEvents += 1; // ExecutionSucceeded|Failed|TimedOut|Aborted: the one event that may be the 25,000th
  if (violation) {
    const v = violation as TerminalStatesError;
    delete report.output;
    report.status = 'FAILED';
    report.error = { name: v.name, cause: v.message };
  }
  report.durationMs = Date.now() - started;
  return report;
}

function definitionStates(definition: StateMachineDefinition): Record<string, unknown> {
  const all: Record<string, unknown> = {};
  const walk = (m: { States?: Record<string, unknown> }) => {
    for (const [name, state] of Object.entries(m.States ?? {})) {
      all[name] = state;
      const s = state as { Iterator?: unknown; ItemProcessor?: unknown; Branches?: unknown[] };
      for (const nested of [s.Iterator, s.ItemProcessor, ...(s.Branches ?? [])]) if (nested) walk(nested as never);
    }
  };
  walk(definition as never);
  return all;
}

export { checkPayload, PAYLOAD_LIMIT_BYTES, HISTORY_LIMIT_EVENTS };
