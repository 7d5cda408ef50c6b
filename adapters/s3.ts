/** S3: where the sweep keeps its inventories between steps, and its reports. */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { call, hasCode, translate, type ClientSettings } from './aws';

/** The size of each part of a streamed object: S3's least (every part but the last is at least 5 MiB). */
export const PART_BYTES = 5 * 1024 * 1024;

/**
 * How much written text the writer gathers before it hands it on as one Buffer. lib-storage keeps
 * every chunk it is given until it has a part; a chunk per write (a few hundred bytes: a finding's
 * CSV row) leaves thousands of small allocations in the C allocator's heap beside each 5 MiB part,
 * which fragments it (bench/upload-heap.ts; BENCHMARKS.md "Sweep at scale").
 */
export const GATHER_BYTES = 1024 * 1024;

/**
 * An object written as it is produced (a multipart upload through @aws-sdk/lib-storage, a single
 * PutObject if it ends within one part): at most one part is being sent and one being filled, so
 * what it holds is bounded by the part size, not by the object's size. What is written is gathered
 * first, and handed on once it reaches `GATHER_BYTES` (so past it by at most one write).
 */
export class ObjectWriter {
  private readonly body = new PassThrough({ highWaterMark: 64 * 1024 });
  private readonly finished: Promise<unknown>;
  private failed: unknown;
  private ended = false;
  private aborted = false;
  /** Text written and not yet handed to the upload, and its size in UTF-8 bytes. */
  private gathered: string[] = [];
  private gatheredBytes = 0;
  /** Bytes handed to `write`. */
  written = 0;
  /** Bytes S3 has acknowledged (lib-storage's progress). */
  sent = 0;
  /** The most bytes written and not yet acknowledged at any time: what the writer held. */
  peakHeldBytes = 0;

  constructor(
    client: S3Client,
    readonly bucket: string,
    readonly key: string,
    contentType: string,
    /** `GATHER_BYTES`; 0 hands each write on as it comes (the benchmark's point of comparison, bench/upload-heap.ts). */
    private readonly gatherBytes = GATHER_BYTES,
  ) {
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: this.body, ContentType: contentType, ServerSideEncryption: 'AES256' },
      partSize: PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (p) => {
      if (typeof p.loaded === 'number') this.sent = Math.max(this.sent, p.loaded);
    });
    this.finished = upload.done().catch((error: unknown) => {
      this.failed = error;
      this.body.destroy();
      throw error;
    });
    this.finished.catch(() => undefined);
  }

  /** Adds `text` to the object; what is gathered is handed on once it reaches `gatherBytes`. Refused after end() or abort(). */
  async write(text: string): Promise<void> {
    if (this.ended || this.aborted) throw new Error(`the object ${this.key} was ${this.ended ? 'ended' : 'given up'}: nothing more can be written to it`);
    if (this.failed) await call('s3:PutObject', () => this.finished);
    if (text.length === 0) return;
    const bytes = Buffer.byteLength(text, 'utf8');
    this.written += bytes;
    this.peakHeldBytes = Math.max(this.peakHeldBytes, this.written - this.sent);
    this.gathered.push(text);
    this.gatheredBytes += bytes;
    if (this.gatheredBytes >= this.gatherBytes) await this.handOn();
  }

  /** Hands what is gathered to the upload as one Buffer, and waits while the upload is full. */
  private async handOn(): Promise<void> {
    const bytes = Buffer.from(this.gathered.join(''), 'utf8');
    this.gathered = [];
    this.gatheredBytes = 0;
    if (!this.body.write(bytes)) await Promise.race([once(this.body, 'drain'), call('s3:PutObject', () => this.finished)]);
  }

  /**
   * Gives the object up (its writer failed): no object is made, and a multipart upload already
   * started is aborted (AbortMultipartUpload) so that its parts are not kept.
   */
  async abort(): Promise<void> {
    if (this.failed || this.ended) return;
    this.aborted = true;
    this.gathered = [];
    this.gatheredBytes = 0;
    // The upload fails on its next read of the body: lib-storage then sends AbortMultipartUpload
    // (leavePartsOnError false) before its done() rejects, which this waits for.
    this.body.destroy(new Error(`the object ${this.key} was given up`));
    await this.finished.catch(() => undefined);
  }

  /** Ends the object (what is gathered handed on first); its s3:// URL once S3 has it whole. Again: the same URL. */
  async end(): Promise<string> {
    if (this.aborted) throw new Error(`the object ${this.key} was given up: it cannot be ended`);
    if (!this.ended) {
      if (this.gatheredBytes > 0) await this.handOn();
      this.ended = true;
      this.body.end();
    }
    await call('s3:PutObject', () => this.finished);
    return `s3://${this.bucket}/${this.key}`;
  }
}

async function* linesOf(body: Readable): AsyncGenerator<string> {
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
  } catch (error) {
    throw translate('s3:GetObject', error);
  } finally {
    lines.close();
  }
}

export class ReportStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType = 'application/json'): Promise<string> {
    await call('s3:PutObject', () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: 'AES256' })),
    );
    return `s3://${this.bucket}/${key}`;
  }

  /** A new object written a part at a time (see ObjectWriter). */
  writer(key: string, contentType = 'application/json'): ObjectWriter {
    return new ObjectWriter(this.client, this.bucket, key, contentType);
  }

  private async body(key: string): Promise<Readable> {
    const out = await call('s3:GetObject', () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
    return out.Body as Readable;
  }

  /** The object's lines, read as S3 sends them (never the whole object at once). */
  async *lines(key: string): AsyncGenerator<string> {
    yield* linesOf(await this.body(key));
  }

  /** The object's lines as `lines` reads them, once S3 has answered: null when there is no such object. */
  async linesIfExists(key: string): Promise<AsyncGenerator<string> | null> {
    try {
      return linesOf(await this.body(key));
    } catch (error) {
      if (hasCode(error, 'NoSuchKey')) return null;
      throw error;
    }
  }

  async getJson<T>(key: string): Promise<T> {
    const out = await call('s3:GetObject', () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
    return JSON.parse(await out.Body!.transformToString()) as T;
  }

  /** The object as JSON, or null when there is none. */
  async getJsonIfExists<T>(key: string): Promise<T | null> {
    try {
      return await this.getJson<T>(key);
    } catch (error) {
      if (hasCode(error, 'NoSuchKey')) return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.pages(prefix)) keys.push(...page);
    return keys;
  }

  /** The keys under `prefix`, one ListObjectsV2 page (at most 1,000) at a time. */
  async *pages(prefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const out = await call('s3:ListObjectsV2', () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) })),
      );
      yield (out.Contents ?? []).map((c) => c.Key ?? '');
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
}

export const reportStore = (bucket: string) => (settings: ClientSettings) => new ReportStore(new S3Client(settings), bucket);
