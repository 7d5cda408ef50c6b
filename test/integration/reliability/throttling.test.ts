/**
 * AWS throttles: EC2 with RequestLimitExceeded, KMS with ThrottlingException, STS and Auto Scaling
 * with Throttling. With the emulator failing 30% of every such call (seeded, so a failure can be
 * replayed), every workflow still converges to exactly one effect per target, within bounded
 * retries: the SDK's own (3 attempts, exponential backoff with jitter), then the state machine's
 * (TransientAwsError: up to 5 retries, backoff rate 2, full jitter; the local runner shortens the
 * waits, the bounds are the deployed ones). AMIWARDEN_TEST_REPORT=1 prints the figures.
 */
import { SDK_MAX_ATTEMPTS } from '../../../adapters/aws';
import type { ApiCall, FaultRule } from '../../../emulator/index';
import { runWorkflow, type ExecutionReport } from '../../../local/state-machine';
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
/** A sweep's count of each finding (its output's summary). */
const findingsOf = (execution: ExecutionReport) => (execution.output as { summary: { byFinding: Record<string, number> } }).summary.byFinding;

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
    const expected = findingsOf(calm);
    expect(expected).toMatchObject({ 'ami-aws-managed-key': 1, 'missing-grant': 2 });

    await w.emulator.setFaults(throttling(seed));
    await w.emulator.clearCalls();
    const execution = await runWorkflow('compliance-sweep', request);
    const all = await w.emulator.calls();
    const calls = all.filter((call) => call.service in THROTTLED_SERVICES);
    const throttled = calls.filter((call) => call.status !== 200);
    await w.emulator.clearFaults();

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(findingsOf(execution)).toEqual(expected);
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

/**
 * Organizations throttles too: where an organization is configured (every deployment), each
 * session in a member account starts with DescribeAccount, whose quota (20 a second for the
 * account, 24 for the organization) is the tightest the sweep meets (BENCHMARKS.md "Throughput
 * within AWS quotas"). Organizations answers TooManyRequestsException (HTTP 400). Here the next
 * SDK_MAX_ATTEMPTS x sessions DescribeAccount calls are refused (one count, drawn on by the sessions
 * as they ask), as many as the SDK tries for each: the step's TransientAwsError retry must carry the
 * rest, and the outcome is the calm run's.
 */
describe('with an organization: Organizations throttles the membership check past the SDK’s own retries', () => {
  const organizationsThrottled = (sessions: number): FaultRule[] => [
    {
      service: 'organizations',
      action: 'DescribeAccount',
      error: 'TooManyRequestsException',
      message: 'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.',
      count: SDK_MAX_ATTEMPTS * sessions,
    },
  ];
  const refusedMembershipChecks = (calls: ApiCall[]) => calls.filter((c) => c.service === 'organizations' && c.action === 'DescribeAccount' && c.status === 400).length;

  it.each(WORKFLOW_CASES)('$name: every target converges to exactly one effect, the step retrying what the SDK gave up on', async (c) => {
    const w = await world.build({ withOrganization: true });
    const targets = c.targets(w);
    for (const target of targets) {
      await w.emulator.setFaults(organizationsThrottled(1));
      await w.emulator.clearCalls();
      const execution = await runWorkflow(c.workflow, target.input);
      const calls = await w.emulator.calls();

      expect({ target: target.label, status: execution.status, error: execution.error }).toEqual({ target: target.label, status: 'SUCCEEDED', error: undefined });
      expect(succeededOrDone(c, execution)).toBe(true);
      // The membership check was asked, refused as often as the SDK tries, and retried by the step.
      expect(refusedMembershipChecks(calls)).toBe(SDK_MAX_ATTEMPTS);
      expect(execution.retries).toBeGreaterThanOrEqual(1);
    }
    await w.emulator.clearFaults();
    for (const target of targets) expect(await c.effects(w, target.label)).toBe(1);
  }, 90_000);

  it('compliance-sweep (report mode): the findings of a run without faults, no inspection lost', async () => {
    const w = await world.build({ withOrganization: true });
    const request = { mode: 'report', accounts: w.org.members.map((m) => m.account) };

    // Throttled first, from a cold start (a warm Lambda keeps its sessions, and asks no more).
    // One session per member account: each can be refused SDK_MAX_ATTEMPTS times, so at least one
    // inspection gives up inside the SDK and is retried by the step.
    await w.emulator.setFaults(organizationsThrottled(request.accounts.length));
    await w.emulator.clearCalls();
    // A Distributed Map child is an execution of its own: its retries are in its history, not the sweep's.
    const retried: string[] = [];
    const execution = await runWorkflow('compliance-sweep', request, { onState: (e) => e.type === 'retried' && retried.push(e.state) });
    const calls = await w.emulator.calls();
    await w.emulator.clearFaults();
    const calm = await runWorkflow('compliance-sweep', request);

    expect(calm.status).toBe('SUCCEEDED');
    const expected = findingsOf(calm);
    expect(expected).toMatchObject({ 'missing-grant': 2 });
    expect(expected).not.toHaveProperty('member-inspection-failed');
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(findingsOf(execution)).toEqual(expected);
    expect(refusedMembershipChecks(calls)).toBe(SDK_MAX_ATTEMPTS * request.accounts.length);
    // Each session's check answered once, after its refusals: nothing of a failed attempt asked again.
    expect(calls.filter((c) => c.service === 'organizations' && c.action === 'DescribeAccount' && c.status === 200)).toHaveLength(request.accounts.length);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.length).toBeLessThanOrEqual(execution.lambdaInvocations * MAX_STATE_RETRIES_PER_TASK);
    expect(new Set(retried)).toEqual(new Set(['Inspect member account']));
    // Report mode: the only writes are the sweep's own, to S3.
    expect(mutatingCalls(calls).filter((c) => c.service !== 's3')).toEqual([]);
  }, 90_000);
});
