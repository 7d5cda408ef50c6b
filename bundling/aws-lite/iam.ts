/** IAM in the Lambda bundles (./client.ts): the Auto Scaling service-linked role, read and created. */
import { defaultEndpointResolver } from '@aws-sdk/client-iam/dist-es/endpoint/endpointResolver';
import { LiteServiceClient, type LiteClientConfig } from './client';
import { QueryCommand } from './query';
import { child, fields, xmlDate, type XmlElement } from './xml';

const IAM = { serviceId: 'IAM', signingName: 'iam', endpoint: defaultEndpointResolver, uriEscapePath: true };

export class IAMClient extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(IAM, config);
  }
}

export interface Role {
  Path?: string;
  RoleName?: string;
  RoleId?: string;
  Arn?: string;
  CreateDate?: Date;
  Description?: string;
}

/** The role's identity; its policies, tags and last use are not read. */
function role(result: XmlElement | undefined): { Role?: Role } {
  const xml = child(result, 'Role');
  if (!xml) return {};
  const r = fields(xml, ['Path', 'RoleName', 'RoleId', 'Arn', 'CreateDate', 'Description'] as const);
  return { Role: { ...r, ...(r.CreateDate ? { CreateDate: xmlDate(r.CreateDate) } : {}) } as Role };
}

export class GetRoleCommand extends QueryCommand<Record<string, unknown>, { Role?: Role }> {
  protected readonly action = 'GetRole';
  protected readonly version = '2010-05-08';
  protected shape(result: XmlElement | undefined) {
    return role(result);
  }
}

export class CreateServiceLinkedRoleCommand extends QueryCommand<Record<string, unknown>, { Role?: Role }> {
  protected readonly action = 'CreateServiceLinkedRole';
  protected readonly version = '2010-05-08';
  protected shape(result: XmlElement | undefined) {
    return role(result);
  }
}
