/**
 * The Lambda environment, on this machine: the handlers read the same variables they read in AWS,
 * and the SDK reaches the emulator through AWS_ENDPOINT_URL, as the central account.
 */
import { accessKeyFor } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';

export interface LocalSettings {
  centralAccount: string;
  keyArns: Record<string, string>;
  memberRoleName: string;
  externalId: string;
  organizationId?: string;
  createServiceLinkedRole: boolean;
  failureQueueUrl?: string;
}

export function lambdaEnvironment(emulator: Pick<Emulator, 'endpoint'>, settings: LocalSettings): Record<string, string> {
  const regions = Object.keys(settings.keyArns);
  return {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_ACCESS_KEY_ID: accessKeyFor(settings.centralAccount),
    AWS_SECRET_ACCESS_KEY: 'amiwarden-emulator',
    AWS_REGION: regions[0] ?? 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AMIWARDEN_CENTRAL_ACCOUNT_ID: settings.centralAccount,
    AMIWARDEN_KMS_KEY_ARNS: Object.entries(settings.keyArns)
      .map(([region, arn]) => `${region}=${arn}`)
      .join(','),
    AMIWARDEN_REGIONS: regions.join(','),
    AMIWARDEN_MEMBER_ROLE_NAME: settings.memberRoleName,
    AMIWARDEN_MEMBER_EXTERNAL_ID: settings.externalId,
    AMIWARDEN_CREATE_SERVICE_LINKED_ROLE: String(settings.createServiceLinkedRole),
    ...(settings.organizationId ? { AMIWARDEN_ORGANIZATION_ID: settings.organizationId } : {}),
    ...(settings.failureQueueUrl ? { AMIWARDEN_FAILURE_QUEUE_URL: settings.failureQueueUrl } : {}),
  };
}

/** Sets the environment for handlers loaded after this call (they read it once, at cold start). */
export function applyEnvironment(env: Record<string, string>): void {
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, env);
}
