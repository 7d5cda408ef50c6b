/**
 * Grants follow the grantee's identity, not its name (KMS Developer Guide, "Grants in AWS KMS";
 * hashicorp/terraform-provider-aws#29340): once a role is deleted and re-created with the same ARN,
 * ListGrants shows the old role's unique id (AROA…) as the grantee and the grant does nothing for the
 * new role. ListGrants pages at most 100 grants, and a key holds at most 50,000 grants.
 */
import { CreateRoleCommand, CreateServiceLinkedRoleCommand, DeleteRoleCommand, DeleteServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateGrantCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { assumedRoleConfig } from '../../emulator/accounts';
import { CENTRAL, MEMBER, REGION, failure, slrArn, useEmulator } from './support';

const OPERATIONS = ['Encrypt', 'Decrypt', 'DescribeKey'] as const;

describe('KMS grants of a role that was deleted and re-created', () => {
  const emulator = useEmulator();
  let kms: KMSClient;
  let memberIam: IAMClient;
  let keyArn: string;

  beforeEach(async () => {
    await emulator.get().reset();
    kms = new KMSClient(emulator.config(CENTRAL));
    memberIam = new IAMClient(emulator.config(MEMBER));
    keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  });

  const recreateServiceLinkedRole = async () => {
    const before = (await memberIam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).Role!.RoleId!;
    await memberIam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }));
    await memberIam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
    const after = (await memberIam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).Role!.RoleId!;
    return { before, after };
  };

  it('shows the grantee as its ARN while the role exists', async () => {
    await memberIam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
    await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...OPERATIONS], Name: 'g' }));

    const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: keyArn }));

    expect(Grants?.map((g) => g.GranteePrincipal)).toEqual([slrArn(MEMBER)]);
  });

  it("shows the old role's unique id (AROA…) once the service-linked role is deleted and re-created", async () => {
    await memberIam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
    const { GrantId } = await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...OPERATIONS], Name: 'g' }));

    const { before, after } = await recreateServiceLinkedRole();
    const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: keyArn }));

    expect(before).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(after).not.toBe(before);
    expect(Grants).toHaveLength(1);
    expect(Grants![0]).toMatchObject({ GrantId, GranteePrincipal: before, Operations: [...OPERATIONS] });
  });

  it('shows the unique id too while the role is deleted and not re-created', async () => {
    await memberIam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
    await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...OPERATIONS] }));
    const id = (await memberIam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).Role!.RoleId!;

    await memberIam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }));

    expect((await kms.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants?.map((g) => g.GranteePrincipal)).toEqual([id]);
  });

  it("a GranteePrincipal filter with the role's ARN no longer finds the dead grant, and a Name retry for the new role is a new grant", async () => {
    await memberIam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
    const input = { KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: [...OPERATIONS], Name: 'amiwarden:222222222222:AWSServiceRoleForAutoScaling' };
    const first = await kms.send(new CreateGrantCommand(input));

    await recreateServiceLinkedRole();
    const filtered = await kms.send(new ListGrantsCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER) }));
    const second = await kms.send(new CreateGrantCommand(input));
    const all = await kms.send(new ListGrantsCommand({ KeyId: keyArn }));

    expect(filtered.Grants).toEqual([]);
    expect(second.GrantId).not.toBe(first.GrantId);
    expect(all.Grants?.map((g) => g.GranteePrincipal).sort()).toEqual([expect.stringMatching(/^AROA/), slrArn(MEMBER)].sort());
  });

  it('the grant authorises the role it was made for, and nothing for the role re-created with the same ARN', async () => {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MEMBER}:root` }, Action: 'sts:AssumeRole' }] });
    await memberIam.send(new CreateRoleCommand({ RoleName: 'launcher', AssumeRolePolicyDocument: trust }));
    await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: `arn:aws:iam::${MEMBER}:role/launcher`, Operations: ['DescribeKey'] }));
    const asOld = new KMSClient({ ...(await assumedRoleConfig(emulator.get(), MEMBER, 'launcher', REGION)), maxAttempts: 1 });

    expect((await asOld.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.Arn).toBe(keyArn);

    await memberIam.send(new DeleteRoleCommand({ RoleName: 'launcher' }));
    await memberIam.send(new CreateRoleCommand({ RoleName: 'launcher', AssumeRolePolicyDocument: trust }));
    const asNew = new KMSClient({ ...(await assumedRoleConfig(emulator.get(), MEMBER, 'launcher', REGION)), maxAttempts: 1 });
    const error = await failure(asNew.send(new DescribeKeyCommand({ KeyId: keyArn })));

    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(`is not authorized to perform: kms:DescribeKey on resource: ${keyArn}`);
  });
});

describe('KMS ListGrants paging and the grants-per-key quota', () => {
  const emulator = useEmulator();
  let kms: KMSClient;
  let keyArn: string;

  beforeEach(async () => {
    await emulator.get().reset();
    kms = new KMSClient(emulator.config(CENTRAL));
    keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  });

  it('pages 50 grants by default and at most 100, with NextMarker and Truncated', async () => {
    await emulator.get().feedGrants({ account: CENTRAL, region: REGION, keyId: keyArn, count: 130, granteePrincipal: slrArn(MEMBER) });

    const first = await kms.send(new ListGrantsCommand({ KeyId: keyArn }));
    const big = await kms.send(new ListGrantsCommand({ KeyId: keyArn, Limit: 100 }));
    const rest = await kms.send(new ListGrantsCommand({ KeyId: keyArn, Limit: 100, Marker: big.NextMarker }));
    const tooBig = await failure(kms.send(new ListGrantsCommand({ KeyId: keyArn, Limit: 101 })));

    expect(first.Grants).toHaveLength(50);
    expect(first.Truncated).toBe(true);
    expect(big.Grants).toHaveLength(100);
    expect(rest).toMatchObject({ Truncated: false });
    expect(rest.Grants).toHaveLength(30);
    expect(rest.NextMarker).toBeUndefined();
    expect(new Set([...big.Grants!, ...rest.Grants!].map((g) => g.GrantId)).size).toBe(130);
    expect(tooBig.name).toBe('ValidationException');
  });

  it('a key holding 50,000 grants refuses the next CreateGrant with LimitExceededException', async () => {
    expect(await emulator.get().feedGrants({ account: CENTRAL, region: REGION, keyId: keyArn, count: 50_000, granteePrincipal: slrArn(MEMBER) })).toBe(50_000);

    const error = await failure(kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt'] })));

    expect(error.name).toBe('LimitExceededException');
  }, 60_000);
});
