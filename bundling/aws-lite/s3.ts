/**
 * S3 in the Lambda bundles (./client.ts): the sweep's inventories and reports in its own bucket —
 * PutObject, GetObject and ListObjectsV2, over S3's REST protocol, at the endpoint S3's own rules
 * give (virtual-hosted, or path-style where they say so).
 */
import { defaultEndpointResolver } from '@aws-sdk/client-s3/dist-es/endpoint/endpointResolver';
import { encode, LiteCommand, LiteServiceClient, utf8, type LiteClient, type LiteClientConfig, type LiteRequest, type ResponseMetadata } from './client';
import { children, parseXml, value, xmlError } from './xml';

const S3 = { serviceId: 'S3', signingName: 's3', endpoint: defaultEndpointResolver, uriEscapePath: false };

export class S3Client extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(S3, config);
  }
}

const objectPath = (key: string) => `/${key.split('/').map(encode).join('/')}`;
const bucketParams = (bucket: string) => ({ Bucket: bucket, ForcePathStyle: false, Accelerate: false, UseGlobalEndpoint: false, UseArnRegion: false });

abstract class S3Command<I extends { Bucket: string }, O> extends LiteCommand<O & { $metadata: ResponseMetadata }> {
  constructor(readonly input: I) {
    super();
  }
  protected abstract request(): LiteRequest;
  protected abstract shape(body: Uint8Array, headers: Record<string, string>): O;
  async sendWith(client: LiteClient) {
    const { response, $metadata } = await client.request({ ...this.request(), endpointParams: bucketParams(this.input.Bucket) }, (r) =>
      xmlError(utf8(r.body), r.status),
    );
    return { ...this.shape(response.body, response.headers), $metadata };
  }
}

export interface PutObjectInput {
  Bucket: string;
  Key: string;
  Body: string;
  ContentType?: string;
  ServerSideEncryption?: string;
}

export class PutObjectCommand extends S3Command<PutObjectInput, { ETag?: string; ServerSideEncryption?: string }> {
  protected request(): LiteRequest {
    const { Key, Body, ContentType, ServerSideEncryption } = this.input;
    if (typeof Body !== 'string') throw new TypeError('PutObject: this client sends string bodies only');
    return {
      method: 'PUT',
      path: objectPath(Key),
      headers: {
        ...(ContentType ? { 'content-type': ContentType } : {}),
        ...(ServerSideEncryption ? { 'x-amz-server-side-encryption': ServerSideEncryption } : {}),
      },
      body: Body,
    };
  }
  protected shape(_body: Uint8Array, headers: Record<string, string>) {
    return {
      ...(headers.etag ? { ETag: headers.etag } : {}),
      ...(headers['x-amz-server-side-encryption'] ? { ServerSideEncryption: headers['x-amz-server-side-encryption'] } : {}),
    };
  }
}

export interface ObjectBody {
  transformToString(encoding?: BufferEncoding): Promise<string>;
  transformToByteArray(): Promise<Uint8Array>;
}

export class GetObjectCommand extends S3Command<{ Bucket: string; Key: string }, { Body: ObjectBody; ContentType?: string; ContentLength?: number; ETag?: string }> {
  protected request(): LiteRequest {
    return { method: 'GET', path: objectPath(this.input.Key) };
  }
  protected shape(body: Uint8Array, headers: Record<string, string>) {
    return {
      Body: {
        transformToString: async (encoding: BufferEncoding = 'utf8') => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString(encoding),
        transformToByteArray: async () => body,
      },
      ...(headers['content-type'] ? { ContentType: headers['content-type'] } : {}),
      ...(headers['content-length'] ? { ContentLength: Number(headers['content-length']) } : {}),
      ...(headers.etag ? { ETag: headers.etag } : {}),
    };
  }
}

export interface ListObjectsV2Output {
  Contents?: Array<{ Key?: string; Size?: number; ETag?: string; LastModified?: Date }>;
  IsTruncated?: boolean;
  NextContinuationToken?: string;
  KeyCount?: number;
}

export class ListObjectsV2Command extends S3Command<{ Bucket: string; Prefix?: string; ContinuationToken?: string }, ListObjectsV2Output> {
  protected request(): LiteRequest {
    const { Prefix, ContinuationToken } = this.input;
    return {
      method: 'GET',
      path: '/',
      query: { 'list-type': '2', ...(Prefix !== undefined ? { prefix: Prefix } : {}), ...(ContinuationToken ? { 'continuation-token': ContinuationToken } : {}) },
    };
  }
  protected shape(body: Uint8Array): ListObjectsV2Output {
    const root = parseXml(utf8(body));
    const contents = children(root, 'Contents').map((c) => {
      const size = value(c, 'Size');
      const modified = value(c, 'LastModified');
      const etag = value(c, 'ETag');
      return {
        Key: value(c, 'Key') ?? '',
        ...(size !== undefined ? { Size: Number(size) } : {}),
        ...(etag !== undefined ? { ETag: etag } : {}),
        ...(modified !== undefined ? { LastModified: new Date(modified) } : {}),
      };
    });
    const token = value(root, 'NextContinuationToken');
    const count = value(root, 'KeyCount');
    return {
      ...(contents.length ? { Contents: contents } : {}),
      IsTruncated: value(root, 'IsTruncated') === 'true',
      ...(token !== undefined ? { NextContinuationToken: token } : {}),
      ...(count !== undefined ? { KeyCount: Number(count) } : {}),
    };
  }
}
