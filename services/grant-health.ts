/**
 * The grant-health repair (the compliance sweep's `grant-health` remediations, one per finding):
 * make sure the current role holds amiwarden's named grant — made from inside the member account by
 * the same code as every other amiwarden grant — and only then, and only under the policy
 * `revoke` (AMIWARDEN_STALE_GRANT_POLICY), revoke the old grants the sweep found, each re-read and
 * re-judged right before. Under the default `keep` no grant is ever revoked.
 */
import type { Config } from '../core/config';
import { InvalidInputError } from '../core/errors';
import { grantCovers } from '../core/grants';
import { accountOfGrant, isDeadGrantee, type StaleGrantPolicy } from '../core/grant-health';
import { describe, isAccountId, parseServiceLinkedRoleArn, requireRegion } from '../core/identifiers';
import { isGrantableCallingRole } from '../core/calling-roles';
import { KMS } from '../adapters/kms';
import { Organizations } from '../adapters/organizations';
import type { AwsContext } from './aws-context';
import { grantAutoScalingKeyAccess, grantCallingRoleKeyAccess, type GrantOutcome } from './key-access';

export interface RepairInput {
  account: string | null;
  region: string;
  /** The role that must hold amiwarden's grant (replacing a dead or incomplete one, or a new account's). */
  serviceLinkedRoleArn: string | null;
  /** A calling role named in AMIWARDEN_CALLING_ROLE_GRANTS that must hold amiwarden's grant (instead of a service-linked role). */
  callingRoleArn: string | null;
  createServiceLinkedRole: boolean;
  /** Grants the sweep found stale; revoked only under the policy `revoke`, each re-judged first. */
  revokeGrantIds: string[];
}

const FIELDS = new Set(['account', 'region', 'serviceLinkedRoleArn', 'callingRoleArn', 'createServiceLinkedRole', 'revokeGrantIds', 'execution']);
const GRANT_ID = /^[0-9A-Za-z]{1,128}$/;

