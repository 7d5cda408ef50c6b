/**
 * The grant that lets a member account's Auto Scaling service-linked role use a central key, made
 * from inside the member account through its amiwarden role. Shared by the launch-failure workflow
 * (one group's role) and re-encrypt-and-share (every target account's roles).
 */
import { IAM } from '../adapters/iam';
import { KMS } from '../adapters/kms';
import type { Config } from '../core/config';
import { InvalidInputError, MemberRoleUnavailableError, TransientAwsError } from '../core/errors';
import { grantCovers, grantRequest, type GrantTarget } from '../core/grants';
import { explainGrantRefusal, type RefusalId } from '../core/checks/grant-refusal';
import { keyPolicyFix } from '../core/key-policy';
import { describe } from '../core/identifiers';
import { isGrantableCallingRole, roleArnParts } from '../core/calling-roles';
import { memberLaunchRole } from '../core/launch-roles';
import type { AwsContext } from './aws-context';

export interface KeyAccessInput {
  account: string;
  region: string;
  serviceLinkedRoleArn: string;
  createServiceLinkedRole: boolean;
  grants: GrantTarget[];
}

export type GrantOutcomeName = 'granted' | 'already-granted' | RefusalId | 'member-role-unavailable' | 'key-not-usable' | 'grantee-missing';

export interface GrantOutcome {
  outcome: GrantOutcomeName;
  serviceLinkedRoleCreated: boolean;
  grants: { keyArn: string; granteePrincipal: string; name: string; grantId: string | null; created: boolean }[];
  finding: string | null;
  fix: string | null;
}

/**
 * Grants `input.serviceLinkedRoleArn` use of each key, from inside its account. The grantee is
 * checked here, once for both workflows (core/launch-roles.ts memberLaunchRole), before any AWS
 * call: anything but one of that account's launch service-linked roles (Auto Scaling, EC2 Spot,
 * Spot Fleet, EC2 Fleet) is refused.
 */
export async function grantAutoScalingKeyAccess(
  input: KeyAccessInput,
  config: Pick<Config, 'organizationId' | 'partition'>,
  aws: AwsContext,
): Promise<GrantOutcome & { outcome: Exclude<GrantOutcomeName, 'grantee-missing'> }> {
  const slr = memberLaunchRole(input.serviceLinkedRoleArn, input.account, config.partition);
  if (!slr) {
    throw new InvalidInputError('serviceLinkedRoleArn', `expected a launch service-linked role (Auto Scaling, EC2 Spot, Spot Fleet, EC2 Fleet) of account ${input.account} in ${config.partition}, got ${describe(input.serviceLinkedRoleArn)}`);
  }
  // Its preparation never finds the grantee missing: a missing service-linked role is created, or KMS says so.
  return grantFromMember(input, slr.arn, config, aws, async (member) => {
    if (!input.createServiceLinkedRole || (await member.iam.roleExists(slr.roleName))) return false;
    await member.iam.createServiceLinkedRole(slr.service, slr.customSuffix);
    return true;
  }) as Promise<GrantOutcome & { outcome: Exclude<GrantOutcomeName, 'grantee-missing'> }>;
}

/**
 * Grants a calling role (Karpenter's controller, an EKS Auto Mode cluster role) use of each key,
 * from inside its account — only a role AMIWARDEN_CALLING_ROLE_GRANTS names, checked here before
 * any AWS call, and only the role IAM names now (GetRole's ARN, re-read right before the grant).
 */
export async function grantCallingRoleKeyAccess(
  input: { account: string; region: string; roleArn: string; grants: GrantTarget[] },
  config: Pick<Config, 'organizationId' | 'partition' | 'callingRoleGrants'>,
  aws: AwsContext,
): Promise<GrantOutcome> {
  if (!isGrantableCallingRole(input.roleArn, input.account, config.callingRoleGrants, config.partition)) {
    throw new InvalidInputError('callingRoleArn', `expected a role of account ${input.account} named in AMIWARDEN_CALLING_ROLE_GRANTS, got ${describe(input.roleArn)}`);
  }
  const name = roleArnParts(input.roleArn)!.name;
  return grantFromMember({ ...input, createServiceLinkedRole: false }, input.roleArn, config, aws, async (member) => {
    const live = await member.iam.roleArn(name);
    return live === input.roleArn ? false : { missing: `IAM in ${input.account} has no role ${input.roleArn} now (${live ? `${name} is ${live}` : 'no such role, or the member role may not read it: CallingRoleNames of the member stack'}): no grant is made` };
  });
}

