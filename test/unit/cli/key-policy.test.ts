import { GetKeyPolicyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCli } from '../../../cli/main';
import { CMK_ARN, CROSS_ACCOUNT_POLICY, GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, MEMBER } from '../../fixtures/aws';
import { testContext } from './support';

const kms = mockClient(KMSClient);
beforeEach(() => kms.reset());

/** The key-use statement of the Auto Scaling guide, for the member, with the trap CreateGrant statement. */
const TRAP_WITH_USE = JSON.stringify({
  ...JSON.parse(GRANT_FOR_AWS_RESOURCE_ONLY_POLICY),
  Statement: [...JSON.parse(GRANT_FOR_AWS_RESOURCE_ONLY_POLICY).Statement, JSON.parse(CROSS_ACCOUNT_POLICY).Statement[1]],
});

describe('check-key-policy', () => {
  it('passes the Auto Scaling guide’s cross-account policy read live from KMS (exit 0)', async () => {
    kms.on(GetKeyPolicyCommand).resolves({ Policy: CROSS_ACCOUNT_POLICY, PolicyName: 'default' });
    const { ctx, io } = testContext();

    expect(await runCli(['check-key-policy', '--key', CMK_ARN, '--account', MEMBER], ctx)).toBe(0);

    expect(kms).toHaveReceivedCommandWith(GetKeyPolicyCommand, { KeyId: CMK_ARN, PolicyName: 'default' });
    expect(io.text()).toMatch(new RegExp(`${MEMBER}\\s+✓ can create the grant`));
    expect(io.text()).toContain('Members can create the Auto Scaling grant.');
  });

  it('names the kms:GrantIsForAWSResource trap, prints the fix and exits 1', async () => {
    kms.on(GetKeyPolicyCommand).resolves({ Policy: TRAP_WITH_USE, PolicyName: 'default' });
    const { ctx, io } = testContext();

    expect(await runCli(['check-key-policy', '--key', CMK_ARN, '--account', MEMBER, '--organization-id', 'o-a1b2c3d4e5'], ctx)).toBe(3);

    const text = io.text();
    expect(text).toMatch(new RegExp(`${MEMBER}\\s+✗ blocked`));
    expect(text).toMatch(/blocker\s+statement "Allow attachment of persistent resources" allows cross-account kms:CreateGrant only with kms:GrantIsForAWSResource/);
    expect(text).toContain('"Sid": "AllowOrganizationAccountsToGrantAutoScaling"');
    expect(text).toContain('"aws:PrincipalOrgID": "o-a1b2c3d4e5"');
  });

  it('reports findings as one JSON object for --json', async () => {
    const { ctx, io } = testContext({ readFile: async () => JSON.stringify({ Policy: GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, PolicyName: 'default' }) });

    expect(await runCli(['check-key-policy', '--policy-file', 'get-key-policy.json', '--account', `${MEMBER},222222222222`, '--json'], ctx)).toBe(3);

    expect(io.stdout).toHaveLength(1);
    const audit = JSON.parse(io.stdout[0]!);
    expect(audit).toMatchObject({ source: 'get-key-policy.json', verdict: 'blocked' });
    expect(audit.members).toEqual([
      { account: MEMBER, verdict: 'blocked', reasons: [expect.stringMatching(/GrantIsForAWSResource is true/)] },
      { account: '222222222222', verdict: 'blocked', reasons: ['no statement allows kms:CreateGrant to account 222222222222'] },
    ]);
    expect(audit.findings.map((f: { code: string }) => f.code)).toEqual(['create-grant-blocked', 'create-grant-blocked', 'grant-is-for-aws-resource', 'key-use-not-allowed']);
    expect(audit.fix).toHaveLength(2);
    expect(kms.calls()).toHaveLength(0);
  });

  it('warns about "AWS": "*" without an organization or account condition', async () => {
    const open = JSON.stringify({ Statement: [{ Sid: 'Everyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }] });
    const { ctx, io } = testContext({ readFile: async () => open });

    // Members can create the grant (exit 0), but the policy is far too open.
    expect(await runCli(['check-key-policy', '--policy-file', 'p.json', '--account', MEMBER], ctx)).toBe(0);
    expect(io.text()).toMatch(/warning\s+statement "Everyone" allows kms:\* to any AWS principal/);
  });

  it('says in one line when the key does not exist', async () => {
    kms.on(GetKeyPolicyCommand).rejects(new NotFoundException({ message: `Key '${CMK_ARN}' does not exist`, $metadata: {} }));
    const { ctx, io } = testContext();

    expect(await runCli(['check-key-policy', '--key', CMK_ARN, '--account', MEMBER], ctx)).toBe(1);
    expect(io.stderr).toEqual([`amiwarden: Reading the key policy of ${CMK_ARN}: not found: Key '${CMK_ARN}' does not exist`]);
  });
});

describe('key-policy', () => {
  it('prints the two statements to merge, scoped to the organization', async () => {
    const { ctx, io } = testContext();

    expect(await runCli(['key-policy', '--organization-id', 'o-a1b2c3d4e5'], ctx)).toBe(0);

    const fragment = JSON.parse(io.text());
    expect(fragment.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['AllowOrganizationAccountsToUseTheKey', 'AllowOrganizationAccountsToGrantAutoScaling']);
    expect(fragment.Statement[0]).toMatchObject({
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
    expect(io.stderr).toEqual([]);
  });

  it('produces statements that check-key-policy accepts', async () => {
    const made = testContext();
    await runCli(['key-policy', '--organization-id', 'o-a1b2c3d4e5', '--json'], made.ctx);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: JSON.parse(made.io.stdout[0]!).Statement });
    const { ctx } = testContext({ readFile: async () => policy });

    expect(await runCli(['check-key-policy', '--policy-file', 'p.json', '--organization-id', 'o-a1b2c3d4e5', '--account', MEMBER], ctx)).toBe(0);
  });

  it('writes the launch roles’ ARNs in the partition asked for, and refuses one that does not exist', async () => {
    const cn = testContext();
    expect(await runCli(['key-policy', '--organization-id', 'o-a1b2c3d4e5', '--partition', 'aws-cn', '--json'], cn.ctx)).toBe(0);
    const grantees: string[] = JSON.parse(cn.io.stdout[0]!).Statement[1].Condition.StringLike['kms:GranteePrincipal'];
    // The Auto Scaling role and the EC2 Spot, Spot Fleet and EC2 Fleet roles (core/launch-roles.ts).
    expect(grantees).toHaveLength(4);
    for (const grantee of grantees) expect(grantee).toMatch(/^arn:aws-cn:iam::\$\{aws:PrincipalAccount\}:role\/aws-service-role\//);

    const bad = testContext();
    expect(await runCli(['key-policy', '--partition', 'aws-mars'], bad.ctx)).toBe(2);
    expect(bad.io.stderr.join('\n')).toMatch(/invalid --partition: expected one of aws, aws-cn, aws-us-gov/);
    expect(bad.io.stdout).toEqual([]);
  });

  it('checks a policy file for members of another partition with --partition', async () => {
    const made = testContext();
    await runCli(['key-policy', '--organization-id', 'o-a1b2c3d4e5', '--partition', 'aws-cn', '--json'], made.ctx);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: JSON.parse(made.io.stdout[0]!).Statement });

    const cn = testContext({ readFile: async () => policy });
    expect(await runCli(['check-key-policy', '--policy-file', 'p.json', '--organization-id', 'o-a1b2c3d4e5', '--account', MEMBER, '--partition', 'aws-cn'], cn.ctx)).toBe(0);
    const commercial = testContext({ readFile: async () => policy });
    expect(await runCli(['check-key-policy', '--policy-file', 'p.json', '--organization-id', 'o-a1b2c3d4e5', '--account', MEMBER], commercial.ctx)).toBe(3);
  });

  it('warns on stderr that o-EXAMPLE is a placeholder', async () => {
    const { ctx, io } = testContext();
    expect(await runCli(['key-policy'], ctx)).toBe(0);
    expect(io.stderr[0]).toMatch(/o-EXAMPLE is a placeholder/);
  });
});
