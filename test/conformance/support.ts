/** Shared set-up for the conformance suites: one emulator per file, account-scoped SDK config. */
import { clientConfig, type ClientConfig } from '../../emulator/accounts';
import { startEmulator, type Emulator } from '../../emulator/index';

export const CENTRAL = '111111111111';
export const MEMBER = '222222222222';
export const OUTSIDER = '333333333333';
export const REGION = 'us-east-1';

export const slrArn = (account: string, suffix = '') =>
  `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling${suffix ? `_${suffix}` : ''}`;

/** Starts the emulator before the file's tests and stops it after; `get()` returns it. */
export function useEmulator(): { get: () => Emulator; config: (account?: string) => ClientConfig & { maxAttempts: number } } {
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
  }, 30_000);
  afterAll(async () => {
    await emulator?.stop();
  });
  const get = () => {
    if (!emulator) throw new Error('emulator not started');
    return emulator;
  };
  // maxAttempts 1: a test must see exactly what the emulator answered, never a retried success.
  return { get, config: (account = CENTRAL) => ({ ...clientConfig(get(), account, REGION), maxAttempts: 1 }) };
}

/** The rejection of a promise that must fail. */
export async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** Records scaling activities for a group, through the emulator extension's feed (moto records none). */
export async function feedScalingActivities(
  emulator: Emulator,
  at: { account: string; region: string; autoScalingGroupName: string },
  activities: Array<{ StatusCode: string; StatusMessage: string; Description: string; Cause: string }>,
): Promise<number> {
  const response = await fetch(`${emulator.endpoint}/amiwarden/autoscaling/activities`, { method: 'POST', body: JSON.stringify({ ...at, activities }) });
  return response.status;
}
