/**
 * What the Lambda bundles use in place of the SDK clients of KMS, STS, IAM, S3, Organizations and
 * Auto Scaling, and of EC2 for launch templates (../aws-lite.js): the calls amiwarden makes to
 * those services, each a request whose shape is fixed and a response read for a few fields, sent
 * with the SDK's own signer (@smithy/signature-v4), HTTP handler (@smithy/node-http-handler),
 * credential chain and each client's own endpoint rules (S3: ./s3.ts `s3Endpoint`). What it leaves
 * out is the generated client — its schemas, protocol serde, middleware stack and runtime
 * configuration — 25–30 KiB of a bundle per client where a function keeps the SDK for EC2, and
 * 85–166 KiB where it was the last SDK client, since the SDK's core goes with it (BENCHMARKS.md).
 *
 * The interface is the SDK's (`new XClient(settings).send(new XCommand(input))`), so the adapters
 * do not know which one they run with; the CLI, the sandbox and the tests run the SDK.
 * test/conformance/aws-lite.test.ts sends every operation through both on the emulator and
 * compares what the adapters read, and their errors; test/unit/bundling/aws-lite.test.ts checks
 * signing, retries and error names against a local server, and aws-lite-s3-endpoint.test.ts the
 * S3 endpoints against the SDK's rules in every partition.
 *
 * Kept from the SDK's behaviour: signing (SigV4, with the session token), the endpoint rules
 * (FIPS, dual-stack and AWS_ENDPOINT_URL[_<SERVICE>] from the environment), the standard retry
 * strategy's decisions and delays (see `retryable`; at most `maxAttempts`), and errors named by
 * their AWS error code with `$metadata.httpStatusCode`. Added: a socket idle timeout, which the
 * SDK leaves off by default. Not kept: clock-skew correction, the retry token bucket,
 * adaptive retry, the SDK's user agent (ours names amiwarden) and invocation ids, request
 * checksums beyond SigV4's payload hash, and S3's redirect to a bucket's Region (amiwarden's
 * bucket is in the Region its functions run in).
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { streamCollector } from '@smithy/core/serde';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, EndpointV2, HttpRequest, HttpResponse } from '@smithy/types';

export type Credentials = AwsCredentialIdentity;

export interface LiteClientConfig {
  region: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  maxAttempts?: number;
  /** Sends the signed request; by default the SDK's NodeHttpHandler, shared by every lite client (tests give their own). */
  requestHandler?: { handle(request: HttpRequest): Promise<{ response: HttpResponse }> };
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

/** A boolean setting as the SDK reads it from the environment: unset, "true" or "false"; anything else is refused. */
function envFlag(name: string): boolean {
  const value = process.env[name];
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`Cannot load env ${name}. Expected "true" or "false", got ${value}.`);
}

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

/**
 * Retries as the SDK's standard strategy makes them: throttling (its codes, HTTP 429) and transient
 * failures (HTTP 500, 502, 503, 504, timeouts, broken or refused connections, DNS), classified by
 * the SDK's own functions; a delay of full jitter over 50 ms × 2^n (1 s × 2^n for throttling), at
 * most 20 s, and no shorter than a Retry-After the service sends (by at most 5 s more).
 */
const retryable = (error: unknown) => typeof error === 'object' && error !== null && (isThrottlingError(error as never) || isTransientError(error as never));
const BASE_DELAY_MS = 50;
const THROTTLING_BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 20_000;

function retryDelay(error: unknown, attempt: number, response?: LiteResponse): number {
  const base = isThrottlingError(error as never) ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
  const delay = Math.floor(Math.random() * Math.min(base * 2 ** (attempt - 1), MAX_DELAY_MS));
  const hint = response ? retryAfterMs(response.headers) : undefined;
  return hint === undefined ? delay : Math.max(delay, Math.min(hint, delay + 5_000));
}

