import { cachedRead } from '../../../services/promise-cache';

describe('cachedRead', () => {
  it('reads once per key and shares the read between callers', async () => {
    const cache = new Map<string, Promise<number>>();
    let reads = 0;
    const read = async () => ++reads;
    const [a, b] = await Promise.all([cachedRead(cache, 'k', read), cachedRead(cache, 'k', read)]);
    expect([a, b, await cachedRead(cache, 'k', read), reads]).toEqual([1, 1, 1, 1]);
    expect(await cachedRead(cache, 'other', read)).toBe(2);
  });

  it('forgets a failed read: the next call reads again instead of getting the same failure', async () => {
    const cache = new Map<string, Promise<string>>();
    let reads = 0;
    const read = async () => {
      reads += 1;
      if (reads === 1) throw new Error('SlowDown');
      return 'inventory';
    };
    await expect(cachedRead(cache, 'k', read)).rejects.toThrow('SlowDown');
    await expect(cachedRead(cache, 'k', read)).resolves.toBe('inventory');
    expect(reads).toBe(2);
  });
});
