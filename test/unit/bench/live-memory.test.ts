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
