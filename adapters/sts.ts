/**
 * Sessions in member accounts: amiwarden acts there only through one fixed-name role that trusts
 * the central account. AccessDenied on AssumeRole is a named outcome (the role is missing or not
 * trusted), not a crash. Credentials are cached for the life of a warm Lambda.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../core/config';
import { MemberRoleUnavailableError } from '../core/errors';
import { memberRoleArn } from '../core/identifiers';
import { ACCESS_DENIED_CODES, call, clientSettings, hasCode, type Credentials } from './aws';

const SESSION_SECONDS = 900;
const REFRESH_MARGIN_MS = 60_000;

export class MemberSessions {
  private readonly cache = new Map<string, Promise<Credentials>>();

  constructor(
    private readonly config: Pick<Config, 'partition' | 'memberRoleName' | 'memberExternalId'>,
    private readonly sessionName: string,
    private readonly sts: (region: string) => STSClient = stsClientPerRegion(),
  ) {}

  roleArn(account: string): string {
    return memberRoleArn(this.config.partition, account, this.config.memberRoleName);
  }

  /** Credentials for the member role in `account`, assumed through STS in `region`. */
  credentials(account: string, region: string): Promise<Credentials> {
    const key = `${account}/${region}`;
    const cached = this.cache.get(key);
    if (cached) return cached.then((creds) => (fresh(creds) ? creds : this.refresh(key, account, region)));
    return this.refresh(key, account, region);
  }

  private refresh(key: string, account: string, region: string): Promise<Credentials> {
    const pending = this.assume(account, region);
    this.cache.set(key, pending);
    pending.catch(() => this.cache.delete(key));
    return pending;
  }

  private async assume(account: string, region: string): Promise<Credentials> {
    const roleArn = this.roleArn(account);
    try {
      const out = await call('sts:AssumeRole', () =>
        this.sts(region).send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: this.sessionName,
            DurationSeconds: SESSION_SECONDS,
            ...(this.config.memberExternalId ? { ExternalId: this.config.memberExternalId } : {}),
          }),
        ),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new MemberRoleUnavailableError(account, roleArn, 'NoCredentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
      };
    } catch (error) {
      if (hasCode(error, ...ACCESS_DENIED_CODES, 'InvalidClientTokenId', 'RegionDisabledException', 'ExpiredToken')) {
        throw new MemberRoleUnavailableError(account, roleArn, (error as { code: string }).code, { cause: error });
      }
      throw error;
    }
  }
}

function fresh(creds: Credentials): boolean {
  return !creds.expiration || creds.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS;
}

/** For functions that act in member accounts: their sessions. */

/** One STS client per region for the life of the Lambda, not one per AssumeRole. */
function stsClientPerRegion(): (region: string) => STSClient {
  const clients = new Map<string, STSClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = new STSClient(clientSettings(region))));
    return client;
  };
}
