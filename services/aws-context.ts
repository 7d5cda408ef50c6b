/**
 * Where amiwarden's AWS clients come from: the central account's own credentials, or the member
 * role assumed in a member account. One client per account and region for the life of a warm Lambda.
 *
 * A function is given only the adapter factories it uses (functions/<name>/handler.ts), so that
 * its bundle holds only those SDK clients: cold start grows with every client loaded.
 */
import { clientSettings, type ClientSettings } from '../adapters/aws';
import type { AutoScalingAdapter } from '../adapters/autoscaling';
import type { Ec2Adapter } from '../adapters/ec2';
import type { IamAdapter } from '../adapters/iam';
import type { KmsAdapter } from '../adapters/kms';
import type { LaunchTemplatesAdapter } from '../adapters/launch-templates';
import type { MemberSessions } from '../adapters/sts';
import type { Config } from '../core/config';
import { memberRoleArn } from '../core/identifiers';

export interface CentralAws {
  ec2: Ec2Adapter;
  kms: KmsAdapter;
}

export interface MemberAws {
  roleArn: string;
  autoscaling: AutoScalingAdapter;
  ec2: Ec2Adapter;
  launchTemplates: LaunchTemplatesAdapter;
  iam: IamAdapter;
  kms: KmsAdapter;
}

/** Makes an adapter from client settings; adapters/*.ts export one per adapter. */
export type AdapterFactory<T> = (settings: ClientSettings) => T;

/** The adapters a function may use through `central()` and `member()`. */
export interface AdapterFactories {
  ec2?: AdapterFactory<Ec2Adapter>;
  launchTemplates?: AdapterFactory<LaunchTemplatesAdapter>;
  kms?: AdapterFactory<KmsAdapter>;
  autoscaling?: AdapterFactory<AutoScalingAdapter>;
  iam?: AdapterFactory<IamAdapter>;
  /** Sessions in member accounts (adapters/sts.ts `memberSessions`), for functions that act there. */
  sessions?: (config: Config, sessionName: string) => MemberSessions;
}

export interface AwsContext {
  central(region: string): CentralAws;
  /** Throws MemberRoleUnavailableError when the member role cannot be assumed. */
  member(account: string, region: string): Promise<MemberAws>;
  /** Any adapter, as the central account (one per factory and region). */
  centralAdapter<T>(factory: AdapterFactory<T>, region: string): T;
  /** Any adapter, through the member role (one per factory, account and region). Throws MemberRoleUnavailableError. */
  memberAdapter<T>(factory: AdapterFactory<T>, account: string, region: string): Promise<T>;
  memberRoleArn(account: string): string;
}

export function awsContext(config: Config, sessionName: string, factories: AdapterFactories = {}): AwsContext {
  let memberSessionsCache: MemberSessions | undefined;
  const sessionsOf = (): MemberSessions => (memberSessionsCache ??= given('sessions')(config, sessionName));
  const sessions = {
    credentials: (account: string, region: string) => sessionsOf().credentials(account, region),
    roleArn: (account: string) => memberRoleArn(config.partition, account, config.memberRoleName),
  };
  const adapters = new Map<unknown, Map<string, unknown>>();
  const cached = <T>(factory: AdapterFactory<T>, key: string, make: () => T): T => {
    let byKey = adapters.get(factory);
    if (!byKey) adapters.set(factory, (byKey = new Map()));
    if (!byKey.has(key)) byKey.set(key, make());
    return byKey.get(key) as T;
  };
  const centralAdapter = <T>(factory: AdapterFactory<T>, region: string) => cached(factory, `central/${region}`, () => factory(clientSettings(region)));
  // The clients ask the session cache for credentials, which re-assumes the role before they expire.
  const memberAdapter = <T>(factory: AdapterFactory<T>, account: string, region: string) =>
    cached(factory, `${account}/${region}`, () => factory({ ...clientSettings(region), credentials: () => sessions.credentials(account, region) }));
  const given = <K extends keyof AdapterFactories>(name: K): NonNullable<AdapterFactories[K]> => {
    const factory = factories[name];
    if (!factory) throw new Error(`${sessionName} was not given the ${name} adapter (functions/*/handler.ts passes the ones it uses)`);
    return factory as NonNullable<AdapterFactories[K]>;
  };
  return {
    centralAdapter,
    async memberAdapter(factory, account, region) {
      await sessions.credentials(account, region); // an unavailable role is known before any other call
      return memberAdapter(factory, account, region);
    },
    memberRoleArn: (account) => sessions.roleArn(account),
    central: (region) => ({
      get ec2() {
        return centralAdapter(given('ec2'), region);
      },
      get kms() {
        return centralAdapter(given('kms'), region);
      },
    }),
    async member(account, region) {
      await sessions.credentials(account, region); // an unavailable role is known before any other call
      return {
        roleArn: sessions.roleArn(account),
        get autoscaling() {
          return memberAdapter(given('autoscaling'), account, region);
        },
        get ec2() {
          return memberAdapter(given('ec2'), account, region);
        },
        get launchTemplates() {
          return memberAdapter(given('launchTemplates'), account, region);
        },
        // IAM is global; the region only picks the endpoint.
        get iam() {
          return memberAdapter(given('iam'), account, region);
        },
        get kms() {
          return memberAdapter(given('kms'), account, region);
        },
      };
    },
  };
}
