/**
 * AWS RAM: the resource share through which the central account shares its image pointers with
 * the configured targets (accounts, OUs, the organization).
 */
import {
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
  RAMClient,
} from '@aws-sdk/client-ram';
import { call, type ClientSettings } from './aws';

export interface ShareView {
  arn: string;
  name: string;
  status: string;
}

export class RamAdapter {
  constructor(private readonly client: RAMClient) {}

  /** This account's active share of that name, if any. */
  async findOwnShare(name: string): Promise<ShareView | undefined> {
    let token: string | undefined;
    do {
      const out = await call('ram:GetResourceShares', () =>
        this.client.send(new GetResourceSharesCommand({ resourceOwner: 'SELF', name, resourceShareStatus: 'ACTIVE', ...(token ? { nextToken: token } : {}) })),
      );
      const share = (out.resourceShares ?? []).find((s) => s.name === name && s.status === 'ACTIVE' && s.resourceShareArn);
      if (share) return { arn: share.resourceShareArn!, name, status: share.status! };
      token = out.nextToken;
    } while (token);
    return undefined;
  }

  async createShare(request: { name: string; resourceArns: string[]; principals: string[]; allowExternalPrincipals: boolean; clientToken: string }): Promise<ShareView> {
    const out = await call('ram:CreateResourceShare', () => this.client.send(new CreateResourceShareCommand(request)));
    const share = out.resourceShare;
    if (!share?.resourceShareArn) throw new Error('CreateResourceShare returned no share');
    return { arn: share.resourceShareArn, name: request.name, status: share.status ?? 'ACTIVE' };
  }

  /** What the share holds (RESOURCE: resource ARNs; PRINCIPAL: principals), associated or being associated. */
  async associated(shareArn: string, type: 'RESOURCE' | 'PRINCIPAL'): Promise<string[]> {
    const entities: string[] = [];
    let token: string | undefined;
    do {
      const out = await call('ram:GetResourceShareAssociations', () =>
        this.client.send(new GetResourceShareAssociationsCommand({ associationType: type, resourceShareArns: [shareArn], ...(token ? { nextToken: token } : {}) })),
      );
      for (const a of out.resourceShareAssociations ?? []) {
        if (a.associatedEntity && (a.status === 'ASSOCIATED' || a.status === 'ASSOCIATING')) entities.push(a.associatedEntity);
      }
      token = out.nextToken;
    } while (token);
    return entities;
  }

  async associate(shareArn: string, add: { resourceArns: string[]; principals: string[] }): Promise<void> {
    await call('ram:AssociateResourceShare', () =>
      this.client.send(
        new AssociateResourceShareCommand({
          resourceShareArn: shareArn,
          ...(add.resourceArns.length ? { resourceArns: add.resourceArns } : {}),
          ...(add.principals.length ? { principals: add.principals } : {}),
        }),
      ),
    );
  }
}

export const RAM = (settings: ClientSettings) => new RamAdapter(new RAMClient(settings));
