import type { Check } from './types';

/** amiwarden cannot assume its member role: nothing else in the account can be checked. */
export const memberRoleUnavailable: Check<'launcher'> = {
  id: 'member-role-unavailable',
  scope: 'launcher',
  title: 'amiwarden cannot assume its role in the member account',
  severity: 'high',
  facts: ['member.role'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    if (f.memberRole.available) return null;
    return {
      id: 'member-role-unavailable',
      status: 'finding',
      severity: 'high',
      resource: `arn:${f.partition}:iam::${f.account}:role`,
      evidence: `amiwarden cannot act in account ${f.account}: ${f.memberRole.detail}`,
      fix: 'Deploy the amiwarden member stack (member/member-account.yml) to this account, or check that its role trusts the central account and external id.',
    };
  },
};
