/** STS in the Lambda bundles (./client.ts): AssumeRole, the one call amiwarden makes. */
import { defaultEndpointResolver } from '@aws-sdk/client-sts/dist-es/endpoint/endpointResolver';
import { LiteServiceClient, type LiteClientConfig } from './client';
import { QueryCommand } from './query';
import { child, fields, value, xmlDate, type XmlElement } from './xml';

const STS = { serviceId: 'STS', signingName: 'sts', endpoint: defaultEndpointResolver, uriEscapePath: true };

export class STSClient extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(STS, config);
  }
}

export interface AssumeRoleOutput {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
  AssumedRoleUser?: { AssumedRoleId?: string; Arn?: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

export class AssumeRoleCommand extends QueryCommand<Record<string, unknown>, AssumeRoleOutput> {
  protected readonly action = 'AssumeRole';
  protected readonly version = '2011-06-15';
  protected shape(result: XmlElement | undefined): AssumeRoleOutput {
    const credentials = child(result, 'Credentials');
    const user = child(result, 'AssumedRoleUser');
    const packed = value(result, 'PackedPolicySize');
    const source = value(result, 'SourceIdentity');
    const c = credentials && fields(credentials, ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'] as const);
    return {
      ...(c ? { Credentials: { ...c, ...(c.Expiration ? { Expiration: xmlDate(c.Expiration) } : {}) } as AssumeRoleOutput['Credentials'] } : {}),
      ...(user ? { AssumedRoleUser: fields(user, ['AssumedRoleId', 'Arn'] as const) } : {}),
      ...(packed !== undefined ? { PackedPolicySize: Number(packed) } : {}),
      ...(source !== undefined ? { SourceIdentity: source } : {}),
    };
  }
}
