/**
 * What the Lambda bundles use in place of the SDK clients of KMS, STS, IAM, S3, Organizations and
 * Auto Scaling, and of EC2 for launch templates (../aws-lite.js): the calls amiwarden makes to
 * those services, each a request whose shape is fixed and a response read for a few fields, sent
 * with the SDK's own signer (@smithy/signature-v4), HTTP handler (@smithy/node-http-handler),
 * credential chain and each client's own endpoint rules (S3: ./s3.ts `s3Endpoint`). What it leaves
 * out is the generated client — its schemas, protocol serde, middleware stack and runtime
 * configuration — which was 60–100 KiB of a bundle per client and most of the cold start of the
 * functions that use four or five of them (BENCHMARKS.md).
 *
 * The interface is the SDK's (`new XClient(settings).send(new XCommand(input))`), so the adapters
 * do not know which one they run with; the CLI, the sandbox and the tests run the SDK.
 * test/conformance/aws-lite.test.ts sends every operation through both on the emulator and
 * compares what the adapters read, and their errors; test/unit/bundling/aws-lite.test.ts checks
 * signing, retries and error names against a local server, and aws-lite-s3-endpoint.test.ts the
 * S3 endpoints against the SDK's rules in every partition.
 *
 * Kept from the SDK's behaviour: signing (SigV4, with the session token), the endpoint rules
 * (FIPS, dual-stack and AWS_ENDPOINT_URL[_<SERVICE>] from the environment), retries of throttling,
 * server faults and broken connections (at most `maxAttempts`, exponential back-off with full
 * jitter), and errors named by their AWS error code with `$metadata.httpStatusCode`. Not kept:
 * clock-skew correction, adaptive retry, the SDK's user agent and invocation ids, and request
 * checksums beyond SigV4's payload hash.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { streamCollector } from '@smithy/core/serde';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, EndpointV2, HttpRequest } from '@smithy/types';
import { isTransient } from '../../adapters/aws';

export type Credentials = AwsCredentialIdentity;

export interface LiteClientConfig {
  region: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  maxAttempts?: number;
}

export interface ResponseMetadata {
  httpStatusCode: number;
  requestId?: string;
  attempts: number;
}

export interface LiteResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** An error AWS answered with: named by its error code, as the SDK names it. */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  constructor(
    readonly code: string,
    message: string,
    readonly $metadata: ResponseMetadata,
  ) {
    super(message);
    this.name = code;
    this.$fault = $metadata.httpStatusCode >= 500 ? 'server' : 'client';
  }
}

/** What a service needs to send a request: its names, and its endpoint rules. */
export interface ServiceModel {
  /** The SDK's serviceId, which names AWS_ENDPOINT_URL_<ID>. */
  serviceId: string;
  signingName: string;
  endpoint: (params: EndpointParams) => EndpointV2;
  /** S3 sends the path as it is (its keys are encoded once); the others encode it again when signing. */
  uriEscapePath: boolean;
}

export interface EndpointParams {
  Region: string;
  UseFIPS: boolean;
  UseDualStack: boolean;
  Endpoint?: string;
  [param: string]: unknown;
}

export interface LiteRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path below the endpoint's, already encoded. */
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** Endpoint parameters beyond the common four (S3: Bucket). */
  endpointParams?: Record<string, unknown>;
}

const envFlag = (name: string) => process.env[name]?.toLowerCase() === 'true';

/** The endpoint parameters the SDK reads from the environment (a Lambda function has no config file). */
export function environmentEndpointParams(serviceId: string, region: string): EndpointParams {
  const configured = envFlag('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS')
    ? undefined
    : (process.env[`AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`] ?? process.env.AWS_ENDPOINT_URL);
  return {
    Region: region,
    UseFIPS: envFlag('AWS_USE_FIPS_ENDPOINT'),
    UseDualStack: envFlag('AWS_USE_DUALSTACK_ENDPOINT'),
    ...(configured ? { Endpoint: configured } : {}),
  };
}

const NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);
const isNetworkError = (error: unknown) => {
  const e = error as { code?: string; name?: string } | null;
  return NETWORK_ERRORS.has(e?.code ?? '') || NETWORK_ERRORS.has(e?.name ?? '');
};
const THROTTLING = /throttl|RequestLimitExceeded|TooManyRequests|SlowDown/i;
const BASE_DELAY_MS = 100;
const THROTTLING_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

