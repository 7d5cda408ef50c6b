/**
 * S3 in the Lambda bundles (./client.ts): the sweep's inventories and reports in its own bucket —
 * PutObject, GetObject and ListObjectsV2, over S3's REST protocol.
 */
import { isVirtualHostableS3Bucket, partition } from '@aws-sdk/core/client';
import { isIpAddress, isValidHostLabel } from '@smithy/core/endpoints';
import type { EndpointV2 } from '@smithy/types';
import { encode, LiteCommand, LiteServiceClient, utf8, type EndpointParams, type LiteClient, type LiteClientConfig, type LiteRequest, type ResponseMetadata } from './client';
import { children, parseXml, value, xmlDate, xmlError } from './xml';

/**
 * The endpoint of a bucket as S3's endpoint rules give it for a plain bucket (no access point,
 * Outpost, Express One Zone or accelerate; UseGlobalEndpoint and ForcePathStyle off): the SDK's
 * rules are 17 KiB of every bundle that writes to S3, for these few branches.
 * test/unit/bundling/aws-lite-s3-endpoint.test.ts compares it with the SDK's rules over every
 * partition, FIPS, dual-stack, bucket names and configured endpoints; what they refuse, this refuses.
 */
export function s3Endpoint(params: EndpointParams): EndpointV2 {
  const bucket = String(params.Bucket);
  const { Region: region, UseFIPS: fips, UseDualStack: dualStack, Endpoint: configured } = params;
  const endpoint = (url: string): EndpointV2 => ({
    url: new URL(url),
    properties: { authSchemes: [{ name: 'sigv4', signingName: 's3', signingRegion: region, disableDoubleEncoding: true }] } as unknown as EndpointV2['properties'],
    headers: {},
  });
  const pathStyle = (base: string) => `${base}${encode(bucket)}`;
  if (configured !== undefined) {
    if (dualStack) throw new Error('Cannot set dual-stack in combination with a custom endpoint.');
    if (fips) throw new Error('A custom endpoint cannot be combined with FIPS');
    const url = customUrl(configured);
    const plain = isVirtualHostableS3Bucket(bucket, false);
    // As the rules do: a dotted bucket over http goes in the host even on an IP (which no URL can be).
    if ((plain && !url.isIp) || (!plain && url.scheme === 'http' && isVirtualHostableS3Bucket(bucket, true))) {
      return endpoint(`${url.scheme}://${bucket}.${url.authority}${url.path}`);
    }
    return endpoint(pathStyle(`${url.scheme}://${url.authority}${url.normalizedPath}`));
  }
  if (!isValidHostLabel(region)) throw new Error('Invalid region: region was not a valid DNS name.');
  const p = partition(region);
  // S3 has no FIPS endpoints in China, whatever the partition's other services have.
  if (fips && (!p.supportsFIPS || p.name === 'aws-cn')) throw new Error('Partition does not support FIPS');
  if (dualStack && !p.supportsDualStack) throw new Error('DualStack is enabled but this partition does not support DualStack');
  const host = `s3${fips ? '-fips' : ''}${dualStack ? '.dualstack' : ''}.${region}.${p.dnsSuffix}`;
  return endpoint(isVirtualHostableS3Bucket(bucket, false) ? `https://${bucket}.${host}` : pathStyle(`https://${host}/`));
}

/** A configured endpoint URL, read as the endpoint rules read one (parseURL). */
function customUrl(value: string): { scheme: string; authority: string; path: string; normalizedPath: string; isIp: boolean } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Custom endpoint \`${value}\` was not a valid URI`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (url.search || (scheme !== 'http' && scheme !== 'https')) throw new Error(`Custom endpoint \`${value}\` was not a valid URI`);
  const defaultPort = scheme === 'https' ? 443 : 80;
  const authority = `${url.host}${value.includes(`${url.host}:${defaultPort}`) ? `:${defaultPort}` : ''}`;
  const path = url.pathname;
  return { scheme, authority, path, normalizedPath: path.endsWith('/') ? path : `${path}/`, isIp: isIpAddress(url.hostname) };
}

const S3 = { serviceId: 'S3', signingName: 's3', endpoint: s3Endpoint, uriEscapePath: false };

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
      query: { 'x-id': 'PutObject' },
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
}

export class GetObjectCommand extends S3Command<{ Bucket: string; Key: string }, { Body: ObjectBody; ContentType?: string; ContentLength?: number; ETag?: string }> {
  protected request(): LiteRequest {
    return { method: 'GET', path: objectPath(this.input.Key), query: { 'x-id': 'GetObject' } };
  }
  protected shape(body: Uint8Array, headers: Record<string, string>) {
    return {
      Body: {
        transformToString: async (encoding: BufferEncoding = 'utf8') => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString(encoding),
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
        ...(modified !== undefined ? { LastModified: xmlDate(modified) } : {}),
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
