/**
 * An execution as the CLI shows it, whether it ran in AWS (read from GetExecutionHistory) or in
 * this process (local/state-machine.ts runWorkflow): states as they start and end, then a result.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { aws } from './errors';
import { json, seconds, type Output, type Style } from './output';
import { targetOf } from './targets';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
export const TERMINAL: readonly ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** The same shape as runWorkflow's onState events, plus what failed. */
export interface StateProgress {
  type: 'entered' | 'exited' | 'failed' | 'retried';
  state: string;
  elapsedMs: number;
  error?: string;
  /** A state of an execution this one started (locally, children run inside the parent). */
  child?: boolean;
  /** What the state is about (cli/targets.ts), e.g. `111111111111 us-east-1 web`. */
  target?: string;
}

export interface StateSummary {
  name: string;
  startedAtMs: number;
  durationMs?: number;
  failedAttempts: number;
  lastError?: string;
}

export interface ExecutionResult {
  executionArn: string;
  status: ExecutionStatus;
  output?: unknown;
  error?: { name: string; cause: string };
  durationMs?: number;
  states: StateSummary[];
}

/** Folds progress events into one line per state visit (in order). */
export class StateTracker {
  readonly states: StateSummary[] = [];
  /** The entries of each state name not exited yet, oldest first: a Map runs one state for several items at once. */
  private open = new Map<string, StateSummary[]>();

  add(p: StateProgress): void {
    const open = this.open.get(p.state) ?? [];
    if (p.type === 'entered') {
      const s: StateSummary = { name: p.state, startedAtMs: p.elapsedMs, failedAttempts: 0 };
      this.states.push(s);
      this.open.set(p.state, [...open, s]);
      return;
    }
    // History events do not say which of several open iterations they belong to: the oldest.
    const s = open[0];
    if (!s) return;
    if (p.type === 'exited') {
      s.durationMs = p.elapsedMs - s.startedAtMs;
      if (open.length > 1) this.open.set(p.state, open.slice(1));
      else this.open.delete(p.state);
    } else if (p.type === 'failed') {
      s.failedAttempts += 1;
      if (p.error) s.lastError = p.error;
    }
  }
}

const ENTERED = /StateEntered$/;
const EXITED = /StateExited$/;
const ATTEMPT_FAILED = new Set(['LambdaFunctionFailed', 'LambdaFunctionTimedOut', 'LambdaFunctionStartFailed', 'LambdaFunctionScheduleFailed', 'TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed', 'ActivityFailed', 'ActivityTimedOut']);
const ATTEMPT_SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled', 'ActivityScheduled']);

/**
 * Reads an execution's history events in order and turns them into progress and a result.
 * Keeps what it needs across polls (start time, the state in progress, retries).
 */
export class HistoryReader {
  /** @param target what the execution is about (cli/targets.ts): the label of states whose input names nothing more precise. */
  /** @param onStateOutput called with each state's output as it exits (e.g. where a Map's ResultWriter put its results). */
  constructor(
    private readonly target?: string,
    private readonly onStateOutput?: (state: string, output: unknown) => void,
  ) {}
  private startedAt?: number;
  /** The targets of the entries of each state not exited yet, oldest first. */
  private openTargets = new Map<string, (string | undefined)[]>();
  private current?: string;
  private failedInCurrent = false;
  lastEventId = 0;
  terminal?: { status: ExecutionStatus; output?: unknown; error?: { name: string; cause: string }; durationMs?: number };

