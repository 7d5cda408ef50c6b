/**
 * Limits that keep a stuck or retrying step bounded: every Task of every state machine times out
 * before its state machine does, every Lambda times out before its Task gives up on it, and every
 * Retry is bounded, backs off, and (for throttling) adds jitter.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '..', '..', '..');
type State = {
  Type: string;
  Resource?: unknown;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number; IntervalSeconds?: number; MaxDelaySeconds?: number; JitterStrategy?: string }[];
  Iterator?: Machine;
  ItemProcessor?: Machine & { ProcessorConfig?: { Mode?: string; ExecutionType?: string } };
  Branches?: Machine[];
};
type Machine = { TimeoutSeconds?: number; States: Record<string, State> };

const machines = readdirSync(path.join(ROOT, 'statemachines'))
  .filter((f) => f.endsWith('.asl.json'))
  .map((f) => [f, JSON.parse(readFileSync(path.join(ROOT, 'statemachines', f), 'utf8')) as Machine] as const);

// serverless.yml carries CloudFormation tags (!Ref, !GetAtt): their values are irrelevant here.
const serverless = parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
  functions: Record<string, { timeout?: number; memorySize?: number }>;
};

function tasksOf(machine: Machine, prefix = ''): [string, State][] {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[`${prefix}${name}`, state] as [string, State]] : []),
    ...[state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])].flatMap((m) => (m ? tasksOf(m, `${prefix}${name} › `) : [])),
  ]);
}

/** serverless names a function `foo-bar` / `fooBar` → logical id `FooBarLambdaFunction`. */
function functionKeyOf(resource: unknown): string | undefined {
  const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  const logicalId = getAtt?.[0];
  if (!logicalId?.endsWith('LambdaFunction')) return undefined;
  const base = logicalId.slice(0, -'LambdaFunction'.length);
  return Object.keys(serverless.functions).find((key) => key.replace(/[-_](\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase()) === base);
}

const tasks = machines.flatMap(([file, machine]) => tasksOf(machine).map(([name, state]) => ({ file, machine, name, state })));

describe('limits: timeouts and retries are bounded', () => {
  it.each(machines)('%s has a state-machine TimeoutSeconds', (_file, machine) => {
    expect(machine.TimeoutSeconds).toEqual(expect.any(Number));
    expect(machine.TimeoutSeconds).toBeGreaterThan(0);
  });

  it.each(tasks.map((t) => [`${t.file}: ${t.name}`, t] as const))('%s: TimeoutSeconds is set and below the state machine’s', (_label, { machine, state }) => {
    expect(state.TimeoutSeconds).toEqual(expect.any(Number));
    expect(state.TimeoutSeconds!).toBeLessThan(machine.TimeoutSeconds!);
  });

  it.each(tasks.map((t) => [`${t.file}: ${t.name}`, t] as const))('%s: its Lambda (serverless.yml) times out before the Task does', (_label, { state }) => {
    const key = functionKeyOf(state.Resource);
    if (key === undefined) return; // an SDK integration, not a Lambda of ours
    const fn = serverless.functions[key]!;
    expect(fn.timeout).toEqual(expect.any(Number));
    expect(fn.timeout!).toBeLessThan(state.TimeoutSeconds!);
    expect(fn.memorySize).toEqual(expect.any(Number));
  });

  // An Express execution runs at most five minutes (Step Functions quotas, "Maximum execution
  // duration": https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html): a Task of a
  // Distributed Map's Express children that outlasted it would be cut, its retries with it.
  const expressTasks = machines.flatMap(([file, machine]) =>
    Object.entries(machine.States).flatMap(([name, state]) =>
      state.ItemProcessor?.ProcessorConfig?.ExecutionType === 'EXPRESS' ? tasksOf(state.ItemProcessor, `${name} › `).map(([task, s]) => [`${file}: ${task}`, s] as const) : [],
    ),
  );
  it('the sweep’s member inspections run as Express children', () => {
    expect(expressTasks.map(([label]) => label)).toEqual(['compliance-sweep.asl.json: Inspect member accounts › Inspect member account']);
  });
  it.each(expressTasks)('%s: an Express child’s Task times out within the five minutes an Express execution may run', (_label, state) => {
    expect(state.TimeoutSeconds).toEqual(expect.any(Number));
    expect(state.TimeoutSeconds!).toBeLessThan(300);
  });

  it('every Lambda Task resolves to a function in serverless.yml', () => {
    const lambdaTasks = tasks.filter((t) => JSON.stringify(t.state.Resource ?? '').includes('LambdaFunction'));
    expect(lambdaTasks.length).toBeGreaterThan(0);
    expect(lambdaTasks.filter((t) => functionKeyOf(t.state.Resource) === undefined).map((t) => t.name)).toEqual([]);
  });

  it.each(tasks.map((t) => [`${t.file}: ${t.name}`, t] as const))('%s: every Retry is bounded and backs off; throttling retries add full jitter', (_label, { state }) => {
    for (const retry of state.Retry ?? []) {
      expect(retry.MaxAttempts).toBeGreaterThanOrEqual(1);
      expect(retry.MaxAttempts!).toBeLessThanOrEqual(10);
      expect(retry.BackoffRate ?? 2).toBeGreaterThanOrEqual(1);
      if (retry.ErrorEquals.includes('TransientAwsError')) {
        expect(retry.BackoffRate).toBeGreaterThan(1);
        expect(retry.JitterStrategy).toBe('FULL');
        expect(retry.MaxDelaySeconds).toEqual(expect.any(Number));
      }
    }
  });
});
