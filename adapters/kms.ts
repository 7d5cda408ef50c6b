/** KMS: what a key is, who holds grants on it, and creating the grant the Auto Scaling role needs. */
import {
  CreateGrantCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  RevokeGrantCommand,
  type GrantListEntry,
  type GrantOperation,
} from '@aws-sdk/client-kms';
import type { GrantDryRun } from '../core/checks/types';
import type { AwsCallError } from '../core/errors';
import { ACCESS_DENIED_CODES, call, hasCode, type ClientSettings } from './aws';

export type KeyManager = 'AWS' | 'CUSTOMER';

export interface KeyView {
  keyArn: string;
  keyManager: KeyManager;
  keyState: string;
  multiRegion: boolean;
}

export interface GrantView {
  grantId: string;
  name?: string;
  granteePrincipal: string;
  operations: string[];
  /** The grant holds only for requests with a given encryption context (Constraints). */
  constrained: boolean;
  /** The account that created the grant (`arn:…:iam::<id>:root`). */
  issuingAccount?: string;
  /** ISO 8601. */
  creationDate?: string;
}

export type KeyLookup = { found: true; key: KeyView } | { found: false; reason: 'not-found' | 'access-denied' };

/**
 * Why KMS refused a CreateGrant: `access-denied` (a key policy, IAM policy, SCP or RCP),
 * `key-not-usable` (disabled, pending deletion or gone), `grantee-not-found` (KMS does not know
 * the grantee principal, e.g. a role created a moment ago).
 */
export type GrantRefusal = 'access-denied' | 'key-not-usable' | 'grantee-not-found';

export type CreateGrantResult = { created: true; grantId: string } | { created: false; refusal: GrantRefusal; error: AwsCallError };

type GrantRequest = { keyArn: string; granteePrincipal: string; operations: readonly string[]; name: string };

/** The one CreateGrant request amiwarden sends, for real or as KMS's DryRun. */
const createGrantInput = (request: GrantRequest, dryRun: boolean) => ({
  KeyId: request.keyArn,
  GranteePrincipal: request.granteePrincipal,
  Operations: [...request.operations] as GrantOperation[],
  Name: request.name,
  ...(dryRun ? { DryRun: true } : {}),
});

export class KmsAdapter {
  constructor(private readonly client: KMSClient) {}

  async describeKey(keyId: string): Promise<KeyLookup> {
    try {
      const out = await call('kms:DescribeKey', () => this.client.send(new DescribeKeyCommand({ KeyId: keyId })));
      const meta = out.KeyMetadata;
      return {
        found: true,
        key: {
          keyArn: meta?.Arn ?? keyId,
          keyManager: meta?.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
          keyState: meta?.KeyState ?? 'Unknown',
          multiRegion: meta?.MultiRegion === true,
        },
      };
    } catch (error) {
      if (hasCode(error, 'NotFoundException')) return { found: false, reason: 'not-found' };
      if (hasCode(error, ...ACCESS_DENIED_CODES)) return { found: false, reason: 'access-denied' };
      throw error;
    }
  }

  /** Grants on a key for one grantee (all pages). */
  async listGrants(keyArn: string, granteePrincipal?: string): Promise<GrantView[]> {
    const grants: GrantView[] = [];
    let marker: string | undefined;
    do {
      const out = await call('kms:ListGrants', () =>
        this.client.send(
          new ListGrantsCommand({
            KeyId: keyArn,
            Limit: 100,
            ...(granteePrincipal ? { GranteePrincipal: granteePrincipal } : {}),
            ...(marker ? { Marker: marker } : {}),
          }),
        ),
      );
      grants.push(...(out.Grants ?? []).map(toGrantView));
      marker = out.Truncated ? out.NextMarker : undefined;
    } while (marker);
    // The filter is applied here too, so that a grant for someone else can never count as ours.
    return granteePrincipal ? grants.filter((g) => g.granteePrincipal === granteePrincipal) : grants;
  }

