/**
 * The report bucket's streamed objects (adapters/s3.ts ObjectWriter): an object of any size is sent
 * a 5 MiB part at a time, and the writer never holds more than about two parts of it, however much
 * is written and however slow S3 is to take each part. S3 is mocked with the shapes S3 returns.
 */
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { PassThrough } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { GATHER_BYTES, ObjectWriter, PART_BYTES, ReportStore } from '../../adapters/s3';
import { AwsCallError } from '../../core/errors';

const s3 = mockClient(S3Client);
const store = new ReportStore(new S3Client({ region: 'us-east-1' }), 'amiwarden-reports-unit');
const parts = new Map<number, Buffer>();
const CHUNK = 'x'.repeat(64 * 1024);

beforeEach(() => {
  s3.reset();
  parts.clear();
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' });
  s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number; Body: Uint8Array }) => {
    // A slow S3: the writer must wait for it rather than buffer what comes next.
    await new Promise((resolve) => setTimeout(resolve, 20));
    parts.set(input.PartNumber, Buffer.from(input.Body));
    return { ETag: `"p${input.PartNumber}"` };
  });
  s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"done"' });
  s3.on(AbortMultipartUploadCommand).resolves({});
});

describe('ObjectWriter', () => {
  it('sends 30 MiB in 5 MiB parts while holding at most two parts of it', async () => {
    const writer = store.writer('sweeps/run/report.csv', 'text/csv');
    const total = 30 * 1024 * 1024;
    for (let n = 0; n < total; n += CHUNK.length) await writer.write(CHUNK);

    expect(await writer.end()).toBe('s3://amiwarden-reports-unit/sweeps/run/report.csv');
    expect(parts.size).toBe(6);
    expect([...parts.values()].every((p) => p.length === PART_BYTES)).toBe(true);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect(writer.written).toBe(total);
    expect(writer.peakHeldBytes).toBeGreaterThan(PART_BYTES / 2);
    expect(writer.peakHeldBytes).toBeLessThanOrEqual(2 * PART_BYTES + 2 * CHUNK.length);
  }, 30_000);

  it('hands the upload the rows it is written gathered into chunks of about 1 MiB, not a chunk per row, and loses none (multi-byte text included)', async () => {
    // A Buffer per row is a small allocation lib-storage keeps until its part is full: thousands a
    // part, which fragment the C allocator's heap (BENCHMARKS.md "Sweep at scale").
    const handed = jest.spyOn(PassThrough.prototype, 'write');
    try {
      const writer = store.writer('sweeps/run/report.csv', 'text/csv');
      // Rows of 3-byte characters: the second part ends inside one (checked below).
      const rows = Array.from({ length: 20_000 }, (_, i) => `${i},ami-${i},café ${'✓'.repeat(182)}\n`);
      for (const row of rows) await writer.write(row);
      await writer.end();

      const expected = Buffer.from(rows.join(''), 'utf8');
      expect(expected[2 * PART_BYTES]! & 0xc0).toBe(0x80);
      const chunks = handed.mock.calls.map(([chunk]) => (chunk as Buffer).length);
      expect(chunks.reduce((a, b) => a + b, 0)).toBe(expected.length);
      // Every chunk but the last is at least GATHER_BYTES (bytes, not characters), and no chunk is a row's size.
      expect(chunks.length).toBeLessThanOrEqual(Math.ceil(expected.length / GATHER_BYTES));
      expect(chunks.slice(0, -1).every((n) => n >= GATHER_BYTES && n < GATHER_BYTES + 1024)).toBe(true);
      expect(writer.written).toBe(expected.length);
      // Byte for byte (latin1 maps each byte to one character), the character split across parts included.
      const sent = [...parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p.toString('latin1')).join('');
      expect(sent === expected.toString('latin1')).toBe(true);
    } finally {
      handed.mockRestore();
    }
  }, 30_000);

  it('with gatherBytes 0 (what the benchmark compares with) hands each write on as it comes', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const handed = jest.spyOn(PassThrough.prototype, 'write');
    try {
      const writer = new ObjectWriter(new S3Client({ region: 'us-east-1' }), 'amiwarden-reports-unit', 'sweeps/run/rows.csv', 'text/csv', 0);
      for (let i = 0; i < 100; i++) await writer.write(`${i}\n`);
      await writer.end();
      expect(handed.mock.calls.map(([chunk]) => (chunk as Buffer).toString('utf8'))).toEqual(Array.from({ length: 100 }, (_, i) => `${i}\n`));
    } finally {
      handed.mockRestore();
    }
  });

  it('refuses a write after end() or abort(), which would be lost, and answers a second end() with the same URL', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const ended = store.writer('sweeps/run/report.md', 'text/markdown');
    await ended.write('# a report\n');
    const url = await ended.end();
    await expect(ended.write('late\n')).rejects.toThrow('the object sweeps/run/report.md was ended: nothing more can be written to it');
    expect(await ended.end()).toBe(url);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);

    const given = store.writer('sweeps/run/report.csv', 'text/csv');
    await given.write('a,b\n');
    await given.abort();
    await expect(given.write('late\n')).rejects.toThrow('the object sweeps/run/report.csv was given up');
    await expect(given.end()).rejects.toThrow('the object sweeps/run/report.csv was given up: it cannot be ended');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('abort() of an object whose text is only gathered sends nothing of it, past a part as within one', async () => {
    const big = store.writer('sweeps/run/report.csv', 'text/csv');
    // 5 MiB handed on (a part started) and half a MiB gathered.
    for (let n = 0; n < PART_BYTES + GATHER_BYTES / 2; n += CHUNK.length) await big.write(CHUNK);
    await big.abort();
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(s3.commandCalls(CreateMultipartUploadCommand).length);
  }, 30_000);

  it('counts text gathered and not yet sent as held', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const writer = store.writer('sweeps/run/report.md', 'text/markdown');
    await writer.write('é'.repeat(1000));
    expect(writer.written).toBe(2000);
    expect(writer.peakHeldBytes).toBe(2000);
    await writer.end();
    expect(Buffer.from(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as Uint8Array).toString('utf8')).toBe('é'.repeat(1000));
  });

  it('writes a small object with one PutObject (no multipart upload)', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    const writer = store.writer('sweeps/run/report.md', 'text/markdown');
    await writer.write('# a report\n');

    await writer.end();
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Key: 'sweeps/run/report.md', ContentType: 'text/markdown', ServerSideEncryption: 'AES256' });
    expect(Buffer.from(put.Body as Uint8Array).toString('utf8')).toBe('# a report\n');
  });

  it('a part S3 refuses fails the object with a typed error, aborts the upload and does not hang the writer', async () => {
    s3.on(UploadPartCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const writer = store.writer('sweeps/run/report.json');
    const writing = (async () => {
      for (let n = 0; n < 20 * 1024 * 1024; n += CHUNK.length) await writer.write(CHUNK);
      return writer.end();
    })();

    await expect(writing).rejects.toThrow(AwsCallError);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  }, 30_000);

  it('abort(): a multipart upload under way is aborted before abort() returns; an object within one part is never sent', async () => {
    const big = store.writer('sweeps/run/report.csv', 'text/csv');
    for (let n = 0; n < 12 * 1024 * 1024; n += CHUNK.length) await big.write(CHUNK);
    const small = store.writer('sweeps/run/report.md', 'text/markdown');
    await small.write('# a report\n');

    await Promise.all([big.abort(), small.abort()]);
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual([expect.objectContaining({ Key: 'sweeps/run/report.csv', UploadId: 'u-1' })]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  }, 30_000);
});
