import { REQUIRED_GRANT_OPERATIONS } from '../../../core/grants';
import { analyzeCreateGrant, recommendedCreateGrantStatement } from '../../../core/key-policy';
import { CROSS_ACCOUNT_POLICY, GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, slrArn } from '../../fixtures/aws';

const call = {
  callerAccount: '111111111111',
  callerArn: 'arn:aws:iam::111111111111:role/amiwarden-member',
  granteePrincipal: slrArn(),
  operations: REQUIRED_GRANT_OPERATIONS,
  organizationId: 'o-a1b2c3d4e5',
};
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('analyzeCreateGrant', () => {
  it('allows the Auto Scaling guide’s cross-account example', () => {
    expect(analyzeCreateGrant(CROSS_ACCOUNT_POLICY, call)).toEqual({ verdict: 'allowed', reasons: [] });
  });

  it('blocks when the only CreateGrant statement requires kms:GrantIsForAWSResource, and says so', () => {
    const analysis = analyzeCreateGrant(GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, call);
    expect(analysis.verdict).toBe('blocked');
    expect(analysis.reasons.join()).toMatch(/Allow attachment of persistent resources.*GrantIsForAWSResource/);
    expect(analysis.fix).toContain('AllowOrganizationAccountsToGrantAutoScaling');
  });

  it('blocks when no statement names the member (the org example without CreateGrant)', () => {
    const orgUseOnly = policy({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
    expect(analyzeCreateGrant(orgUseOnly, call)).toMatchObject({ verdict: 'blocked', reasons: ['no statement allows kms:CreateGrant to account 111111111111'] });
  });

  it('allows amiwarden’s own recommended statement, and only for the member’s own Auto Scaling role', () => {
    const recommended = policy(recommendedCreateGrantStatement('o-a1b2c3d4e5'));
    expect(analyzeCreateGrant(recommended, call).verdict).toBe('allowed');
    expect(analyzeCreateGrant(recommended, { ...call, granteePrincipal: slrArn('222222222222') }).verdict).toBe('blocked');
    expect(analyzeCreateGrant(recommended, { ...call, granteePrincipal: 'arn:aws:iam::111111111111:role/admin' }).verdict).toBe('blocked');
    expect(analyzeCreateGrant(recommended, { ...call, operations: [...REQUIRED_GRANT_OPERATIONS, 'RetireGrant'] }).verdict).toBe('blocked');
    expect(analyzeCreateGrant(recommended, { ...call, organizationId: 'o-zzzzzzzzzz' }).verdict).toBe('blocked');
  });

  it('lets an explicit Deny win', () => {
    const denied = JSON.parse(CROSS_ACCOUNT_POLICY);
    denied.Statement.push({ Sid: 'NoGrants', Effect: 'Deny', Principal: '*', Action: 'kms:Create*', Resource: '*' });
    expect(analyzeCreateGrant(JSON.stringify(denied), call)).toMatchObject({ verdict: 'blocked', reasons: ['statement "NoGrants" denies kms:CreateGrant to 111111111111'] });
  });

  it('says unknown rather than guessing when the policy cannot be read', () => {
    expect(analyzeCreateGrant(undefined, call).verdict).toBe('unknown');
    expect(analyzeCreateGrant('not json', call).verdict).toBe('unknown');
  });
});
