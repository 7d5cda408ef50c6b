/**
 * How services reach AWS, the one way they do: `central(adapter, region)` as the central account,
 * `member(adapter, account, region)` through the member role assumed in a member account. An
 * adapter is named by its factory (adapters/<service>.ts exports one per AWS service); one client
 * per adapter, account and region for the life of a warm Lambda.
 */
import { clientSettings, type ClientSettings } from '../adapters/aws';
import { MemberSessions } from '../adapters/sts';
import type { Config } from '../core/config';

/** Makes an adapter from client settings; adapters/*.ts export one per AWS service. */
export type AdapterFactory<T> = (settings: ClientSettings) => T;

export interface AwsContext {
  /** An adapter as the central account (one per factory and region). */
  central<T>(adapter: AdapterFactory<T>, region: string): T;
  /**
   * An adapter through the member role (one per factory, account and region). Throws
   * MemberRoleUnavailableError when the role cannot be assumed, before any other call.
   */
  member<T>(adapter: AdapterFactory<T>, account: string, region: string): Promise<T>;
  memberRoleArn(account: string): string;
}

export function awsContext(config: Config, sessionName: string, sessions: MemberSessions = new MemberSessions(config, sessionName)): AwsContext {
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
      await sessions.credentials(account, region); // an unavailable role is known before any other call
      // The clients ask the session cache for credentials, which re-assumes the role before they expire.
      return cached(factory, `${account}/${region}`, () => factory({ ...clientSettings(region), credentials: () => sessions.credentials(account, region) }));
    },
    memberRoleArn: (account) => sessions.roleArn(account),
  };
}
