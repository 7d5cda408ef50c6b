/**
 * SDK client configuration for one account of the emulator's multi-account AWS.
 *
 * `clientConfig` uses static credentials whose access key names the account
 * (AKIA<account>AMIW, resolved by the emulator's identity patch): no network call, and unlike keys
 * from STS AssumeRole they survive `emulator.reset()`, so clients can be built once per suite.
 * The caller is then that account's root (`arn:aws:iam::<account>:root`).
 *
 * `assumedRoleConfig` goes through STS AssumeRole, as the project does against AWS, for tests that
 * need a specific role identity (aws:PrincipalArn, the AccessDenied message). Its keys are forgotten
 * by `reset()`: build those clients after resetting.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Emulator } from './index';

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

export interface ClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function accessKeyFor(account: string): string {
  if (!/^\d{12}$/.test(account)) throw new Error(`not a 12-digit account id: ${account}`);
  return `AKIA${account}AMIW`;
}

export function clientConfig(emulator: Pick<Emulator, 'endpoint'>, account: string = DEFAULT_ACCOUNT, region: string = DEFAULT_REGION): ClientConfig {
  return {
    region,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: accessKeyFor(account), secretAccessKey: 'amiwarden-emulator' },
  };
}

export async function assumedRoleConfig(
  emulator: Pick<Emulator, 'endpoint'>,
  account: string,
  roleName = 'amiwarden-test',
  region: string = DEFAULT_REGION,
): Promise<ClientConfig> {
  const sts = new STSClient(clientConfig(emulator, account, region));
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'amiwarden-test' }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
  return {
    region,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
  };
}