/** The grants for one principal, created from inside its account after a live re-read of the key's grants. */
async function grantFromMember(
  input: { account: string; region: string; createServiceLinkedRole: boolean; grants: GrantTarget[] },
  principal: string,
  config: Pick<Config, 'organizationId' | 'partition'>,
  aws: AwsContext,
  /** Before any grant: whether it created the service-linked role, or why the grantee is not there. */
  prepare: (member: { iam: ReturnType<typeof IAM>; kms: ReturnType<typeof KMS> }) => Promise<boolean | { missing: string }>,
): Promise<GrantOutcome> {
  const partition = config.partition;
  const other = input.grants.find((g) => g.granteePrincipal !== principal);
  if (other) throw new InvalidInputError('grants.granteePrincipal', `must be ${principal}, got ${describe(other.granteePrincipal)}`);
  const outcome = (name: GrantOutcomeName, rest: Partial<GrantOutcome> = {}): GrantOutcome => ({
    outcome: name,
    serviceLinkedRoleCreated: false,
    grants: [],
    finding: null,
    fix: null,
    ...rest,
  });
  let member: { iam: ReturnType<typeof IAM>; kms: ReturnType<typeof KMS> };
  try {
    member = { iam: await aws.member(IAM, input.account, input.region), kms: await aws.member(KMS, input.account, input.region) };
  } catch (error) {
    if (error instanceof MemberRoleUnavailableError) return outcome('member-role-unavailable', { finding: error.message });
    throw error;
  }

  const prepared = await prepare(member);
  if (typeof prepared === 'object') return outcome('grantee-missing', { finding: prepared.missing });
  const serviceLinkedRoleCreated = prepared;

  const centralKms = aws.central(KMS, input.region);
  const results: GrantOutcome['grants'] = [];
  for (const target of input.grants) {
    const request = grantRequest(target);
    // Re-read live state right before acting: a duplicate event or a parallel execution may have granted already.
    const existing = (await centralKms.listGrants(target.keyArn, target.granteePrincipal)).find((g) => grantCovers(g, target.granteePrincipal));
    if (existing) {
      results.push({ ...target, name: existing.name ?? request.name, grantId: existing.grantId, created: false });
      continue;
    }
    const result = await member.kms.createGrant(request);
    if (result.created) {
      results.push({ ...target, name: request.name, grantId: result.grantId, created: true });
      continue;
    }
    if (result.refusal === 'access-denied') {
      // AWS names the policy type that refused: the key policy, an SCP or RCP, or the member role's own policy.
      const refusal = explainGrantRefusal({ code: result.error.code, message: result.error.message }, undefined, keyPolicyFix(config.organizationId, partition));
      return outcome(refusal.id, {
        serviceLinkedRoleCreated,
        grants: results,
        finding: `Account ${input.account} may not create grants on ${target.keyArn}: ${refusal.evidence}`,
        fix: refusal.fix,
      });
    }
    if (result.refusal === 'key-not-usable') {
      return outcome('key-not-usable', { serviceLinkedRoleCreated, grants: results, finding: `${target.keyArn} cannot take grants now: ${result.error.message}` });
    }
    // A service-linked role created a moment ago may not be visible to KMS yet (IAM is eventually
    // consistent), also on the state machine's retries, which find the role in IAM and so do not
    // create it again: whenever this step made sure the role exists, that answer is worth a retry.
    if (input.createServiceLinkedRole) throw new TransientAwsError('kms:CreateGrant', 'InvalidArnException', { cause: result.error });
    throw result.error;
  }
  const created = results.some((r) => r.created);
  return outcome(created ? 'granted' : 'already-granted', { serviceLinkedRoleCreated, grants: results });
}

