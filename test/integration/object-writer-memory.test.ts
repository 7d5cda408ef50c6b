/**
 * What one streamed report object (adapters/s3.ts ObjectWriter: a multipart upload through
 * @aws-sdk/lib-storage, one part in flight) holds in memory while it is written to the emulator's
 * S3: its live Buffers and ArrayBuffers, sampled as the benchmark samples them, every 2,000 lines
 * of 600 bytes (a sweep finding's size): 1.2 MB, about four samples a part. Each sample is two full
 * collections; sampling every 500 lines took this test past two minutes in CI beside the other
 * suites. Once the object is a few parts long the buffers stop growing: under 5 parts for 40 and
 * 80 MiB alike, less than either object (lib-storage keeps the part it sends and the chunks of the
 * next, and for a moment their concatenation). How close a sample comes to that bound is chance
 * (the moment of a concatenation), so the two objects' peaks are not compared. The report writer
 * has two such objects open at a time, so its buffers are bounded whatever the organization's size
 * (BENCHMARKS.md "Sweep at scale").
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ObjectWriter, PART_BYTES } from '../../adapters/s3';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile } from '../support/emulator';

// The benchmark's sampler (bench/live-memory.cjs), given the collector it calls.
setFlagsFromString('--expose-gc');
(globalThis as { gc?: () => void }).gc = runInNewContext('gc') as () => void;
const { liveBuffersBytes } = require('../../bench/live-memory.cjs') as { liveBuffersBytes: () => number };

const emulator = emulatorForFile();
const BUCKET = 'amiwarden-test-object-memory';
const MiB = 2 ** 20;

async function peakWhileWriting(s3: S3Client, objectMiB: number): Promise<number> {
  const line = `${'x'.repeat(599)}\n`;
  const base = liveBuffersBytes();
  let peak = 0;
  const key = `object-${objectMiB}`;
  const writer = new ObjectWriter(s3, BUCKET, key, 'text/plain');
  const lines = Math.ceil((objectMiB * MiB) / line.length);
  for (let i = 0; i < lines; i++) {
    await writer.write(line);
    if (i % 2000 === 0) peak = Math.max(peak, liveBuffersBytes() - base);
  }
  await writer.end();
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(head.ContentLength).toBe(lines * line.length);
  return peak;
}

describe('a streamed report object in memory', () => {
  it('holds fewer than 5 parts of live buffers for a 40 MiB and an 80 MiB object alike', async () => {
    const s3 = new S3Client({ ...clientConfig(emulator, '111111111111', 'us-east-1'), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const small = await peakWhileWriting(s3, 2);
    const forty = await peakWhileWriting(s3, 40);
    const eighty = await peakWhileWriting(s3, 80);

    // An object within one part is held whole (about its size).
    expect(small).toBeLessThan(4 * MiB);
    // Past a few parts, a bound below either object's size (a writer that did not wait for the upload would hold it all).
    expect(forty).toBeLessThan(5 * PART_BYTES);
    expect(eighty).toBeLessThan(5 * PART_BYTES);
  }, 300_000);
});
