import { grantName } from '../grants';
import { memberLaunchRole } from '../launch-roles';
import { grantee, granteeWords, keysNeedingGrant, launcherResource, where } from './launch';
import type { Check } from './types';

/** The launcher's service-linked role does not exist: created (when configured), then granted. */
export const serviceLinkedRoleMissing: Check<'launcher'> = {
  id: 'service-linked-role-missing',
  scope: 'launcher',
  title: 'The service-linked role that launches does not exist',
  severity: 'high',
  facts: ['launcher', 'launcher.principal', 'images', 'keys', 'keys.grants', 'settings'],
  workflow: 'launch-failure',
  fixPermissions: [
    { as: 'member', actions: ['iam:GetRole', 'iam:CreateServiceLinkedRole', 'kms:CreateGrant'] },
    { as: 'central', actions: ['sts:AssumeRole', 'kms:ListGrants'] },
  ],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    if (f.launcher?.principal?.exists !== false) return null;
    const needing = keysNeedingGrant(f);
    if (needing.length === 0) return null;
    const principal = grantee(f);
    const role = memberLaunchRole(principal, f.account, f.partition);
    const service = role?.service ?? 'autoscaling.amazonaws.com';
    const suffix = role?.customSuffix;
    return {
      id: 'service-linked-role-missing',
      status: f.createServiceLinkedRole ? 'remediable' : 'finding',
      severity: 'high',
      resource: launcherResource(f),
      evidence: `${granteeWords(f)} of ${where(f)} does not exist`,
      fix: f.createServiceLinkedRole
        ? null
        : `Create it (aws iam create-service-linked-role --aws-service-name ${service}${suffix ? ` --custom-suffix ${suffix}` : ''}) or set AMIWARDEN_CREATE_SERVICE_LINKED_ROLE=true; then amiwarden creates the grant.`,
      grantsNeeded: needing.map((k) => ({ keyArn: k.keyArn, granteePrincipal: principal, name: grantName(principal) })),
    };
  },
};
