/**
 * Where amiwarden's AWS clients come from: the central account's own credentials, or the member
 * role assumed in a member account. One client per account and region for the life of a warm Lambda.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { clientSettings, type ClientSettings, type Credentials } from '../adapters/aws';
import { AutoScalingAdapter } from '../adapters/autoscaling';
import { Ec2Adapter } from '../adapters/ec2';
import { IamAdapter } from '../adapters/iam';
import { KmsAdapter } from '../adapters/kms';
import { MemberSessions } from '../adapters/sts';
import type { Config } from '../core/config';

export interface CentralAws {
  ec2: Ec2Adapter;
  kms: KmsAdapter;
}

export interface MemberAws {
  roleArn: string;
  autoscaling: AutoScalingAdapter;
  ec2: Ec2Adapter;
  iam: IamAdapter;
  kms: KmsAdapter;
}

/** Makes an adapter from client settings; adapters/*.ts export one per adapter. */
export type AdapterFactory<T> = (settings: ClientSettings) => T;

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

export function awsContext(config: Config, sessionName: string): AwsContext {
  const sessions = new MemberSessions(config, sessionName);
  const centrals = new Map<string, CentralAws>();
  const members = new Map<string, Promise<MemberAws>>();
  const adapters = new Map<unknown, Map<string, unknown>>();
  const cached = <T>(factory: AdapterFactory<T>, key: string, make: () => T): T => {
    let byKey = adapters.get(factory);
    if (!byKey) adapters.set(factory, (byKey = new Map()));
    if (!byKey.has(key)) byKey.set(key, make());
    return byKey.get(key) as T;
  };
  return {
    centralAdapter: (factory, region) => cached(factory, `central/${region}`, () => factory(clientSettings(region))),
    async memberAdapter(factory, account, region) {
      const provider = () => sessions.credentials(account, region);
      await provider(); // an unavailable role is known before any other call
      return cached(factory, `${account}/${region}`, () => factory({ ...clientSettings(region), credentials: provider } as ClientSettings));
    },
    memberRoleArn: (account) => sessions.roleArn(account),
    central(region) {
      let c = centrals.get(region);
      if (!c) {
        const settings = clientSettings(region);
        c = { ec2: new Ec2Adapter(new EC2Client(settings)), kms: new KmsAdapter(new KMSClient(settings)) };
        centrals.set(region, c);
      }
      return c;
    },
    member(account, region) {
      const key = `${account}/${region}`;
      let m = members.get(key);
      if (!m) {
        // Assume once now, so that an unavailable role is known before any other call; the clients
        // then ask the session cache, which re-assumes the role before the credentials expire.
        const provider = () => sessions.credentials(account, region);
        m = provider().then(() => memberAws(sessions.roleArn(account), region, provider));
        members.set(key, m);
        m.catch(() => members.delete(key));
      }
      return m;
    },
  };
}

function memberAws(roleArn: string, region: string, credentials: () => Promise<Credentials>): MemberAws {
  const settings = { ...clientSettings(region), credentials };
  return {
    roleArn,
    autoscaling: new AutoScalingAdapter(new AutoScalingClient(settings)),
    ec2: new Ec2Adapter(new EC2Client(settings)),
    // IAM is global; the region only picks the endpoint.
    iam: new IamAdapter(new IAMClient(settings)),
    kms: new KmsAdapter(new KMSClient(settings)),
  };
}
