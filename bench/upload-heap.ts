/**
 * `npx tsx bench/upload-heap.ts [MB]`: the resident memory one streamed S3 object (adapters/s3.ts
 * ObjectWriter) leaves a process with once MB (default 200) of 600-byte lines (a sweep finding's
 * size) are written to the emulator's S3, three ways side by side: as deployed (the text gathered
 * into `GATHER_BYTES` chunks, in the report writer's environment from serverless.yml: glibc's mmap
 * threshold fixed), gathered with the allocator's defaults, and handed on a chunk per line with the
 * allocator's defaults (the writer before either change): each in a process of its own on the
 * runtime's Node, in its function's memory (bench/memory-limit.ts), three times, alternately. Each
 * prints its RSS, the C allocator's main heap (`[heap]` in /proc/self/smaps, Linux) and the
 * anonymous mappings (`[anon]`: V8's heap, large Buffers, mapped allocations) after a full
 * collection, and its peak RSS; the medians, and their ratios to the last way's.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GATHER_BYTES, ObjectWriter } from '../adapters/s3';
import { clientConfig } from '../emulator/accounts';
import { startEmulator } from '../emulator/index';
import { lambdaNode } from '../local/bundles';
import { ROOT } from '../local/workflows';
import { asFunction, functionMemoryMiB, memoryLimit, withAllocatorDefaults } from './memory-limit';
const { median, rssByMappingKiB } = require('./live-memory.cjs') as { median: (values: number[]) => number; rssByMappingKiB: (smaps: string) => Record<string, number> };

const BUCKET = 'amiwarden-bench-upload-heap';
const ROUNDS = 3;
const MiB = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

interface Sample { rssMiB: number; heapMiB: number; anonMiB: number; peakRssMiB: number }

/** In the child: writes the object, then measures. */
async function child(endpoint: string, objectMB: number, gatherBytes: number): Promise<Sample> {
  const s3 = new S3Client({ ...clientConfig({ endpoint }, '111111111111', 'us-east-1'), forcePathStyle: true });
  const writer = new ObjectWriter(s3, BUCKET, `object-${process.pid}`, 'text/plain', gatherBytes);
  const line = `${'x'.repeat(599)}\n`;
  for (let i = 0; i < (objectMB * 1e6) / line.length; i++) await writer.write(line);
  await writer.end();
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const byMapping = rssByMappingKiB(readFileSync('/proc/self/smaps', 'utf8'));
  return {
    rssMiB: MiB(process.memoryUsage().rss),
    heapMiB: MiB((byMapping['[heap]'] ?? 0) * 1024),
    anonMiB: MiB((byMapping['[anon]'] ?? 0) * 1024),
    peakRssMiB: MiB(process.resourceUsage().maxRSS * 1024),
  };
}

const WAYS = ['deployed', 'gatheredAllocatorDefaults', 'perLineAllocatorDefaults'] as const;
type Way = (typeof WAYS)[number];
const SAMPLE_KEYS = ['rssMiB', 'heapMiB', 'anonMiB', 'peakRssMiB'] as const;
const medianSample = (runs: Sample[]): Sample => Object.fromEntries(SAMPLE_KEYS.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Sample;

async function main(): Promise<void> {
  const [, , first, endpoint, mb, gather] = process.argv;
  if (first === '--child') {
    console.log(JSON.stringify(await child(endpoint!, Number(mb), Number(gather))));
    return;
  }
  const objectMB = Number(first ?? 200);
  const emulator = await startEmulator();
  const limit = memoryLimit(`amiwarden-bench-upload-heap-${process.pid}`, functionMemoryMiB('writeSweepReport'));
  try {
    await new S3Client({ ...clientConfig(emulator, '111111111111', 'us-east-1'), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
    const defaults = withAllocatorDefaults(process.env);
    const ways: Record<Way, { gatherBytes: number; env: NodeJS.ProcessEnv }> = {
      deployed: { gatherBytes: GATHER_BYTES, env: asFunction('writeSweepReport', process.env) },
      gatheredAllocatorDefaults: { gatherBytes: GATHER_BYTES, env: defaults },
      perLineAllocatorDefaults: { gatherBytes: 0, env: defaults },
    };
    const samples = Object.fromEntries(WAYS.map((way) => [way, [] as Sample[]])) as Record<Way, Sample[]>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of WAYS) {
        const [command, args] = limit.wrap(lambdaNode(), ['--expose-gc', '-r', 'tsx/cjs', path.join(ROOT, 'bench/upload-heap.ts'), '--child', emulator.endpoint, String(objectMB), String(ways[way].gatherBytes)]);
        // Not execFileSync: the emulator's output must go on being read while the child runs.
        const { stdout } = await promisify(execFile)(command, args, { cwd: ROOT, encoding: 'utf8', env: ways[way].env });
        samples[way].push(JSON.parse(stdout.trim()) as Sample);
      }
    }
    const medians = Object.fromEntries(WAYS.map((way) => [way, medianSample(samples[way])])) as Record<Way, Sample>;
    const over = (way: Way) => Object.fromEntries(SAMPLE_KEYS.map((k) => [k, Number((medians[way][k] / medians.perLineAllocatorDefaults[k]).toFixed(2))]));
    const ratios = { deployed: over('deployed'), gatheredAllocatorDefaults: over('gatheredAllocatorDefaults') };
    console.log(JSON.stringify({ objectMB, memoryLimit: limit.describe, runs: samples, medians, overPerLineAllocatorDefaults: ratios }));
  } finally {
    limit.remove();
    await emulator.stop();
  }
}

void main();