/** `x-amz-retry-after` (milliseconds) or `Retry-After` (seconds, or an HTTP date). */
export function retryAfterMs(headers: Record<string, string>): number | undefined {
  const amz = headers['x-amz-retry-after'];
  if (amz !== undefined && /^\d+$/.test(amz)) return Number(amz);
  const after = headers['retry-after'];
  if (after === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Number(after) * 1000;
  const at = Date.parse(after);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A request whose connection is silent for this long (a half-open keep-alive socket, a stalled
 * answer) is abandoned as a TimeoutError, and retried, before a function's own timeout. Time
 * spent waiting for a free socket does not count (the handler's connection and request timeouts
 * would count it, and the sweep reads many objects at once).
 */
const SOCKET_IDLE_TIMEOUT_MS = 30_000;
/** What CloudTrail records as the caller's user agent. */
const USER_AGENT = `amiwarden (aws-lite) node/${process.versions.node}${process.env.AWS_EXECUTION_ENV ? ` exec-env/${process.env.AWS_EXECUTION_ENV}` : ''}`;

let sharedHandler: NodeHttpHandler | undefined;

export class LiteClient {
  readonly config: { region: string; maxAttempts: number };
  private readonly credentials: () => Promise<Credentials>;
  private readonly handler: NonNullable<LiteClientConfig['requestHandler']> | undefined;
  /** One signer per signing scope, so that its signing-key cache serves every request of the scope. */
  private readonly signers = new Map<string, SignatureV4>();

  constructor(
    private readonly service: ServiceModel,
    config: LiteClientConfig,
  ) {
    if (!config.region) throw new Error(`${service.serviceId}: a region is required`);
    this.config = { region: config.region, maxAttempts: Math.max(1, config.maxAttempts ?? 3) };
    const given = config.credentials;
    this.credentials = typeof given === 'function' ? given : given ? async () => given : defaultProvider();
    this.handler = config.requestHandler;
  }

  /** Sends one request, retrying what is transient; resolves with a 2xx response, or rejects with AwsServiceError. */
  async request(request: LiteRequest, errorOf: (response: LiteResponse) => { code: string; message: string; requestId?: string }): Promise<{ response: LiteResponse; $metadata: ResponseMetadata }> {
    const { unsigned, signer } = this.prepare(request);
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      let failed: LiteResponse | undefined;
      try {
        const response = await this.send(unsigned, signer);
        const requestId = response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id'];
        const $metadata: ResponseMetadata = { httpStatusCode: response.status, attempts: attempt, ...(requestId ? { requestId } : {}) };
        if (response.status < 300) return { response, $metadata };
        const { code, message, requestId: bodyRequestId } = errorOf(response);
        failure = new AwsServiceError(code, message, { ...$metadata, ...(bodyRequestId && !requestId ? { requestId: bodyRequestId } : {}) });
        failed = response;
      } catch (error) {
        failure = error;
      }
      if (attempt >= this.config.maxAttempts || !retryable(failure)) throw failure;
      await new Promise((resolve) => setTimeout(resolve, retryDelay(failure, attempt, failed)));
    }
  }

  /** The request to send, and its signer: resolved once per call, signed again for each attempt. */
  private prepare(request: LiteRequest): { unsigned: HttpRequest; signer: SignatureV4 } {
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
        'user-agent': USER_AGENT,
        ...Object.fromEntries(Object.entries(endpoint.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v.join(',')])),
        ...request.headers,
        ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    };
    const service = scheme?.signingName ?? this.service.signingName;
    const region = scheme?.signingRegion ?? this.config.region;
    let signer = this.signers.get(`${service}/${region}`);
    if (!signer) {
      signer = new SignatureV4({ service, region, credentials: this.credentials, sha256: Sha256, uriEscapePath: this.service.uriEscapePath, applyChecksum: true });
      this.signers.set(`${service}/${region}`, signer);
    }
    return { unsigned, signer };
  }

  private async send(unsigned: HttpRequest, signer: SignatureV4): Promise<LiteResponse> {
    const signed = (await signer.sign(unsigned)) as HttpRequest;
    const handler = this.handler ?? (sharedHandler ??= new NodeHttpHandler({ socketTimeout: SOCKET_IDLE_TIMEOUT_MS }));
    const { response } = await handler.handle(signed as never);
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
}

export abstract class LiteCommand<O> {
  abstract sendWith(client: LiteClient): Promise<O>;
}