  read(event: HistoryEvent): StateProgress[] {
    this.lastEventId = Math.max(this.lastEventId, event.id ?? 0);
    const at = event.timestamp ? new Date(event.timestamp).getTime() : undefined;
    if (event.type === 'ExecutionStarted' && at !== undefined) this.startedAt = at;
    const elapsedMs = at !== undefined && this.startedAt !== undefined ? at - this.startedAt : 0;
    const type = event.type ?? '';

    if (ENTERED.test(type) && event.stateEnteredEventDetails?.name) {
      this.current = event.stateEnteredEventDetails.name;
      this.failedInCurrent = false;
      const target = targetOf(parseOutput(event.stateEnteredEventDetails.input)) ?? this.target;
      this.openTargets.set(this.current, [...(this.openTargets.get(this.current) ?? []), target]);
      return [{ type: 'entered', state: this.current, elapsedMs, ...labelled(target) }];
    }
    if (EXITED.test(type) && event.stateExitedEventDetails?.name) {
      const state = event.stateExitedEventDetails.name;
      if (this.onStateOutput && event.stateExitedEventDetails.output !== undefined) this.onStateOutput(state, parseOutput(event.stateExitedEventDetails.output));
      if (state === this.current) this.current = undefined;
      const [target, ...rest] = this.openTargets.get(state) ?? [this.target];
      if (rest.length) this.openTargets.set(state, rest);
      else this.openTargets.delete(state);
      return [{ type: 'exited', state, elapsedMs, ...labelled(target ?? this.target) }];
    }
    if (ATTEMPT_FAILED.has(type) && this.current) {
      this.failedInCurrent = true;
      const d = failureDetails(event);
      return [{ type: 'failed', state: this.current, elapsedMs, ...(d ? { error: d.name } : {}), ...labelled(this.openTargets.get(this.current)?.[0] ?? this.target) }];
    }
    if (ATTEMPT_SCHEDULED.has(type) && this.current && this.failedInCurrent) {
      this.failedInCurrent = false;
      return [{ type: 'retried', state: this.current, elapsedMs, ...labelled(this.openTargets.get(this.current)?.[0] ?? this.target) }];
    }
    const durationMs = this.startedAt !== undefined && at !== undefined ? at - this.startedAt : undefined;
    const withDuration = durationMs !== undefined ? { durationMs } : {};
    switch (type) {
      case 'ExecutionSucceeded':
        this.terminal = { status: 'SUCCEEDED', output: parseOutput(event.executionSucceededEventDetails?.output), ...withDuration };
        break;
      case 'ExecutionFailed':
        this.terminal = { status: 'FAILED', error: failureDetails(event) ?? { name: 'States.Runtime', cause: '' }, ...withDuration };
        break;
      case 'ExecutionTimedOut':
        this.terminal = { status: 'TIMED_OUT', error: failureDetails(event) ?? { name: 'States.Timeout', cause: '' }, ...withDuration };
        break;
      case 'ExecutionAborted':
        this.terminal = { status: 'ABORTED', ...(failureDetails(event) ? { error: failureDetails(event)! } : {}), ...withDuration };
        break;
    }
    return [];
  }
}

const labelled = (target: string | undefined) => (target !== undefined ? { target } : {});

function failureDetails(event: HistoryEvent): { name: string; cause: string } | undefined {
  const d =
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.activityFailedEventDetails ??
    event.activityTimedOutEventDetails ??
    event.executionFailedEventDetails ??
    event.executionTimedOutEventDetails ??
    event.executionAbortedEventDetails;
  if (!d) return undefined;
  return { name: d.error ?? 'Error', cause: d.cause ?? '' };
}

function parseOutput(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Events newer than `afterId`, oldest first: pages back from the newest until it reaches known ground. */
export async function newEvents(sfn: SFNClient, executionArn: string, afterId: number): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws('Reading the execution history', () =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, ...(nextToken ? { nextToken } : {}) })),
    );
    const events = page.events ?? [];
    fresh.push(...events.filter((e) => (e.id ?? 0) > afterId));
    if (events.some((e) => (e.id ?? 0) <= afterId)) break;
    nextToken = page.nextToken;
  } while (nextToken);
  return fresh.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

export interface FollowOptions {
  onState?: (p: StateProgress) => void;
  sleep: (ms: number) => Promise<void>;
  pollIntervalMs: number;
  /** Stop following (not the execution) after this long; undefined = until it ends. */
  timeoutMs?: number;
  /** What the execution is about (cli/targets.ts), for the progress lines. */
  target?: string;
  /** Each state's output as it exits. */
  onStateOutput?: (state: string, output: unknown) => void;
  now: () => number;
}

/** Polls the history until the execution ends, reporting each state as it starts and ends. */
export async function followExecution(sfn: SFNClient, executionArn: string, options: FollowOptions): Promise<ExecutionResult> {
  const reader = new HistoryReader(options.target, options.onStateOutput);
  const tracker = new StateTracker();
  const deadline = options.timeoutMs !== undefined ? options.now() + options.timeoutMs : undefined;
  for (;;) {
    for (const event of await newEvents(sfn, executionArn, reader.lastEventId)) {
      for (const p of reader.read(event)) {
        tracker.add(p);
        options.onState?.(p);
      }
    }
    if (reader.terminal) return { executionArn, ...reader.terminal, states: tracker.states };
    if (deadline !== undefined && options.now() >= deadline) return { executionArn, status: 'RUNNING', states: tracker.states };
    await options.sleep(options.pollIntervalMs);
  }
}

