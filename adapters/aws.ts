/**
 * What every adapter shares: client settings, and the translation of SDK exceptions into domain
 * errors. Throttling and passing server faults become TransientAwsError (the state machine retries
 * them with backoff and jitter); everything else becomes AwsCallError carrying the AWS error code,
 * for the caller to turn into an expected outcome or let fail.
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsCallError, TransientAwsError } from '../core/errors';

export type Credentials = AwsCredentialIdentity;

export interface ClientSettings {
  region: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  maxAttempts: number;
}

/** The SDK retries throttling itself a few times first; what still fails goes to the state machine. */
export const SDK_MAX_ATTEMPTS = 3;

export function clientSettings(region: string, credentials?: Credentials): ClientSettings {
  return { region, maxAttempts: SDK_MAX_ATTEMPTS, ...(credentials ? { credentials } : {}) };
}

const TRANSIENT_CODES = new Set([
  'RequestLimitExceeded', // EC2
  'ThrottlingException', // KMS, most JSON services
  'Throttling', // STS, Auto Scaling, IAM
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'KMSInternalException',
  'DependencyTimeoutException',
]);

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function errorCode(error: unknown): string {
  const e = error as SdkError;
  return e?.Code ?? e?.name ?? 'UnknownError';
}

export function isTransient(error: unknown): boolean {
  const e = error as SdkError;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return TRANSIENT_CODES.has(errorCode(error)) || status >= 500 || Boolean(e?.$retryable);
}

/** Runs one AWS call and translates its failure. `operation` names it in errors and logs, e.g. `kms:CreateGrant`. */
export async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translate(operation, error);
  }
}

export function translate(operation: string, error: unknown): Error {
  if (error instanceof TransientAwsError || error instanceof AwsCallError) return error;
  const code = errorCode(error);
  if (isTransient(error)) return new TransientAwsError(operation, code, { cause: error });
  const message = (error as SdkError)?.message ?? String(error);
  return new AwsCallError(operation, code, message, { cause: error });
}

export function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof AwsCallError && codes.includes(error.code);
}

export const ACCESS_DENIED_CODES = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError'];
