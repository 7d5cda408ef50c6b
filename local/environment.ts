/**
 * The Lambda environment, on this machine: the handlers read the same variables they read in AWS,
 * and the SDK reaches the emulator through AWS_ENDPOINT_URL, as the central account.
 */
import { format } from 'node:util';
import { accessKeyFor } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';
import { forgetHandlers } from './workflows';
import { EXTERNAL_ID, MEMBER_ROLE_NAME } from './organization';

/** What amiwarden is configured with, for the organization the emulator holds. */
export interface LocalSettings {
  centralAccount: string;
  keyArns: Record<string, string>;
  /** Share targets: the member accounts (or none). */
  members?: { account: string }[];
  memberRoleName?: string;
  externalId?: string;
  organizationId?: string;
  createServiceLinkedRole?: boolean;
  failureQueueUrl?: string;
  /** The compliance sweep's bucket (S3 is addressed path-style on the emulator). */
  reportBucket?: string;
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
    AMIWARDEN_MEMBER_ROLE_NAME: settings.memberRoleName ?? MEMBER_ROLE_NAME,
    AMIWARDEN_MEMBER_EXTERNAL_ID: settings.externalId ?? EXTERNAL_ID,
    AMIWARDEN_CREATE_SERVICE_LINKED_ROLE: String(settings.createServiceLinkedRole ?? true),
    ...(settings.members ? { AMIWARDEN_SHARE_TARGETS: settings.members.map((m) => m.account).join(',') } : {}),
    ...(settings.organizationId ? { AMIWARDEN_ORGANIZATION_ID: settings.organizationId } : {}),
    ...(settings.failureQueueUrl ? { AMIWARDEN_FAILURE_QUEUE_URL: settings.failureQueueUrl } : {}),
    ...(settings.reportBucket ? { AMIWARDEN_REPORT_BUCKET: settings.reportBucket, AWS_S3_FORCE_PATH_STYLE: 'true' } : {}),
  };
}

/**
 * Sets the environment for the handlers, and makes their next invocation a cold start (they read
 * it once, at cold start): a handler loaded before would keep the configuration, the endpoint and
 * the member sessions of the last environment.
 */
export function applyEnvironment(env: Record<string, string>): void {
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, env);
  forgetHandlers();
}

/**
 * The handlers' logs and metrics when the local tools run them: silent unless `verbose`, and then
 * on stderr, so that stdout stays the tool's own (one JSON object with --json). Powertools writes
 * through the process's console in its dev mode (POWERTOOLS_DEV, which also indents each line);
 * its DEBUG and INFO lines, which would go to stdout, are sent to stderr here. The metrics
 * (embedded metric format, for CloudWatch) are not written locally.
 */
export function handlerLogging(verbose: boolean): void {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  if (!verbose) {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    return;
  }
  delete process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_DEV = 'true';
  const toStderr = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);
  console.info = toStderr;
  console.debug = toStderr;
}