  /**
   * Creates a grant. With the same Name and parameters AWS returns the original grant (no
   * duplicate). KMS's refusals come back as a `refusal`; anything else throws.
   */
  async createGrant(request: GrantRequest): Promise<CreateGrantResult> {
    try {
      const out = await call('kms:CreateGrant', () =>
        this.client.send(new CreateGrantCommand(createGrantInput(request, false))),
      );
      return { created: true, grantId: out.GrantId ?? '' };
    } catch (error) {
      const refusal: GrantRefusal | undefined = hasCode(error, ...ACCESS_DENIED_CODES)
        ? 'access-denied'
        : hasCode(error, 'DisabledException', 'KMSInvalidStateException', 'NotFoundException')
          ? 'key-not-usable'
          : hasCode(error, 'InvalidArnException')
            ? 'grantee-not-found'
            : undefined;
      if (!refusal) throw error;
      return { created: false, refusal, error: error as AwsCallError };
    }
  }

  /**
   * KMS's own answer to "would this CreateGrant succeed?": DryRun evaluates the key policy, the
   * caller's IAM policies, SCPs and RCPs, and answers DryRunOperationException when it would.
   * undefined when KMS answers something else (the key or grantee is not usable: the real call says so).
   */
  async dryRunCreateGrant(request: GrantRequest): Promise<GrantDryRun | undefined> {
    try {
      await call('kms:CreateGrant', () =>
        this.client.send(new CreateGrantCommand(createGrantInput(request, true))),
      );
      // A KMS that ignored DryRun has created the grant: never report that as a dry run.
      throw new Error('kms:CreateGrant with DryRun returned a grant instead of DryRunOperationException');
    } catch (error) {
      if (hasCode(error, 'DryRunOperationException')) return { outcome: 'would-succeed' };
      if (hasCode(error, ...ACCESS_DENIED_CODES)) return { outcome: 'refused', code: (error as AwsCallError).code, message: (error as Error).message };
      if (hasCode(error, 'InvalidArnException', 'NotFoundException', 'DisabledException', 'KMSInvalidStateException')) return undefined;
      throw error;
    }
  }

  /** Revokes a grant (the key's own account, or a principal the key policy allows kms:RevokeGrant). */
  async revokeGrant(keyArn: string, grantId: string): Promise<'revoked' | 'not-found'> {
    try {
      await call('kms:RevokeGrant', () => this.client.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: grantId })));
      return 'revoked';
    } catch (error) {
      if (hasCode(error, 'NotFoundException')) return 'not-found';
      throw error;
    }
  }

  /** One grant by id, as ListGrants shows it now (undefined once it is gone). */
  async grant(keyArn: string, grantId: string): Promise<GrantView | undefined> {
    try {
      const out = await call('kms:ListGrants', () => this.client.send(new ListGrantsCommand({ KeyId: keyArn, GrantId: grantId })));
      return (out.Grants ?? []).map(toGrantView).find((g) => g.grantId === grantId);
    } catch (error) {
      if (hasCode(error, 'NotFoundException')) return undefined;
      throw error;
    }
  }

  /** The key policy document, or undefined when this principal may not read it. */
  async keyPolicy(keyArn: string): Promise<string | undefined> {
    try {
      const out = await call('kms:GetKeyPolicy', () => this.client.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' })));
      return out.Policy;
    } catch (error) {
      if (hasCode(error, ...ACCESS_DENIED_CODES, 'NotFoundException')) return undefined;
      throw error;
    }
  }
}

export function toGrantView(grant: GrantListEntry): GrantView {
  return {
    grantId: grant.GrantId ?? '',
    ...(grant.Name ? { name: grant.Name } : {}),
    granteePrincipal: grant.GranteePrincipal ?? '',
    operations: [...(grant.Operations ?? [])],
    constrained: Object.keys(grant.Constraints?.EncryptionContextSubset ?? {}).length + Object.keys(grant.Constraints?.EncryptionContextEquals ?? {}).length > 0,
    ...(grant.IssuingAccount ? { issuingAccount: grant.IssuingAccount } : {}),
    ...(grant.CreationDate ? { creationDate: new Date(grant.CreationDate).toISOString() } : {}),
  };
}

export const KMS = (settings: ClientSettings) => new KmsAdapter(new KMSClient(settings));
