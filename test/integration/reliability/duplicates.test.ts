/**
 * EventBridge delivers at least once, and nothing stops two executions for the same target from
 * running at once. Each workflow of WORKFLOW_CASES must end in exactly one effect per target, and
 * every execution must report success or "already done". Idempotency comes from AWS itself (the
 * grant `Name`: KMS answers a repeat with the original grant) and from re-reading live state
 * before acting.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../../../emulator/accounts';
import { drainQueues } from '../../../local/event-router';
import { HOME_REGION } from '../../../local/organization';
import { runWorkflow } from '../../../local/state-machine';
import type { ApiCall } from '../../../emulator/index';
import { mutatingCalls, report, succeededOrDone, useWorld, WORKFLOW_CASES } from './support';

/** `CopyImage ×1, CreateGrant ×2`: what changed, by action. */
const summarizeCalls = (calls: ApiCall[]) =>
  Object.entries(calls.reduce<Record<string, number>>((n, c) => ({ ...n, [c.action]: (n[c.action] ?? 0) + 1 }), {}))
    .map(([action, n]) => `${action} ×${n}`)
    .join(', ') || 'none';
/** The status, and for a copy its outcome (`started` / `reused`). */
const outcomeOf = (output: unknown) => {
  const o = output as { status?: string; copy?: { outcome?: string } | null };
  return o.copy?.outcome ? `${o.status} (copy ${o.copy.outcome})` : String(o.status);
};

const world = useWorld();

describe.each(WORKFLOW_CASES)('$name: duplicates and races', (c) => {
  beforeEach(async () => void (await world.build()), 30_000);

  it('every event delivered three times (as EventBridge may) ends in exactly one effect, and every delivery reports done', async () => {
    const w = world.get();
    const deliveries = (t: ReturnType<typeof c.targets>[number]) => t.events ?? (t.event !== undefined ? [t.event] : []);
    const targets = c.targets(w).filter((t) => deliveries(t).length > 0);
    const sqs = new SQSClient(clientConfig(w.emulator, w.org.centralAccount, HOME_REGION));
    for (const target of targets) {
      for (const event of deliveries(target)) {
        for (let i = 0; i < 3; i++) await sqs.send(new SendMessageCommand({ QueueUrl: w.org.queues[c.workflow]!, MessageBody: JSON.stringify(event) }));
      }
    }

    const executions = await drainQueues(w.emulator, w.org.centralAccount, HOME_REGION, { [c.workflow]: w.org.queues[c.workflow]! });

    expect(executions).toHaveLength(targets.reduce((n, t) => n + deliveries(t).length * 3, 0));
    for (const e of executions) expect({ status: e.status, output: e.output, done: succeededOrDone(c, e) }).toMatchObject({ status: 'SUCCEEDED', done: true });
    for (const target of targets) expect(await c.effects(w, target.label)).toBe(1);
    const mutating = mutatingCalls(await w.emulator.calls());
    report(`${c.workflow}: each event delivered 3 times`, [
      {
        events: targets.reduce((n, t) => n + deliveries(t).length, 0),
        executions: executions.length,
        'done/already done': executions.filter((e) => succeededOrDone(c, e)).length,
        'mutating calls (200)': summarizeCalls(mutating.filter((m) => m.status === 200)),
      },
    ]);
  }, 90_000);

  it('three deliveries of one event processed at once end in exactly one effect', async () => {
    const w = world.get();
    const target = c.targets(w).find((t) => t.event !== undefined)!;

    const executions = await Promise.all([0, 1, 2].map(() => runWorkflow(c.workflow, target.event)));

    expect(executions.map((e) => succeededOrDone(c, e))).toEqual([true, true, true]);
    expect(await c.effects(w, target.label)).toBe(1);
  }, 60_000);

  it('two executions for the same target started at once (Promise.all) end in exactly one effect; both report done', async () => {
    const w = world.get();
    const rows = [];
    for (const target of c.targets(w)) {
      await w.emulator.clearCalls();
      const [first, second] = await Promise.all([runWorkflow(c.workflow, target.input), runWorkflow(c.workflow, target.input)]);

      expect([first!.status, second!.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(succeededOrDone(c, first!)).toBe(true);
      expect(succeededOrDone(c, second!)).toBe(true);
      expect(await c.effects(w, target.label)).toBe(1);
      const mutating = mutatingCalls(await w.emulator.calls());
      rows.push({
        target: target.label,
        outputs: [first, second].map((r) => outcomeOf(r!.output)).join(' + '),
        'mutating calls (both, 200)': summarizeCalls(mutating.filter((m) => m.status === 200)),
      });
    }
    report(`${c.workflow}: two executions at once`, rows);
  }, 60_000);
});
