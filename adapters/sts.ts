/**
 * Sessions in member accounts: amiwarden acts there only through one fixed-name role that trusts
 * the central account, and only in an active account of the configured organization: Organizations
 * itself says so (DescribeAccount) before each AssumeRole, so that a role someone outside the
 * organization made to trust amiwarden is never assumed (IAM's aws:ResourceOrgID on the central
 * roles says the same; this does not rely on it). AccessDenied on AssumeRole, or an account outside
 * the organization, is a named outcome (the role is unavailable), not a crash. Credentials are
 * cached for the life of a warm Lambda.
 *
 * One session per member account, whatever its Regions: "Session tokens from Regional AWS STS
 * endpoints are valid in all AWS Regions" (IAM User Guide, "Manage AWS STS in an AWS Region",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html),
 * opt-in Regions the account has enabled included; only the global endpoint's tokens are limited to
 * the Regions enabled by default, and amiwarden never uses it (one STS client per Region, each on
 * its Regional endpoint). The role is assumed through STS in the Region first asked: a Region
 * amiwarden works in (it has a central key there), so no Region setting is needed, and a function
 * that acts in one Region (every one but the sweep's inspection) calls STS where it already works.
 * The membership check is made once per session too. A refusal is a fact of the account (its role,
 * its membership) and is shared by the Regions that asked at the same time, but is not kept: the next
 * Region asking tries again. One refusal is the Region's own, RegionDisabledException (STS not active
 * in that Region for the account): a Region that was waiting on it asks through its own endpoint.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../core/config';
import { MemberRoleUnavailableError } from '../core/errors';
import { memberRoleArn } from '../core/identifiers';
import { ACCESS_DENIED_CODES, call, clientSettings, hasCode, type Credentials } from './aws';
import { Organizations, type OrganizationsAdapter } from './organizations';

/** Is `account` an active member of the configured organization? (Organizations, from the central account.) */
export type MembershipCheck = (account: string, region: string) => Promise<boolean>;

const SESSION_SECONDS = 900;
const REFRESH_MARGIN_MS = 60_000;

export class MemberSessions {
  /** By account: the session, and the Region whose STS endpoint it was asked through. */
  private readonly cache = new Map<string, { region: string; session: Promise<Credentials> }>();

  constructor(
    private readonly config: Pick<Config, 'partition' | 'memberRoleName' | 'memberExternalId'> & Partial<Pick<Config, 'organizationId'>>,
    private readonly sessionName: string,
    private readonly sts: (region: string) => STSClient = stsClientPerRegion(),
    /** Checked before every AssumeRole when an organization is configured (as in every deployment). */
    private readonly isMember: MembershipCheck = organizationMembership(),
  ) {}

  roleArn(account: string): string {
    return memberRoleArn(this.config.partition, account, this.config.memberRoleName);
  }

  /**
   * Credentials for the member role in `account`, valid in every Region: assumed through STS in
   * `region` when the account has no session yet (or its session is about to expire).
   */
  credentials(account: string, region: string): Promise<Credentials> {
    const cached = this.cache.get(account);
    if (!cached) return this.refresh(account, region);
    return cached.session.then(
      (creds) => {
        if (fresh(creds)) return creds;
        // Several Regions may find the session stale at once: the first renews it, the others wait for that.
        const current = this.cache.get(account);
        return current && current !== cached ? this.credentials(account, region) : this.refresh(account, region);
      },
      (error: unknown) => {
        if (cached.region !== region && error instanceof MemberRoleUnavailableError && error.code === 'RegionDisabledException') return this.credentials(account, region);
        throw error;
      },
    );
  }

  private refresh(account: string, region: string): Promise<Credentials> {
    const entry = { region, session: this.assume(account, region) };
    this.cache.set(account, entry);
    entry.session.catch(() => {
      if (this.cache.get(account) === entry) this.cache.delete(account);
    });
    return entry.session;
  }

  private async assume(account: string, region: string): Promise<Credentials> {
    const roleArn = this.roleArn(account);
    if (this.config.organizationId && !(await this.isMember(account, region))) {
      throw new MemberRoleUnavailableError(account, roleArn, NOT_IN_ORGANIZATION);
    }
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

/** The MemberRoleUnavailableError code for an account that is not an active member of the organization. */
export const NOT_IN_ORGANIZATION = 'NotInOrganization';

/**
 * One Organizations client per region for the life of the Lambda. Only the functions that act in
 * member accounts hold member sessions (functions/common/runtime.ts), and every one of their
 * invocations asks Organizations before its AssumeRole: the client is bundled and loaded with them.
 */
function organizationMembership(): MembershipCheck {
  const adapters = new Map<string, OrganizationsAdapter>();
  return async (account, region) => {
    let adapter = adapters.get(region);
    if (!adapter) adapters.set(region, (adapter = Organizations(clientSettings(region))));
    return adapter.isActiveMember(account);
  };
}

/** One STS client per region for the life of the Lambda, not one per AssumeRole. */
function stsClientPerRegion(): (region: string) => STSClient {
  const clients = new Map<string, STSClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = new STSClient(clientSettings(region))));
    return client;
  };
}
