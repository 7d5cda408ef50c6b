/**
 * How services reach AWS, the one way they do: `central(adapter, region)` as the central account,
 * `member(adapter, account, region)` through the member role assumed in a member account. An
 * adapter is named by its factory (adapters/<service>.ts exports one per AWS service); one client
 * per adapter, account and region for the life of a warm Lambda.
 *
 * Member access comes from the member sessions (adapters/sts.ts: STS, and Organizations' check
 * before each AssumeRole), which only the functions that act in member accounts are given
 * (functions/common/runtime.ts): a function that never does bundles neither client.
 */
import { clientSettings, type ClientSettings, type Credentials } from '../adapters/aws';
import type { Config } from '../core/config';
import { memberRoleArn } from '../core/identifiers';

/** Makes an adapter from client settings; adapters/*.ts export one per AWS service. */
export type AdapterFactory<T> = (settings: ClientSettings) => T;

/** Credentials of the member role in an account (adapters/sts.ts: MemberSessions). */
export interface MemberAccess {
  /** One session per account, valid in every Region; `region`: the Region the caller works in (STS is asked there if the account has no session yet). */
  credentials(account: string, region: string): Promise<Credentials>;
}

export interface AwsContext {
  /** An adapter as the central account (one per factory and region). */
  central<T>(adapter: AdapterFactory<T>, region: string): T;
  /**
   * An adapter through the member role (one per factory, account and region). Throws
   * MemberRoleUnavailableError when the role cannot be assumed, before any other call; throws
   * MemberAccessNotGivenError in a function that was given no member access.
   */
  member<T>(adapter: AdapterFactory<T>, account: string, region: string): Promise<T>;
  memberRoleArn(account: string): string;
}

/** A function that acts only as the central account asked for a member account: a defect of its wiring, never of its input. */
export class MemberAccessNotGivenError extends Error {
  override readonly name = 'MemberAccessNotGivenError';
  constructor(readonly account: string) {
    super(`this function acts only as the central account and was given no member access (asked for account ${account})`);
  }
}

export function awsContext(config: Pick<Config, 'partition' | 'memberRoleName'>, members?: MemberAccess): AwsContext {
  const adapters = new Map<unknown, Map<string, unknown>>();
  const cached = <T>(factory: AdapterFactory<T>, key: string, make: () => T): T => {
    let byKey = adapters.get(factory);
    if (!byKey) adapters.set(factory, (byKey = new Map()));
    if (!byKey.has(key)) byKey.set(key, make());
    return byKey.get(key) as T;
  };
  return {
    central: (factory, region) => cached(factory, `central/${region}`, () => factory(clientSettings(region))),
    async member(factory, account, region) {
      if (!members) throw new MemberAccessNotGivenError(account);
      await members.credentials(account, region); // an unavailable role is known before any other call
      // The clients (regional: one per account and Region) ask the session cache for credentials, one
      // session per account, which re-assumes the role before it expires.
      return cached(factory, `${account}/${region}`, () => factory({ ...clientSettings(region), credentials: () => members.credentials(account, region) }));
    },
    memberRoleArn: (account) => memberRoleArn(config.partition, account, config.memberRoleName),
  };
}