let sharedHandler: NodeHttpHandler | undefined;

export class LiteClient {
  readonly config: { region: string; maxAttempts: number };
  private readonly credentials: () => Promise<Credentials>;

  constructor(
    private readonly service: ServiceModel,
    config: LiteClientConfig,
  ) {
    if (!config.region) throw new Error(`${service.serviceId}: a region is required`);
    this.config = { region: config.region, maxAttempts: Math.max(1, config.maxAttempts ?? 3) };
    const given = config.credentials;
    this.credentials = typeof given === 'function' ? given : given ? async () => given : defaultProvider();
  }

  /** Sends one request, retrying what is transient; resolves with a 2xx response, or rejects with AwsServiceError. */
  async request(request: LiteRequest, errorOf: (response: LiteResponse) => { code: string; message: string; requestId?: string }): Promise<{ response: LiteResponse; $metadata: ResponseMetadata }> {
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        const response = await this.once(request);
        const requestId = response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id'];
        const $metadata: ResponseMetadata = { httpStatusCode: response.status, attempts: attempt, ...(requestId ? { requestId } : {}) };
        if (response.status < 300) return { response, $metadata };
        const { code, message, requestId: bodyRequestId } = errorOf(response);
        failure = new AwsServiceError(code, message, { ...$metadata, ...(bodyRequestId && !requestId ? { requestId: bodyRequestId } : {}) });
      } catch (error) {
        if (!isNetworkError(error)) throw error;
        failure = error;
      }
      if (attempt >= this.config.maxAttempts || (failure instanceof AwsServiceError && !isTransient(failure))) throw failure;
      const base = failure instanceof AwsServiceError && THROTTLING.test(failure.code) ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1))));
    }
  }

  private async once(request: LiteRequest): Promise<LiteResponse> {
    const endpoint = this.service.endpoint({ ...environmentEndpointParams(this.service.serviceId, this.config.region), ...request.endpointParams });
    const scheme = (endpoint.properties?.authSchemes as Array<{ name: string; signingName?: string; signingRegion?: string }> | undefined)?.find(
      (s) => s.name === 'sigv4',
    );
    if (endpoint.properties?.authSchemes && !scheme) throw new Error(`${this.service.serviceId}: the endpoint ${endpoint.url.href} asks for a signature this client does not make`);
    const url = endpoint.url;
    const basePath = url.pathname.replace(/\/$/, '');
    const body = request.body;
    const unsigned: HttpRequest = {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: `${basePath}${request.path ?? '/'}`,
      query: { ...Object.fromEntries(url.searchParams), ...request.query },
      headers: {
        host: url.host,
        ...Object.fromEntries(Object.entries(endpoint.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v.join(',')])),
        ...request.headers,
        ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    };
    const signer = new SignatureV4({
      service: scheme?.signingName ?? this.service.signingName,
      region: scheme?.signingRegion ?? this.config.region,
      credentials: this.credentials,
      sha256: Sha256,
      uriEscapePath: this.service.uriEscapePath,
      applyChecksum: !this.service.uriEscapePath,
    });
    const signed = (await signer.sign(unsigned)) as HttpRequest;
    sharedHandler ??= new NodeHttpHandler({ requestTimeout: 300_000 });
    const { response } = await sharedHandler.handle(signed as never);
    const bytes = await streamCollector(response.body);
    return { status: response.statusCode, headers: response.headers, body: bytes };
  }
}

export const utf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/** A path segment or query value as AWS encodes it (RFC 3986, with !'()* escaped). */
export const encode = extendedEncodeURIComponent;

/** Base of the lite clients: `send(command)` as the SDK's clients have it. */
export abstract class LiteServiceClient {
  readonly lite: LiteClient;
  constructor(service: ServiceModel, config: LiteClientConfig) {
    this.lite = new LiteClient(service, config);
  }
  get config() {
    return this.lite.config;
  }
  send<O>(command: LiteCommand<O>): Promise<O> {
    return command.sendWith(this.lite);
  }
  destroy(): void {}
}

export abstract class LiteCommand<O> {
  abstract sendWith(client: LiteClient): Promise<O>;
}
