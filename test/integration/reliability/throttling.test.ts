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
import { report, succeededOrDone, useWorld, WORKFLOW_CASES } from './support';

const RATE = 0.3;
const SEEDS = [1, 3];
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
