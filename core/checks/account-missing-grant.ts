import { grantName } from '../grants';
import { GRANT_REPAIR_PERMISSIONS } from './grant-issues';
import type { Check } from './types';

/**
 * A new account (the sweep its member stack's CREATE_COMPLETE starts): its default Auto Scaling
 * role has no grant on the Region's organization key and no launcher result of the account fixes
 * it, so it gets the grant before its first launch, in every configured Region. A role that does
 * not exist yet is created first when AMIWARDEN_CREATE_SERVICE_LINKED_ROLE allows. Scheduled and
 * manual sweeps grant only what a group launches (missing-grant).
 */
export const accountMissingGrant: Check<'account'> = {
  id: 'account-missing-grant',
  scope: 'account',
  title: "A new account's Auto Scaling role has no grant on the organization key yet",
  severity: 'high',
  facts: ['account.service-linked-role', 'keys.grants'],
  workflow: 'grant-health',
  fixPermissions: GRANT_REPAIR_PERMISSIONS,
  runs: ['sweep'],
  evaluate(f) {
    const role = f.autoScalingRole;
    if (!role || !role.newAccount || role.grantPresent || role.handled) return null;
    const create = role.exists === false && role.createServiceLinkedRole;
    if (role.exists !== true && !create) return null;
    return {
      id: 'account-missing-grant',
      status: 'remediable',
      severity: 'high',
      resource: role.arn,
      evidence: `${role.arn} has no grant on ${role.keyArn}${create ? ' and does not exist yet' : ''}: the account's first launch from a central AMI would fail`,
      fix: `${create ? 'create the role and ' : ''}create ${grantName(role.arn)} from the member account (grant-health)`,
      repair: { account: f.account, serviceLinkedRoleArn: role.arn, createServiceLinkedRole: create, revokeGrantIds: [] },
    };
  },
};
