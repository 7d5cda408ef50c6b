/**
 * AWS throttles: EC2 with RequestLimitExceeded, KMS with ThrottlingException, STS and Auto Scaling
 * with Throttling. With the emulator failing 30% of every such call (seeded, so a failure can be
 * replayed), every workflow still converges to exactly one effect per target, within bounded
 * retries: the SDK's own (3 attempts, exponential backoff with jitter), then the state machine's
 * (TransientAwsError: up to 5 retries, backoff rate 2, full jitter; the local runner shortens the
 * waits, the bounds are the deployed ones). AMIWARDEN_TEST_REPORT=1 prints the figures.
 */
import type { FaultRule } from '../../../emulator/index';
import { runWorkflow } from '../../../local/state-machine';
import { mutatingCalls, report, succeededOrDone, useWorld, WORKFLOW_CASES } from './support';

const RATE = 0.3;
const SEEDS = [1, 3];
const SWEEP_SEEDS = [1, 3];
const THROTTLED_SERVICES: Record<string, string> = { ec2: 'RequestLimitExceeded', kms: 'ThrottlingException', sts: 'Throttling', autoscaling: 'Throttling' };
/** Per Task: 5 state-machine retries of TransientAwsError (statemachines/*.asl.json). */
const MAX_STATE_RETRIES_PER_TASK = 5;

const throttling = (seed: number): FaultRule[] =>
  Object.entries(THROTTLED_SERVICES).map(([service, error], i) => ({ service, error, rate: RATE, seed: seed * 10 + i }));

const world = useWorld();

describe.each(WORKFLOW_CASES)('$name under 30% throttling of EC2, KMS, STS and Auto Scaling', (c) => {
  const rows: Record<string, string | number>[] = [];
  afterAll(() => report(`${c.workflow}: ${RATE * 100}% of EC2/KMS/STS/Auto Scaling calls throttled`, rows));

  it.each(SEEDS)('seed %i: every target converges to exactly one effect within bounded retries', async (seed) => {
    const w = await world.build();
    const targets = c.targets(w);
    await w.emulator.setFaults(throttling(seed));

    for (const target of targets) {
      await w.emulator.clearCalls();
      const execution = await runWorkflow(c.workflow, target.input);
      const calls = (await w.emulator.calls()).filter((call) => call.service in THROTTLED_SERVICES);
      const throttled = calls.filter((call) => call.status !== 200);

      expect({ target: target.label, status: execution.status, error: execution.error }).toEqual({ target: target.label, status: 'SUCCEEDED', error: undefined });
      expect(succeededOrDone(c, execution)).toBe(true);
      const tasks = new Set(execution.path).size;
      expect(execution.retries).toBeLessThanOrEqual(tasks * MAX_STATE_RETRIES_PER_TASK);
      rows.push({
        seed,
        target: target.label,
        'API calls': calls.length,
        throttled: throttled.length,
        'share throttled': `${Math.round((100 * throttled.length) / Math.max(1, calls.length))}%`,
        'SDK retries': throttled.length - execution.retries,
        'state retries': execution.retries,
        'Lambda runs': execution.lambdaInvocations,
        ms: execution.durationMs,
      });
    }
    await w.emulator.clearFaults();
    for (const target of targets) expect(await c.effects(w, target.label)).toBe(1);
  }, 90_000);
});

/**
 * The sweep (report mode) under the same throttling: it must end with the same findings as
 * without faults — a throttled read is retried, never reported as a broken account.
 */
describe('compliance-sweep (report mode) under 30% throttling of EC2, KMS, STS and Auto Scaling', () => {
  const rows: Record<string, string | number>[] = [];
  afterAll(() => report(`compliance-sweep: ${RATE * 100}% of EC2/KMS/STS/Auto Scaling calls throttled`, rows));

  it.each(SWEEP_SEEDS)('seed %i: the sweep converges to the findings of a run without faults', async (seed) => {
    const w = await world.build();
    const request = { mode: 'report', accounts: w.org.members.map((m) => m.account) };
    const calm = await runWorkflow('compliance-sweep', request);
    expect(calm.status).toBe('SUCCEEDED');
    const expected = (calm.output as { summary: { byFinding: Record<string, number> } }).summary.byFinding;
    expect(expected).toMatchObject({ 'ami-aws-managed-key': 1, 'missing-grant': 2 });

    await w.emulator.setFaults(throttling(seed));
    await w.emulator.clearCalls();
    const execution = await runWorkflow('compliance-sweep', request);
    const all = await w.emulator.calls();
    const calls = all.filter((call) => call.service in THROTTLED_SERVICES);
    const throttled = calls.filter((call) => call.status !== 200);
    await w.emulator.clearFaults();

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect((execution.output as { summary: { byFinding: Record<string, number> } }).summary.byFinding).toEqual(expected);
    expect(execution.retries).toBeLessThanOrEqual(execution.lambdaInvocations * MAX_STATE_RETRIES_PER_TASK);
    // Report mode: the only writes are the sweep's own, to S3.
    expect(mutatingCalls(all).filter((c) => c.service !== 's3')).toEqual([]);
    rows.push({
      seed,
      target: `sweep of ${request.accounts.length} accounts × 2 regions`,
      'API calls': calls.length,
      throttled: throttled.length,
      'share throttled': `${Math.round((100 * throttled.length) / Math.max(1, calls.length))}%`,
      'SDK retries': throttled.length - execution.retries,
      'state retries': execution.retries,
      'Lambda runs': execution.lambdaInvocations,
      ms: execution.durationMs,
    });
  }, 90_000);
});
