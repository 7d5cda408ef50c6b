/**
 * Runs a deployed ASL file in-process with aws-local-stepfunctions, every Lambda Task bound to
 * its real handler. The file is the one serverless.yml deploys; the only change on load is that
 * each `{"Fn::GetAtt": [LogicalId, "Arn"]}` becomes a Lambda ARN, as CloudFormation would make it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import './polyfills';
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

export function loadDefinition(workflow: string): LoadedDefinition {
  const spec = WORKFLOWS[workflow];
  if (!spec) throw new Error(`Unknown workflow ${workflow}; known: ${Object.keys(WORKFLOWS).join(', ')}`);
  const raw = JSON.parse(readFileSync(path.join(ROOT, spec.definition), 'utf8')) as JsonObject;
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
  lambdaInvocations: number;
  retries: number;
  /** Each state as it was entered, in order. */
  path: string[];
  durationMs: number;
  /** Executions this one started (states:startExecution), run to completion locally. */
  children: ExecutionReport[];
}

/** A state starting or ending, in the execution that ran it (a child's events reach the same onState). */
export interface StateEvent {
  type: 'entered' | 'exited' | 'failed' | 'retried';
  state: string;
  /** Since the start of the execution that ran the state. */
  elapsedMs: number;
  /** The state's input (what it is about: a Map iteration's item, for one). */
  input?: unknown;
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
}

let executionCounter = 0;

export async function runWorkflow(workflow: string, input: unknown, options: RunOptions = {}): Promise<ExecutionReport> {
  const { definition, tasks, serviceTasks } = loadDefinition(workflow);
  const children: ExecutionReport[] = [];
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  let lambdaInvocations = 0;
  type LocalHandlers = NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>['taskResourceLocalHandlers'];
  const taskResourceLocalHandlers: NonNullable<LocalHandlers> = {};
  for (const [state, logicalId] of Object.entries(tasks)) {
    taskResourceLocalHandlers[state] = async (payload: unknown) => {
      lambdaInvocations += 1;
      const handler = options.handlers?.[logicalId] ?? (await FUNCTIONS[logicalId]!.load()).handler;
      // A Lambda's result crosses the wire as JSON.
      return JSON.parse(JSON.stringify((await handler(payload as never)) ?? null)) as never;
    };
  }
  for (const [state, resource] of Object.entries(serviceTasks)) {
    if (resource !== START_EXECUTION) throw new Error(`State "${state}" calls ${resource}, which has no local stand-in`);
    // In AWS the child starts and this state moves on; locally the child runs to completion first,
    // so that what it changed is there when the parent (and the test) looks.
    taskResourceLocalHandlers[state] = async (payload: unknown) => {
      const { StateMachineArn, Input } = payload as { StateMachineArn: string; Input: unknown };
      const child = Object.values(WORKFLOWS).find((w) => localStateMachineArn(w.stateMachineId) === StateMachineArn);
      if (!child) throw Object.assign(new Error(`State machine does not exist: ${StateMachineArn}`), { name: 'StateMachineDoesNotExist' });
      const report = await runWorkflow(child.name, typeof Input === 'string' ? JSON.parse(Input) : Input, { ...options, name: undefined });
      children.push(report);
      return { ExecutionArn: report.executionArn, StartDate: new Date().toISOString() } as never;
    };
  }
  const retryMs = options.retryIntervalMs ?? 0;
  const waitMs = options.waitMs ?? 0;
  const name = options.name ?? `local-${Date.now()}-${++executionCounter}`;
  const executionArn = `arn:aws:states:us-east-1:000000000000:execution:amiwarden-${workflow}:${name}`;
  const started = Date.now();
  const run = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers,
      retryIntervalOverrides: Object.fromEntries(Object.keys(definitionStates(definition)).map((s) => [s, retryMs])),
      waitTimeOverrides: Object.fromEntries(Object.keys(definitionStates(definition)).map((s) => [s, waitMs])),
    },
    context: { Execution: { Id: executionArn, Name: name, StartTime: new Date(started).toISOString(), Input: input as never } },
  });

  const report: ExecutionReport = { workflow, executionArn, input, status: 'SUCCEEDED', transitions: 0, lambdaInvocations: 0, retries: 0, path: [], durationMs: 0, children };
  const execution = { workflow, executionArn, input };
  const logs = (async () => {
    for await (const event of run.eventLogs) {
      const elapsedMs = Date.now() - started;
      const at = { elapsedMs, execution };
      if (event.type === 'StateEntered') {
        report.transitions += 1;
        report.path.push(event.state.name);
        options.onState?.({ type: 'entered', state: event.state.name, input: event.state.input, ...at });
      } else if (event.type === 'StateExited') options.onState?.({ type: 'exited', state: event.state.name, input: event.state.input, ...at });
      else if (event.type === 'StateFailed') options.onState?.({ type: 'failed', state: event.state.name, input: event.state.input, error: event.Error, ...at });
      else if (event.type === 'StateRetried') {
        report.retries += 1;
        options.onState?.({ type: 'retried', state: event.state.name, input: event.state.input, ...at });
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
  report.lambdaInvocations = lambdaInvocations;
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
