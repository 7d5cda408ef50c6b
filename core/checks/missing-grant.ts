import { grantName } from '../grants';
import { grantee, granteeWords, keysNeedingGrant, launcherResource, where } from './launch';
import type { Check } from './types';

/** The launcher's service-linked role has no grant on the organization key: the launch-failure workflow creates it from the member account. */
export const missingGrant: Check<'launcher'> = {
  id: 'missing-grant',
  scope: 'launcher',
  title: 'The principal that launches has no grant on the organization key',
  severity: 'high',
  facts: ['member.role', 'launcher', 'launcher.principal', 'images', 'keys', 'keys.grants'],
  workflow: 'launch-failure',
  fixPermissions: [
    { as: 'member', actions: ['kms:CreateGrant'] },
    { as: 'central', actions: ['sts:AssumeRole', 'kms:ListGrants'] },
  ],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    const needing = keysNeedingGrant(f);
    if (needing.length === 0) return null;
    const principal = grantee(f);
    return {
      id: 'missing-grant',
      status: 'remediable',
      severity: 'high',
      resource: launcherResource(f),
      evidence: `${granteeWords(f)} has no grant on ${needing.map((k) => k.keyArn).join(', ')}: ${where(f)} cannot use the key to launch`,
      fix: null,
      grantsNeeded: needing.map((k) => ({ keyArn: k.keyArn, granteePrincipal: principal, name: grantName(principal) })),
    };
  },
};
