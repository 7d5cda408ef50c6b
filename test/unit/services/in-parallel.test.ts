/**
 * inParallel: a bounded pool that fails as a whole. Once one item's work has failed, no item is
 * started after it, and the pool answers (with the first failure) only when the work already
 * running has ended: in Lambda, work left running when the handler answers would go on in the next
 * invocation of the same sandbox (a member inspection's calls into a quota that is throttling it).
 */
import { inOrder, inParallel } from '../../../services/in-parallel';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const later = async (rounds: number) => {
  for (let i = 0; i < rounds; i++) await tick();
};

describe('inParallel', () => {
  it('answers every result in the items’ order, at most `width` at once', async () => {
    let running = 0;
    let most = 0;
    const out = await inParallel([5, 1, 4, 2, 3], 2, async (n, i) => {
      running += 1;
      most = Math.max(most, running);
      await later(n);
      running -= 1;
      return `${i}:${n}`;
    });

    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(most).toBe(2);
  });

  it('starts no item after a failure, and answers the first failure once the running work has ended', async () => {
    const events: string[] = [];
    const run = inParallel([0, 1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      events.push(`start ${n}`);
      if (n === 1) {
        await later(1);
        events.push('fail 1');
        throw new Error('item 1 failed');
      }
      if (n === 2) {
        await later(2);
        events.push('fail 2');
        throw new Error('item 2 failed');
      }
      await later(10);
      events.push(`end ${n}`);
      return n;
    });
    await expect(run.finally(() => events.push('answered'))).rejects.toThrow('item 1 failed');
    await later(30);

    expect(events).toEqual(['start 0', 'start 1', 'start 2', 'fail 1', 'fail 2', 'end 0', 'answered']);
  });

  it('an empty list is an empty answer, without calling the work', async () => {
    const work = jest.fn(async () => 1);
    await expect(inParallel([], 4, work)).resolves.toEqual([]);
    expect(work).not.toHaveBeenCalled();
  });
});

describe('inOrder', () => {
  it('yields the results in the items’ order, holding at most `width` at once', async () => {
    let started = 0;
    const seen: number[] = [];
    for await (const n of inOrder([3, 1, 2, 5, 4], 2, async (n) => {
      started += 1;
      await later(n);
      return n;
    })) {
      seen.push(n);
      expect(started - seen.length).toBeLessThanOrEqual(2);
    }
    expect(seen).toEqual([3, 1, 2, 5, 4]);
  });
});
