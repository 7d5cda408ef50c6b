/**
 * The per-state summary of an execution (`show`, `--local --json`): a Map runs the same state for
 * several items at once, so entries and exits of one name interleave; every entry must still be
 * closed, with a duration.
 */
import { StateTracker } from '../../../cli/execution';

describe('StateTracker', () => {
  it('closes every iteration of a state that runs in parallel, oldest first', () => {
    const t = new StateTracker();
    t.add({ type: 'entered', state: 'Inspect member account', elapsedMs: 100 });
    t.add({ type: 'entered', state: 'Inspect member account', elapsedMs: 110 });
    t.add({ type: 'failed', state: 'Inspect member account', elapsedMs: 150, error: 'TransientAwsError' });
    t.add({ type: 'exited', state: 'Inspect member account', elapsedMs: 300 });
    t.add({ type: 'exited', state: 'Inspect member account', elapsedMs: 420 });

    expect(t.states).toEqual([
      { name: 'Inspect member account', startedAtMs: 100, durationMs: 200, failedAttempts: 1, lastError: 'TransientAwsError' },
      { name: 'Inspect member account', startedAtMs: 110, durationMs: 310, failedAttempts: 0 },
    ]);
  });

  it('keeps states of different names apart', () => {
    const t = new StateTracker();
    t.add({ type: 'entered', state: 'A', elapsedMs: 0 });
    t.add({ type: 'exited', state: 'A', elapsedMs: 5 });
    t.add({ type: 'entered', state: 'B', elapsedMs: 5 });
    t.add({ type: 'exited', state: 'B', elapsedMs: 9 });
    expect(t.states.map((s) => [s.name, s.durationMs])).toEqual([
      ['A', 5],
      ['B', 4],
    ]);
  });
});
