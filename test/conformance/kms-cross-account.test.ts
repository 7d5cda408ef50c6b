import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  KMSClient,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { assumedRoleConfig } from '../../emulator/accounts';
import { CENTRAL, MEMBER, OUTSIDER, failure, slrArn, useEmulator } from './support';

const GRANT_OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'] as const;

const rootStatement = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'kms:*', Resource: '*' };
const useStatement = (principal: unknown, condition?: unknown) => ({
  Sid: 'Allow use of the key',
  Effect: 'Allow',
  Principal: principal,
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
  ...(condition ? { Condition: condition } : {}),
});
const grantStatement = (principal: unknown, condition?: unknown) => ({
  Sid: 'Allow attachment of persistent resources',
  Effect: 'Allow',
  Principal: principal,
  Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
  Resource: '*',
  ...(condition ? { Condition: condition } : {}),
});
const policy = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: [rootStatement, ...statements] });

describe('KMS: a key in account A used by full key ARN from account B (cross-account use, key policy decides)', () => {
  const emulator = useEmulator();
  let central: KMSClient;
  let member: KMSClient;

  beforeEach(async () => {
    await emulator.get().reset();
    central = new KMSClient(emulator.config(CENTRAL));
    member = new KMSClient(emulator.config(MEMBER));
  });

  async function centralKey(keyPolicy: string): Promise<string> {
    const { KeyMetadata } = await central.send(new CreateKeyCommand({ Policy: keyPolicy, Description: 'org AMI key' }));
    return KeyMetadata!.Arn!;
  }

  it('DescribeKey by ARN from the member returns the central account key when the key policy allows the member root', async () => {
    const keyArn = await centralKey(policy(useStatement({ AWS: `arn:aws:iam::${MEMBER}:root` })));

    const { KeyMetadata } = await member.send(new DescribeKeyCommand({ KeyId: keyArn }));

    expect(KeyMetadata).toMatchObject({ Arn: keyArn, AWSAccountId: CENTRAL, KeyManager: 'CUSTOMER', KeyState: 'Enabled' });
  });

  it('Encrypt, Decrypt and GenerateDataKeyWithoutPlaintext by ARN work for an allowed member', async () => {
    const keyArn = await centralKey(policy(useStatement({ AWS: MEMBER })));

    const { CiphertextBlob } = await member.send(new EncryptCommand({ KeyId: keyArn, Plaintext: new TextEncoder().encode('ami') }));
    const decrypted = await member.send(new DecryptCommand({ CiphertextBlob }));
    const dataKey = await member.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));

    expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('ami');
    expect(decrypted.KeyId).toBe(keyArn);
    expect(dataKey.KeyId).toBe(keyArn);
  });

  it('a key policy that does not name the caller account denies with AccessDeniedException in AWS message form', async () => {
    const keyArn = await centralKey(policy(useStatement({ AWS: `arn:aws:iam::${MEMBER}:root` })));
    const outsider = new KMSClient(await assumedRoleConfig(emulator.get(), OUTSIDER, 'ops'));

    const error = await failure(outsider.send(new DescribeKeyCommand({ KeyId: keyArn })));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `User: arn:aws:sts::${OUTSIDER}:assumed-role/ops/amiwarden-test is not authorized to perform: kms:DescribeKey on resource: ${keyArn} because no resource-based policy allows the kms:DescribeKey action`,
    );
  });

  it('an explicit Deny for the member wins over an Allow', async () => {
    const deny = { Effect: 'Deny', Principal: { AWS: MEMBER }, Action: 'kms:Encrypt', Resource: '*' };
    const keyArn = await centralKey(policy(useStatement({ AWS: MEMBER }), deny));

    const error = await failure(member.send(new EncryptCommand({ KeyId: keyArn, Plaintext: new TextEncoder().encode('x') })));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('with an explicit deny in a resource-based policy');
  });

  it('trap: a cross-account CreateGrant statement conditioned on kms:GrantIsForAWSResource=true does NOT let the member create the grant', async () => {
    const keyArn = await centralKey(
      policy(useStatement({ AWS: MEMBER }), grantStatement({ AWS: `arn:aws:iam::${MEMBER}:root` }, { Bool: { 'kms:GrantIsForAWSResource': 'true' } })),
    );

    const error = await failure(
      member.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...GRANT_OPERATIONS] })),
    );

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(`kms:CreateGrant on resource: ${keyArn} because no resource-based policy allows the kms:CreateGrant action`);
  });

  it('CreateGrant by the member succeeds when the statement has no GrantIsForAWSResource condition; the grant lives on the central key', async () => {
    const keyArn = await centralKey(policy(useStatement({ AWS: MEMBER }), grantStatement({ AWS: `arn:aws:iam::${MEMBER}:root` })));

    const { GrantId, GrantToken } = await member.send(
      new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...GRANT_OPERATIONS] }),
    );
    const centralView = await central.send(new ListGrantsCommand({ KeyId: keyArn }));
    const memberView = await member.send(new ListGrantsCommand({ KeyId: keyArn }));

    expect(GrantId).toMatch(/^[0-9a-f]{64}$/);
    expect(GrantToken).toBeTruthy();
    expect(centralView.Grants).toEqual([
      expect.objectContaining({ GrantId, KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), IssuingAccount: `arn:aws:iam::${MEMBER}:root` }),
    ]);
    expect(memberView.Grants?.map((g) => g.GrantId)).toEqual([GrantId]);

    await member.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId }));
    expect((await central.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants).toEqual([]);
  });

  it('CreateGrant with DryRun answers DryRunOperationException (HTTP 412) when the call would succeed, and creates no grant', async () => {
    const keyArn = await centralKey(policy(useStatement({ AWS: MEMBER }), grantStatement({ AWS: `arn:aws:iam::${MEMBER}:root` })));

    const error = await failure(member.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...GRANT_OPERATIONS], DryRun: true })));

    expect(error.name).toBe('DryRunOperationException');
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(412);
    expect((await central.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants).toEqual([]);
    // The call log marks the request as a dry run, whatever its answer.
    expect((await emulator.get().calls()).filter((c) => c.action === 'CreateGrant').map((c) => [c.status, c.dryRun])).toEqual([[412, true]]);
  });

  it('CreateGrant with DryRun is refused like the real call when the key policy refuses it', async () => {
    const keyArn = await centralKey(
      policy(useStatement({ AWS: MEMBER }), grantStatement({ AWS: `arn:aws:iam::${MEMBER}:root` }, { Bool: { 'kms:GrantIsForAWSResource': 'true' } })),
    );

    const error = await failure(member.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...GRANT_OPERATIONS], DryRun: true })));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain('because no resource-based policy allows the kms:CreateGrant action');
  });

  it('the safer pattern: CreateGrant allowed only when kms:GranteePrincipal is an Auto Scaling service-linked role', async () => {
    const condition = { ArnLike: { 'kms:GranteePrincipal': 'arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling*' } };
    const keyArn = await centralKey(policy(useStatement({ AWS: MEMBER }), grantStatement({ AWS: MEMBER }, condition)));

    await expect(
      member.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER, 'web'), Operations: ['Decrypt'] })),
    ).resolves.toHaveProperty('GrantId');
    const error = await failure(
      member.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: `arn:aws:iam::${MEMBER}:role/anyone`, Operations: ['Decrypt'] })),
    );
    expect(error.name).toBe('AccessDeniedException');
  });

  it('Null on kms:RetiringPrincipal: a grant that names no retiring principal is allowed, one that names any is not', async () => {
    const condition = { Null: { 'kms:RetiringPrincipal': 'true' } };
    const keyArn = await centralKey(policy(useStatement({ AWS: MEMBER }), grantStatement({ AWS: MEMBER }, condition)));

    await expect(member.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt'] }))).resolves.toHaveProperty('GrantId');
    const error = await failure(
      member.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt'], RetiringPrincipal: `arn:aws:iam::${MEMBER}:role/developer` })),
    );
    expect(error.name).toBe('AccessDeniedException');
  });

  it('an org-scoped statement (aws:PrincipalOrgID) allows accounts in the organization and no one else', async () => {
    const orgs = new OrganizationsClient(emulator.config(CENTRAL));
    const { Organization } = await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const created = await orgs.send(new CreateAccountCommand({ AccountName: 'workload', Email: 'workload@example.com' }));
    const memberInOrg = created.CreateAccountStatus!.AccountId!;
    const keyArn = await centralKey(policy(useStatement('*', { StringEquals: { 'aws:PrincipalOrgID': Organization!.Id } })));

    const inOrg = new KMSClient(emulator.config(memberInOrg));
    const { KeyMetadata } = await inOrg.send(new DescribeKeyCommand({ KeyId: keyArn }));
    const error = await failure(new KMSClient(emulator.config(OUTSIDER)).send(new DescribeKeyCommand({ KeyId: keyArn })));

    expect(KeyMetadata?.Arn).toBe(keyArn);
    expect(error.name).toBe('AccessDeniedException');
  });

  it('a role ARN principal matches sessions of that role only (aws:PrincipalArn semantics)', async () => {
    const keyArn = await centralKey(policy(useStatement({ AWS: `arn:aws:iam::${MEMBER}:role/amiwarden-member` })));

    const asRole = new KMSClient(await assumedRoleConfig(emulator.get(), MEMBER, 'amiwarden-member'));
    const asOther = new KMSClient(await assumedRoleConfig(emulator.get(), MEMBER, 'someone-else'));

    await expect(asRole.send(new DescribeKeyCommand({ KeyId: keyArn }))).resolves.toHaveProperty('KeyMetadata.Arn', keyArn);
    expect((await failure(asOther.send(new DescribeKeyCommand({ KeyId: keyArn })))).name).toBe('AccessDeniedException');
  });

  it('an unknown condition key never grants access (fail closed)', async () => {
    const keyArn = await centralKey(policy(useStatement({ AWS: MEMBER }, { StringEquals: { 'aws:SourceVpce': 'vpce-1' } })));

    expect((await failure(member.send(new DescribeKeyCommand({ KeyId: keyArn })))).name).toBe('AccessDeniedException');
  });

  it('a key ARN that does not exist in the owning account is NotFoundException', async () => {
    const missing = `arn:aws:kms:us-east-1:${CENTRAL}:key/11111111-2222-3333-4444-555555555555`;

    const error = await failure(member.send(new DescribeKeyCommand({ KeyId: missing })));

    expect(error.name).toBe('NotFoundException');
  });

  it('same-account calls are not evaluated against the key policy (as moto and the default policy have it)', async () => {
    const keyArn = await centralKey(policy());
    await central.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: policy() }));

    await expect(central.send(new DescribeKeyCommand({ KeyId: keyArn }))).resolves.toHaveProperty('KeyMetadata.Arn', keyArn);
  });
});