/** The whole of a (possibly still running) execution: its status, states and result. */
export async function readExecution(sfn: SFNClient, executionArn: string): Promise<ExecutionResult & { stateMachineArn?: string; name?: string; input?: unknown; startDate?: Date }> {
  const described = await aws('Describing the execution', () => sfn.send(new DescribeExecutionCommand({ executionArn })));
  const reader = new HistoryReader();
  const tracker = new StateTracker();
  let nextToken: string | undefined;
  do {
    const page = await aws('Reading the execution history', () =>
      sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) })),
    );
    for (const event of page.events ?? []) for (const p of reader.read(event)) tracker.add(p);
    nextToken = page.nextToken;
  } while (nextToken);
  const status = (described.status ?? reader.terminal?.status ?? 'RUNNING') as ExecutionStatus;
  const started = described.startDate ? new Date(described.startDate).getTime() : undefined;
  const stopped = described.stopDate ? new Date(described.stopDate).getTime() : undefined;
  const output = described.output !== undefined ? parseOutput(described.output) : reader.terminal?.output;
  const error = described.error ? { name: described.error, cause: described.cause ?? '' } : reader.terminal?.error;
  return {
    executionArn,
    status,
    ...(output !== undefined ? { output } : {}),
    ...(error ? { error } : {}),
    ...(started !== undefined && stopped !== undefined ? { durationMs: stopped - started } : {}),
    states: tracker.states,
    ...(described.stateMachineArn ? { stateMachineArn: described.stateMachineArn } : {}),
    ...(described.name ? { name: described.name } : {}),
    ...(described.input !== undefined ? { input: parseOutput(described.input) } : {}),
    ...(described.startDate ? { startDate: new Date(described.startDate) } : {}),
  };
}

/**
 * One line per state event, for people, on stderr (stdout is for the result): when, which target
 * (`[111111111111 us-east-1 web]`), and the state started (→), finished (✓ and how long it took),
 * failed (✗, its error and time) or retried (↻).
 */
export function progressPrinter(io: Output, s: Style): (p: StateProgress) => void {
  const open = new Map<string, number[]>();
  const key = (p: StateProgress) => `${p.target ?? ''}\u0000${p.state}`;
  const took = (p: StateProgress, close: boolean) => {
    const starts = open.get(key(p));
    const start = starts?.[0];
    if (close && starts) {
      if (starts.length > 1) open.set(key(p), starts.slice(1));
      else open.delete(key(p));
    }
    return start !== undefined ? s.dim(`  ${seconds(Math.max(0, p.elapsedMs - start))}`) : '';
  };
  return (p) => {
    const at = s.dim(`+${seconds(p.elapsedMs).padStart(6)}`);
    const label = `${at}  ${s.cyan(`[${p.target ?? '?'}]`)}`;
    switch (p.type) {
      case 'entered':
        open.set(key(p), [...(open.get(key(p)) ?? []), p.elapsedMs]);
        return io.err(`${label}  ${s.dim('→')} ${p.state}`);
      case 'exited':
        return io.err(`${label}  ${s.green('✓')} ${p.state}${took(p, true)}`);
      case 'failed':
        return io.err(`${label}  ${s.red('✗')} ${p.state}${p.error ? `: ${p.error}` : ''}${took(p, false)}`);
      case 'retried':
        return io.err(`${label}  ${s.yellow('↻')} ${p.state}: retrying`);
    }
  };
}

export function statusColour(status: string, s: Style): string {
  return status === 'SUCCEEDED' ? s.green(status) : status === 'RUNNING' || status === 'PENDING_REDRIVE' ? s.yellow(status) : s.red(status);
}

/** Prints a workflow's output for people, instead of field by field (e.g. the sweep's summary table). */
export type OutputPrinter = (io: Output, s: Style, output: Record<string, unknown>) => void;

/** The result, for people: status, then the workflow's output field by field (or the error). */
export function printResult(io: Output, s: Style, result: ExecutionResult, printOutput?: OutputPrinter): void {
  const took = result.durationMs !== undefined ? ` in ${seconds(result.durationMs)}` : '';
  io.out(`${s.bold(statusColour(result.status, s))}${took}  ${s.dim(result.executionArn)}`);
  if (result.error) io.out(`  ${s.red(result.error.name)}${result.error.cause ? `: ${oneLine(result.error.cause)}` : ''}`);
  if (printOutput && result.output && typeof result.output === 'object' && !Array.isArray(result.output)) {
    printOutput(io, s, result.output as Record<string, unknown>);
  } else if (result.output && typeof result.output === 'object' && !Array.isArray(result.output)) {
    const entries = Object.entries(result.output as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
    const pad = Math.max(0, ...entries.map(([k]) => k.length));
    for (const [key, value] of entries) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      io.out(`  ${s.dim(key.padEnd(pad))}  ${key === 'status' ? s.bold(text) : text}`);
    }
  } else if (result.output !== undefined) {
    io.out(json(result.output));
  }
}

export function oneLine(text: string): string {
  // Step Functions causes are often a JSON-encoded Lambda error: show its message.
  try {
    const parsed = JSON.parse(text) as { errorMessage?: string };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').slice(0, 500);
}
