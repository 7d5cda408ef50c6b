/**
 * `NODE_OPTIONS=--expose-gc npx tsx bench/upload-buffers.ts`: the memory outside the V8 heap
 * (live Buffers and ArrayBuffers, bench/live-memory.cjs) that one streamed S3 object (adapters/s3.ts
 * ObjectWriter: a multipart upload through @aws-sdk/lib-storage, one part in flight) holds while it
 * is written, for objects of several sizes, on the emulator's S3: sampled after a full collection
 * every 500 lines of 600 bytes (a sweep finding's size). What the report writer's buffers are bounded
 * by (BENCHMARKS.md "Sweep at scale").
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ObjectWriter } from '../adapters/s3';
import { clientConfig } from '../emulator/accounts';
import { startEmulator } from '../emulator/index';
const { liveBuffersBytes } = require('./live-memory.cjs') as { liveBuffersBytes: () => number };

const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  if (!gc) throw new Error('run with NODE_OPTIONS=--expose-gc');
  const emulator = await startEmulator();
  try {
    const s3 = new S3Client({ ...clientConfig(emulator, '111111111111', 'us-east-1'), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'amiwarden-bench-uploads' }));
    const line = `${'x'.repeat(599)}\n`;
    const mib = (b: number) => Number((b / 2 ** 20).toFixed(1));
    const rows = [];
    for (const sizeMiB of [2, 12, 40, 80]) {
      const base = liveBuffersBytes();
      let peak = base;
      const writer = new ObjectWriter(s3, 'amiwarden-bench-uploads', `object-${sizeMiB}`, 'text/plain');
      for (let i = 0; i < (sizeMiB * 2 ** 20) / line.length; i++) {
        await writer.write(line);
        if (i % 500 === 0) peak = Math.max(peak, liveBuffersBytes());
      }
      await writer.end();
      peak = Math.max(peak, liveBuffersBytes());
      rows.push({ objectMiB: sizeMiB, peakOutsideHeapMiB: mib(peak - base), writerHeldMiB: mib(writer.peakHeldBytes) });
    }
    console.log(JSON.stringify(rows));
  } finally {
    await emulator.stop();
  }
}

void main();