export function parseRepairInput(input: unknown, config: Pick<Config, 'regions' | 'keys' | 'partition' | 'createServiceLinkedRole' | 'centralAccountId' | 'callingRoleGrants'>): RepairInput {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const o = input as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; a grant repair has only ${[...FIELDS].join(', ')}`);
  const region = requireRegion('region', o.region);
  if (!config.regions.includes(region) || !config.keys[region]) throw new InvalidInputError('region', `${region} is not a configured region with an organization key`);
  if (o.account !== undefined && (!isAccountId(o.account) || o.account === config.centralAccountId)) {
    throw new InvalidInputError('account', `expected a member account id, got ${describe(o.account)}`);
  }
  const account = (o.account as string | undefined) ?? null;
  let serviceLinkedRoleArn: string | null = null;
  if (o.serviceLinkedRoleArn !== undefined) {
    const slr = parseServiceLinkedRoleArn(o.serviceLinkedRoleArn);
    if (!slr || slr.account !== account || slr.partition !== config.partition) {
      throw new InvalidInputError('serviceLinkedRoleArn', `expected the Auto Scaling service-linked role of account ${account ?? '(none given)'}, got ${describe(o.serviceLinkedRoleArn)}`);
    }
    serviceLinkedRoleArn = slr.arn;
  }
  let callingRoleArn: string | null = null;
  if (o.callingRoleArn !== undefined) {
    if (serviceLinkedRoleArn !== null) throw new InvalidInputError('callingRoleArn', 'give serviceLinkedRoleArn or callingRoleArn, not both');
    if (typeof o.callingRoleArn !== 'string' || account === null || !isGrantableCallingRole(o.callingRoleArn, account, config.callingRoleGrants, config.partition)) {
      throw new InvalidInputError('callingRoleArn', `expected a role of account ${account ?? '(none given)'} named in AMIWARDEN_CALLING_ROLE_GRANTS, got ${describe(o.callingRoleArn)}`);
    }
    callingRoleArn = o.callingRoleArn;
  }
  if (o.createServiceLinkedRole !== undefined && typeof o.createServiceLinkedRole !== 'boolean') {
    throw new InvalidInputError('createServiceLinkedRole', `expected true or false, got ${describe(o.createServiceLinkedRole)}`);
  }
  const ids: unknown = o.revokeGrantIds ?? [];
  if (!Array.isArray(ids) || ids.length > 20 || ids.some((id) => typeof id !== 'string' || !GRANT_ID.test(id))) {
    throw new InvalidInputError('revokeGrantIds', 'expected at most 20 grant ids');
  }
  if (!serviceLinkedRoleArn && !callingRoleArn && ids.length === 0) throw new InvalidInputError('input', 'nothing to repair: give serviceLinkedRoleArn (or callingRoleArn) and/or revokeGrantIds');
  return {
    account,
    region,
    serviceLinkedRoleArn,
    callingRoleArn,
    createServiceLinkedRole: o.createServiceLinkedRole === true && config.createServiceLinkedRole && serviceLinkedRoleArn !== null,
    revokeGrantIds: [...new Set(ids as string[])],
  };
}

export interface RepairOutcome {
  account: string | null;
  region: string;
  policy: StaleGrantPolicy;
  /** The current role's grant: made, already there, or why not (then nothing was revoked). */
  grant: Pick<GrantOutcome, 'outcome' | 'grants' | 'finding' | 'fix' | 'serviceLinkedRoleCreated'> | null;
  revoked: string[];
  /** Found stale by the sweep, kept: the policy is `keep`, or the replacement was not made. */
  kept: string[];
  /** No longer on the key. */
  gone: string[];
  /** Re-read and found healthy now: not revoked. */
  healthy: { grantId: string; reason: string }[];
}

export async function repairGrants(input: RepairInput, config: Config, aws: AwsContext): Promise<RepairOutcome> {
  const keyArn = config.keys[input.region]!.arn;
  const result: RepairOutcome = { account: input.account, region: input.region, policy: config.staleGrantPolicy, grant: null, revoked: [], kept: [], gone: [], healthy: [] };

  const grantee = input.serviceLinkedRoleArn ?? input.callingRoleArn;
  if (grantee && input.account) {
    // A new grant only for an account amiwarden serves, as Organizations says now.
    if (config.organizationId && !(await aws.central(Organizations, input.region).isActiveMember(input.account))) {
      return { ...result, kept: input.revokeGrantIds, grant: { outcome: 'member-role-unavailable', grants: [], serviceLinkedRoleCreated: false, finding: `${input.account} is not an active account of the organization: no grant is made for it`, fix: null } };
    }
    const grants_ = [{ keyArn, granteePrincipal: grantee }];
    const { outcome, grants, finding, fix, serviceLinkedRoleCreated } = input.serviceLinkedRoleArn
      ? await grantAutoScalingKeyAccess(
          { account: input.account, region: input.region, serviceLinkedRoleArn: input.serviceLinkedRoleArn, createServiceLinkedRole: input.createServiceLinkedRole, grants: grants_ },
          config,
          aws,
        )
      : await grantCallingRoleKeyAccess({ account: input.account, region: input.region, roleArn: grantee, grants: grants_ }, config, aws);
    result.grant = { outcome, grants, finding, fix, serviceLinkedRoleCreated };
    // Never remove an old grant while its replacement is not there.
    if (outcome !== 'granted' && outcome !== 'already-granted') return { ...result, kept: input.revokeGrantIds };
  }

  if (input.revokeGrantIds.length === 0) return result;
  if (config.staleGrantPolicy !== 'revoke') return { ...result, kept: input.revokeGrantIds };

  const kms = aws.central(KMS, input.region);
  const memberships = new Map<string, Promise<boolean>>();
  const activeMember = (account: string) => {
    if (!memberships.has(account)) memberships.set(account, aws.central(Organizations, input.region).isActiveMember(account));
    return memberships.get(account)!;
  };
  for (const grantId of input.revokeGrantIds) {
    // Re-read the grant and judge it again: only what KMS and Organizations say now decides.
    const live = await kms.grant(keyArn, grantId);
    if (!live) {
      result.gone.push(grantId);
      continue;
    }
    const account = accountOfGrant(live);
    const dead = isDeadGrantee(live.granteePrincipal);
    const superseded = !dead && (await kms.listGrants(keyArn, live.granteePrincipal)).some((g) => g.grantId !== grantId && grantCovers(g, live.granteePrincipal));
    const outside = account !== null && account !== config.centralAccountId && !(await activeMember(account));
    if (!dead && !superseded && !outside) {
      result.healthy.push({ grantId, reason: `${live.granteePrincipal} holds no other grant that covers it, and ${account ?? 'its account'} is an active account of the organization` });
      continue;
    }
    if ((await kms.revokeGrant(keyArn, grantId)) === 'revoked') result.revoked.push(grantId);
    else result.gone.push(grantId);
  }
  return result;
}
