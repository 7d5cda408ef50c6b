/**
 * The report writer's live-memory sampler (bench/live-memory.cjs), in a process of its own as the
 * benchmark runs it: a Buffer held is counted once (Node's `external` already includes its
 * `arrayBuffers`), one let go is not counted, and a large object in the heap is the heap's.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../../local/workflows';

const MiB = 2 ** 20;

function sampled(script: string): { heapBytes: number; buffersBytes: number; heapCommittedBytes: number; baseline: { heapBytes: number; buffersBytes: number } } {
  const program = `
    const { liveMemory } = require(${JSON.stringify(path.join(ROOT, 'bench/live-memory.cjs'))});
    const before = liveMemory(); before.sample();
    const live = liveMemory();
    ${script}
    console.log(JSON.stringify({ ...live.peaks, baseline: { heapBytes: before.peaks.heapBytes, buffersBytes: before.peaks.buffersBytes } }));`;
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', program], { encoding: 'utf8' })) as ReturnType<typeof sampled>;
}

const { quarterMedians } = require('../../../bench/live-memory.cjs') as { quarterMedians: (values: number[]) => number[] };

describe('the medians by quarter of a run', () => {
  it('are the median of each quarter, in order, so a rise through the run shows and a single high does not', () => {
    expect(quarterMedians([1, 9, 2, 3, 4, 5, 6, 7])).toEqual([5, 2.5, 4.5, 6.5]);
    expect(quarterMedians([10, 10, 10, 10, 10, 10, 10, 99, 10, 10, 10, 10])).toEqual([10, 10, 10, 10]);
    expect(quarterMedians([1, 2, 3])).toEqual([]);
  });

  it('rise for a process that holds more at every sample, and stay level for one that lets it go', () => {
    const run = (keep: boolean) => {
      const program = `
        const { liveMemory } = require(${JSON.stringify(path.join(ROOT, 'bench/live-memory.cjs'))});
        const live = liveMemory(); const held = [];
        for (let i = 0; i < 16; i++) { const b = Buffer.alloc(8 * 2 ** 20, 1); ${keep ? 'held.push(b);' : ''} live.sample(); }
        console.log(JSON.stringify(live.rssQuarterMedians()));`;
      return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', program], { encoding: 'utf8' })) as number[];
    };
    const holding = run(true);
    expect(holding).toHaveLength(4);
    expect((holding[3]! - holding[0]!) / MiB).toBeGreaterThan(64);
    const lettingGo = run(false);
    expect((lettingGo[3]! - lettingGo[0]!) / MiB).toBeLessThan(16);
  });
});

describe('the live-memory sampler', () => {
  it('counts a 32 MiB Buffer it holds as 32 MiB outside the heap (once, not twice)', () => {
    const out = sampled(`const held = Buffer.alloc(32 * 2 ** 20, 1); live.sample(); held.fill(2);`);
    const outside = (out.buffersBytes - out.baseline.buffersBytes) / MiB;
    expect(outside).toBeGreaterThan(31.5);
    expect(outside).toBeLessThan(34);
  });

  it('does not count a Buffer let go before the sample, whose memory V8 has collected', () => {
    const out = sampled(`(() => Buffer.alloc(32 * 2 ** 20, 1))(); live.sample();`);
    expect((out.buffersBytes - out.baseline.buffersBytes) / MiB).toBeLessThan(2);
  });

  it('counts an array of 1,000,000 numbers it holds in the heap, not outside it', () => {
    const out = sampled(`const held = Array.from({ length: 1e6 }, (_, i) => i + 0.5); live.sample(); held.push(1);`);
    expect((out.heapBytes - out.baseline.heapBytes) / MiB).toBeGreaterThan(7);
    expect((out.buffersBytes - out.baseline.buffersBytes) / MiB).toBeLessThan(2);
    expect(out.heapCommittedBytes).toBeGreaterThanOrEqual(out.heapBytes);
  });
});
