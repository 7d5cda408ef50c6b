/** S3: where the sweep keeps its inventories between steps, and its reports. */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { call, hasCode, type ClientSettings } from './aws';

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
