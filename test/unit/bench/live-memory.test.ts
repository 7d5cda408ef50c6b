/**
 * The report writer's live-memory sampler (bench/live-memory.cjs), in a process of its own as the
 * benchmark runs it: a Buffer held is counted once (Node's `external` already includes its
 * `arrayBuffers`), one let go is not counted, and a large object in the heap is the heap's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

const { rssByMappingKiB, rssByMappingMiB } = require('../../../bench/live-memory.cjs') as {
  rssByMappingKiB: (smaps: string) => Record<string, number>;
  rssByMappingMiB: (smaps: string) => Record<string, number>;
};

/** Three mappings of /proc/<pid>/smaps as Linux writes them, the other fields cut short. */
const SMAPS = [
  '00400000-04a00000 r-xp 00000000 08:01 1234   /usr/local/bin/node',
  'Size:              71680 kB',
  'Rss:               40960 kB',
  '05a00000-05c00000 rw-p 00000000 00:00 0      [heap]',
  'Rss:                2048 kB',
  '7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ',
  'Rss:                1536 kB',
  '7f0000100000-7f0000200000 rw-p 00000000 00:00 0',
  'Rss:                 512 kB',
  '7f0000200000-7f0000300000 r--p 00000000 08:01 99     /usr/lib/x86_64-linux-gnu/libc.so.6',
  'Rss:                 900 kB',
  '7f0000300000-7f0000400000 rw-p 00001000 08:01 1234   /usr/local/bin/node',
  'Rss:                1024 kB',
  'VmFlags: rd wr mr mw me ac',
].join('\n');

describe('the RSS by mapping', () => {
  it('sums the Rss of the mappings of one name: a file by its base name, [heap] as the kernel names it, [anon] for the unnamed', () => {
    expect(rssByMappingKiB(SMAPS)).toEqual({ node: 41984, '[heap]': 2048, '[anon]': 2048, 'libc.so.6': 900 });
  });

  it('in MiB keeps the mappings of at least 1 MiB, rounded', () => {
    expect(rssByMappingMiB(SMAPS)).toEqual({ node: 41, '[heap]': 2, '[anon]': 2 });
  });

  it('reads this process`s own smaps where Linux has one: the node binary and the heap are there', () => {
    if (!existsSync('/proc/self/smaps')) return expect(process.platform).not.toBe('linux');
    const own = rssByMappingKiB(readFileSync('/proc/self/smaps', 'utf8'));
    expect(Object.values(own).reduce((a, b) => a + b, 0) * 1024).toBeGreaterThan(process.memoryUsage().rss / 2);
    expect(own[path.basename(process.execPath)]).toBeGreaterThan(0);
  });
});

describe('the report writer process trace (AMIWARDEN_BENCH_REPORT_SMAPS_TRACE)', () => {
  it('appends a line every 2 s and one at the end, each with its time and the RSS by mapping', () => {
    if (!existsSync('/proc/self/smaps')) return expect(process.platform).not.toBe('linux');
    const dir = mkdtempSync(path.join(tmpdir(), 'amiwarden-trace-'));
    try {
      const handler = path.join(dir, 'handler.cjs');
      writeFileSync(handler, 'exports.handler = async (p) => { await new Promise((r) => setTimeout(r, 3500)); return { echoed: p }; };');
      const trace = path.join(dir, 'trace.jsonl');
      const out = execFileSync(process.execPath, ['--expose-gc', path.join(ROOT, 'bench/report-writer-process.cjs'), handler], {
        encoding: 'utf8',
        env: { ...process.env, AMIWARDEN_BENCH_PAYLOAD: '{"n":1}', AMIWARDEN_BENCH_REPORT_SMAPS_TRACE: trace },
      });
      expect(JSON.parse(out.trim().split('\n').pop() as string).result).toEqual({ echoed: { n: 1 } });
      const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ms: number; rssMiB: number; byMapping: Record<string, number> });
      // The 1st and the 9th sample (at 0.25 s and 2.25 s, later on a loaded machine: timers drift), and the end (after 3.5 s).
      expect(lines).toHaveLength(3);
      expect(lines.map((l) => l.ms)).toEqual([...lines.map((l) => l.ms)].sort((a, b) => a - b));
      expect(lines[2]?.ms).toBeGreaterThanOrEqual(3500);
      for (const line of lines) {
        expect(line.rssMiB).toBeGreaterThan(0);
        expect(line.byMapping[path.basename(process.execPath)]).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
