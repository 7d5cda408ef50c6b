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
/** A key policy whose one statement allows `principal` kms:CreateGrant under `condition`. */
const createGrantUnder = (sid: string, principal: object, condition: object) =>
  policy({ Sid: sid, Effect: 'Allow', Principal: principal, Action: 'kms:CreateGrant', Resource: '*', Condition: condition });
const MEMBER_ROOT = { AWS: 'arn:aws:iam::111111111111:root' };

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
    // Only a grant without a retiring principal, which is what amiwarden asks for.
    expect(recommendedCreateGrantStatement('o-a1b2c3d4e5').Condition).toMatchObject({ Null: { 'kms:RetiringPrincipal': 'true' } });
  });

  it('lets an explicit Deny win', () => {
    const denied = JSON.parse(CROSS_ACCOUNT_POLICY);
    denied.Statement.push({ Sid: 'NoGrants', Effect: 'Deny', Principal: '*', Action: 'kms:Create*', Resource: '*' });
    expect(analyzeCreateGrant(JSON.stringify(denied), call)).toMatchObject({ verdict: 'blocked', reasons: ['statement "NoGrants" denies kms:CreateGrant to 111111111111 (an explicit Deny: no Allow statement lifts it; change that statement)'], deniedBy: 'statement "NoGrants"' });
    expect(analyzeCreateGrant(JSON.stringify(denied), call).fix).toBeUndefined();
  });

  it('recommends a statement for the partition the member is in, which then allows it', () => {
    const cn = { ...call, callerArn: 'arn:aws-cn:iam::111111111111:role/amiwarden-member', granteePrincipal: slrArn().replace('arn:aws:', 'arn:aws-cn:') };
    const statement = recommendedCreateGrantStatement('o-a1b2c3d4e5', 'aws-cn');
    expect(JSON.stringify(statement)).toContain('arn:aws-cn:iam::${aws:PrincipalAccount}:role/aws-service-role/autoscaling.amazonaws.com/');
    expect(analyzeCreateGrant(policy(statement), cn).verdict).toBe('allowed');
    expect(analyzeCreateGrant(GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, cn).fix).toContain('arn:aws-cn:iam::');
    expect(analyzeCreateGrant(GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, call).fix).toContain('"arn:aws:iam::');
  });

  it('holds an …IfExists condition whose key the member’s own CreateGrant call does not carry', () => {
    const viaEc2IfExists = createGrantUnder('GrantsThroughEc2OrDirect', MEMBER_ROOT, { StringEqualsIfExists: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } });
    expect(analyzeCreateGrant(viaEc2IfExists, call)).toEqual({ verdict: 'allowed', reasons: [] });
    expect(analyzeCreateGrant(viaEc2IfExists, { ...call, viaService: 's3.us-east-1.amazonaws.com' }).verdict).toBe('blocked');
  });

  it('says unknown, not blocked, when the only allowing statement rests on a condition key it cannot evaluate', () => {
    const byOrgPath = createGrantUnder('GrantsForOurOu', { AWS: '*' }, { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'] } });
    const analysis = analyzeCreateGrant(byOrgPath, call);
    expect(analysis.verdict).toBe('unknown');
    expect(analysis.reasons.join()).toMatch(/GrantsForOurOu.*aws:PrincipalOrgPaths/);
  });

  it('says unknown when a Deny may apply under a condition it cannot evaluate', () => {
    const denied = JSON.parse(CROSS_ACCOUNT_POLICY);
    denied.Statement.push({ Sid: 'OnlyFromOurNetwork', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } });
    const analysis = analyzeCreateGrant(JSON.stringify(denied), call);
    expect(analysis.verdict).toBe('unknown');
    expect(analysis.reasons.join()).toMatch(/OnlyFromOurNetwork.*aws:SourceIp/);
  });

  it('reads ArnNotEquals / ArnNotLike, and says unknown for an operator it does not evaluate', () => {
    const statement = (condition: object) => createGrantUnder('Grants', MEMBER_ROOT, condition);
    expect(analyzeCreateGrant(statement({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/intern-*' } }), call).verdict).toBe('allowed');
    expect(analyzeCreateGrant(statement({ ArnNotEquals: { 'aws:PrincipalArn': call.callerArn } }), call).verdict).toBe('blocked');
    const numeric = analyzeCreateGrant(statement({ NumericLessThanEquals: { 'kms:GrantOperations': '8' } }), call);
    expect(numeric.verdict).toBe('unknown');
    expect(numeric.reasons.join()).toMatch(/NumericLessThanEquals/);
  });

  it('says unknown rather than guessing when the policy cannot be read', () => {
    expect(analyzeCreateGrant(undefined, call).verdict).toBe('unknown');
    expect(analyzeCreateGrant('not json', call).verdict).toBe('unknown');
  });
});
