import { grantName } from '../grants';
import { GRANT_REPAIR_PERMISSIONS } from './grant-issues';
import type { Check } from './types';

/**
 * The account's default Auto Scaling role has no grant on the organization key and no launcher
 * result of the account fixes it: the grant before the account's first launch (a new account, or
 * one whose groups do not launch a central image yet). For a new account whose role does not exist
 * yet, the repair creates it first when AMIWARDEN_CREATE_SERVICE_LINKED_ROLE allows.
 */
export const accountMissingGrant: Check<'account'> = {
  id: 'account-missing-grant',
  scope: 'account',
  title: "The account's Auto Scaling role has no grant on the organization key yet",
  severity: 'high',
  facts: ['account.service-linked-role', 'keys.grants'],
  workflow: 'grant-health',
  fixPermissions: GRANT_REPAIR_PERMISSIONS,
  runs: ['sweep'],
  evaluate(f) {
    const role = f.autoScalingRole;
    if (!role || role.grantPresent || role.handled) return null;
    const create = role.exists === false && role.newAccount && role.createServiceLinkedRole;
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
