import { ANY_ORGANIZATION_ACCOUNT, auditKeyPolicy, recommendedKeyPolicyStatements } from '../../../core/key-policy';
import { CENTRAL, CROSS_ACCOUNT_POLICY, GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, MEMBER } from '../../fixtures/aws';

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ORG = 'o-a1b2c3d4e5';

describe('auditKeyPolicy', () => {
  it('finds nothing to fix in the Auto Scaling guide’s cross-account example', () => {
    const audit = auditKeyPolicy(CROSS_ACCOUNT_POLICY, { accounts: [MEMBER], keyAccount: CENTRAL });
    expect(audit).toEqual({ verdict: 'allowed', members: [{ account: MEMBER, verdict: 'allowed', reasons: [] }], findings: [] });
  });

  it('names the kms:GrantIsForAWSResource statement as the blocker and offers both statements', () => {
    const audit = auditKeyPolicy(GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, { accounts: [MEMBER], organizationId: ORG, keyAccount: CENTRAL });
    expect(audit.verdict).toBe('blocked');
    expect(audit.findings).toContainEqual(expect.objectContaining({ code: 'grant-is-for-aws-resource', severity: 'blocker', statement: '"Allow attachment of persistent resources"' }));
    expect(audit.fix).toEqual(recommendedKeyPolicyStatements(ORG));
  });

  it('leaves kms:GrantIsForAWSResource alone on a same-account statement', () => {
    const sameAccount = policy(
      ...JSON.parse(CROSS_ACCOUNT_POLICY).Statement,
      {
        Sid: 'Allow attachment of persistent resources',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${CENTRAL}:role/KeyUser` },
        Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
    );
    const audit = auditKeyPolicy(sameAccount, { accounts: [MEMBER], keyAccount: CENTRAL });
    expect(audit.verdict).toBe('allowed');
    expect(audit.findings.map((f) => f.code)).not.toContain('grant-is-for-aws-resource');
  });

  it('checks a new account of the organization when no account is named', () => {
    const rootsOnly = auditKeyPolicy(CROSS_ACCOUNT_POLICY, { organizationId: ORG });
    expect(rootsOnly.verdict).toBe('blocked');
    expect(rootsOnly.members[0]!.account).toBe(`any account of ${ORG} not named in the policy`);
    expect(ANY_ORGANIZATION_ACCOUNT).toMatch(/^\d{12}$/);

    expect(auditKeyPolicy(policy(...recommendedKeyPolicyStatements(ORG)), { organizationId: ORG }).verdict).toBe('allowed');
  });

  it('flags "AWS": "*" without a principal-scoping condition, but not with aws:PrincipalOrgID', () => {
    const open = auditKeyPolicy(policy({ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }), { accounts: [MEMBER] });
    expect(open.findings).toContainEqual(expect.objectContaining({ code: 'principal-too-broad', severity: 'warning', statement: '"Open"' }));

    const scoped = auditKeyPolicy(policy(...recommendedKeyPolicyStatements(ORG)), { accounts: [MEMBER], organizationId: ORG });
    expect(scoped.findings.map((f) => f.code)).not.toContain('principal-too-broad');
  });

  it('states its one assumption about an organization condition it could not check, and still judges CreateGrant', () => {
    const audit = auditKeyPolicy(policy(...recommendedKeyPolicyStatements(ORG)), { accounts: [MEMBER] });
    expect(audit.verdict).toBe('allowed');
    expect(audit.findings.filter((f) => f.code === 'organization-assumed')).toEqual([
      expect.objectContaining({ severity: 'note', message: expect.stringContaining(`taken to be in ${ORG}, the organization the policy names`) }),
    ]);
  });

  it('blocks a member of another organization', () => {
    const audit = auditKeyPolicy(policy(...recommendedKeyPolicyStatements(ORG)), { accounts: [MEMBER], organizationId: 'o-zzzzzzzzzz' });
    expect(audit.verdict).toBe('blocked');
    expect(audit.findings.map((f) => f.code)).toEqual(['create-grant-blocked', 'key-use-not-allowed']);
  });

  it('accepts amiwarden’s own statements as they are: members use the key through EC2 and create the grant, nothing to warn', () => {
    const audit = auditKeyPolicy(policy(...recommendedKeyPolicyStatements(ORG)), { accounts: [MEMBER], organizationId: ORG });
    expect(audit.verdict).toBe('allowed');
    expect(audit.findings.filter((f) => f.severity !== 'note')).toEqual([]);
  });

  it('says unknown when the policy cannot be read', () => {
    expect(auditKeyPolicy('{not json', { accounts: [MEMBER] })).toMatchObject({ verdict: 'unknown', findings: [{ code: 'policy-unreadable' }] });
    expect(auditKeyPolicy(undefined, { accounts: [MEMBER] }).verdict).toBe('unknown');
  });
});
