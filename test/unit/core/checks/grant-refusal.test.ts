import { explainGrantRefusal } from '../../../../core/checks/grant-refusal';

const denied = (context: string) =>
  `User: arn:aws:sts::111111111111:assumed-role/amiwarden-member/amiwarden-grant-key-access is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 ${context}`;
const BLOCKED = { verdict: 'blocked' as const, reasons: ['no statement lets account 111111111111 call kms:CreateGrant'], fix: 'merge this statement' };
const ALLOWED = { verdict: 'allowed' as const, reasons: [] };

describe('explainGrantRefusal', () => {
  it.each([
    ['an explicit deny in a service control policy', 'with an explicit deny in a service control policy', ALLOWED, 'organization-policy-blocks-grant', /service control policy/],
    ['an SCP named by its ARN', 'with an explicit deny in a service control policy: arn:aws:organizations::999999999999:policy/o-a1b2c3d4e5/service_control_policy/p-2kgnabcd', ALLOWED, 'organization-policy-blocks-grant', /p-2kgnabcd/],
    ['an explicit deny in a resource control policy', 'with an explicit deny in a resource control policy', ALLOWED, 'organization-policy-blocks-grant', /resource control policy/],
    ['no identity-based policy allowing it', 'because no identity-based policy allows the kms:CreateGrant action', ALLOWED, 'member-policy-blocks-grant', /member/],
    ['an explicit deny in an identity-based policy', 'with an explicit deny in an identity-based policy', ALLOWED, 'member-policy-blocks-grant', /identity-based/],
    ['a permissions boundary', 'because no permissions boundary allows the kms:CreateGrant action', ALLOWED, 'member-policy-blocks-grant', /permissions boundary/],
    ['no resource-based policy allowing it', 'because no resource-based policy allows the kms:CreateGrant action', ALLOWED, 'key-policy-blocks-grant', /key policy/],
    ['an unspecific refusal when the key policy reads as blocked', '', BLOCKED, 'key-policy-blocks-grant', /merge this statement/],
    ['an unspecific refusal when the key policy reads as allowed', '', ALLOWED, 'grant-refused', /service control|resource control|IAM/],
  ])('tells %s apart', (_label, context, policy, id, fix) => {
    const refusal = explainGrantRefusal({ code: 'AccessDeniedException', message: denied(context) }, policy);
    expect(refusal.id).toBe(id);
    expect(`${refusal.evidence} ${refusal.fix}`).toMatch(fix);
    expect(refusal.evidence).toContain('kms:CreateGrant');
  });

  it('says the key policy when AWS names no policy type and the key policy could not be read', () => {
    expect(explainGrantRefusal({ code: 'AccessDeniedException', message: denied('') }, undefined).id).toBe('grant-refused');
  });
});
