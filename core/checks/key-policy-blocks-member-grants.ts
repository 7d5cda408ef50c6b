import type { Check } from './types';

/** The organization key's policy, read for a sample member, does not let members create the Auto Scaling grant. */
export const keyPolicyBlocksMemberGrants: Check<'central-key'> = {
  id: 'key-policy-blocks-member-grants',
  scope: 'central-key',
  title: "The organization key's policy does not let member accounts create grants",
  severity: 'high',
  facts: ['keys.policy'],
  workflow: null,
  fixPermissions: [],
  runs: ['sweep'],
  evaluate(f) {
    if (f.policy?.verdict !== 'blocked') return null;
    return {
      id: 'key-policy-blocks-member-grants',
      status: 'finding',
      severity: 'high',
      resource: f.keyArn,
      evidence: f.policy.reasons.join('; '),
      fix: f.policy.fix ?? 'allow members kms:CreateGrant for their Auto Scaling role',
    };
  },
};
