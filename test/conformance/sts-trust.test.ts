/**
 * STS AssumeRole across accounts (IAM User Guide, "Granting a user permissions to switch roles";
 * STS API Reference, AssumeRole): the role must exist in the target account and its trust policy
 * must allow the caller, else AccessDenied (HTTP 403) in AWS's message form. moto checks neither;
 * emulator/amiwarden_emulator/sts.py does, for cross-account callers only (docs/emulator.md).
 */
import { CreateRoleCommand, DeleteRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { assumedRoleConfig } from '../../emulator/accounts';
import { CENTRAL, MEMBER, OUTSIDER, REGION, failure, useEmulator } from './support';

const ROLE = 'amiwarden-member';
const roleArn = (account = MEMBER, name = ROLE) => `arn:aws:iam::${account}:role/${name}`;
const trust = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (principal: unknown, condition?: unknown) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'sts:AssumeRole',
  ...(condition ? { Condition: condition } : {}),
});

describe('STS: AssumeRole into another account needs an existing role whose trust policy allows the caller', () => {
  const emulator = useEmulator();
  let iam: IAMClient;
  const sts = (account = CENTRAL) => new STSClient(emulator.config(account));
  const assume = (client: STSClient, arn = roleArn(), externalId?: string) =>
    client.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'amiwarden', ...(externalId ? { ExternalId: externalId } : {}) }));
  const memberRole = (policy: string, name = ROLE) => iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy }));

  beforeEach(async () => {
    await emulator.get().reset();
    iam = new IAMClient(emulator.config(MEMBER));
  });

  it('a role that does not exist: AccessDenied, HTTP 403, "User: <caller> is not authorized to perform: sts:AssumeRole on resource: <role>"', async () => {
    const error = await failure(assume(sts()));

    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    expect(error.message).toBe(`User: arn:aws:iam::${CENTRAL}:root is not authorized to perform: sts:AssumeRole on resource: ${roleArn()}`);
  });

  it('a trust policy naming the caller account root: credentials that act in the target account as the role', async () => {
    await memberRole(trust(allow({ AWS: `arn:aws:iam::${CENTRAL}:root` })));

    const { Credentials: c } = await assume(sts());
    const asRole = new STSClient({ ...emulator.config(MEMBER), credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } });

    await expect(asRole.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: MEMBER, Arn: `arn:aws:sts::${MEMBER}:assumed-role/${ROLE}/amiwarden` });
  });

  it.each([
    ['the account id', { AWS: CENTRAL }],
    ['a list holding the root ARN', { AWS: [`arn:aws:iam::${OUTSIDER}:root`, `arn:aws:iam::${CENTRAL}:root`] }],
    ['"*"', { AWS: '*' }],
    ['Principal "*"', '*'],
  ])('Principal as %s allows the caller', async (_name, principal) => {
    await memberRole(trust(allow(principal)));

    await expect(assume(sts())).resolves.toHaveProperty('Credentials.AccessKeyId');
  });

  it('a trust policy naming another account, or only a service, refuses the caller', async () => {
    await memberRole(trust(allow({ AWS: `arn:aws:iam::${OUTSIDER}:root` }), allow({ Service: 'lambda.amazonaws.com' })));

    expect((await failure(assume(sts()))).name).toBe('AccessDenied');
    await expect(assume(sts(OUTSIDER))).resolves.toHaveProperty('Credentials');
  });

  it('sts:ExternalId StringEquals: a missing or wrong external id is refused, the right one allowed', async () => {
    await memberRole(trust(allow({ AWS: CENTRAL }, { StringEquals: { 'sts:ExternalId': 'amiwarden-prod' } })));

    expect((await failure(assume(sts()))).name).toBe('AccessDenied');
    expect((await failure(assume(sts(), roleArn(), 'guess'))).name).toBe('AccessDenied');
    await expect(assume(sts(), roleArn(), 'amiwarden-prod')).resolves.toHaveProperty('Credentials');
  });

  it('a role ARN principal and aws:PrincipalArn ArnLike match sessions of that role only', async () => {
    await memberRole(trust(allow({ AWS: `arn:aws:iam::${CENTRAL}:role/amiwarden-diagnose` })));
    await memberRole(trust(allow({ AWS: CENTRAL }, { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${CENTRAL}:role/amiwarden-*` } })), 'by-arn-like');

    const orchestrator = new STSClient(await assumedRoleConfig(emulator.get(), CENTRAL, 'amiwarden-diagnose', REGION));
    const other = new STSClient(await assumedRoleConfig(emulator.get(), CENTRAL, 'developer', REGION));

    await expect(assume(orchestrator)).resolves.toHaveProperty('Credentials');
    await expect(assume(orchestrator, roleArn(MEMBER, 'by-arn-like'))).resolves.toHaveProperty('Credentials');
    const refused = await failure(assume(other));
    expect(refused.name).toBe('AccessDenied');
    expect(refused.message).toBe(`User: arn:aws:sts::${CENTRAL}:assumed-role/developer/amiwarden-test is not authorized to perform: sts:AssumeRole on resource: ${roleArn()}`);
    expect((await failure(assume(other, roleArn(MEMBER, 'by-arn-like')))).name).toBe('AccessDenied');
  });

  it('aws:PrincipalOrgID: callers in the organization are allowed, others refused', async () => {
    const { Organization } = await new OrganizationsClient(emulator.config(CENTRAL)).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    await memberRole(trust(allow({ AWS: '*' }, { StringEquals: { 'aws:PrincipalOrgID': Organization!.Id } })));

    await expect(assume(sts())).resolves.toHaveProperty('Credentials');
    expect((await failure(assume(sts(OUTSIDER)))).name).toBe('AccessDenied');
  });

  it('an explicit Deny wins, and a condition on a key the emulator does not model never allows (fail closed)', async () => {
    await memberRole(trust(allow({ AWS: CENTRAL }), { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:*' }));
    await memberRole(trust(allow({ AWS: CENTRAL }, { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })), 'unknown-condition');

    expect((await failure(assume(sts()))).name).toBe('AccessDenied');
    expect((await failure(assume(sts(), roleArn(MEMBER, 'unknown-condition')))).name).toBe('AccessDenied');
  });

  it('a role that is deleted or stops trusting the caller is refused from then on', async () => {
    await memberRole(trust(allow({ AWS: CENTRAL })));
    await expect(assume(sts())).resolves.toHaveProperty('Credentials');

    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: ROLE, PolicyDocument: trust(allow({ AWS: OUTSIDER })) }));
    expect((await failure(assume(sts()))).name).toBe('AccessDenied');

    await iam.send(new DeleteRoleCommand({ RoleName: ROLE }));
    expect((await failure(assume(sts(OUTSIDER)))).name).toBe('AccessDenied');
  });

  it('departure kept on purpose: a caller assuming a role in its own account is not checked (tests use it for role identities)', async () => {
    await memberRole(trust(allow({ AWS: OUTSIDER })));

    await expect(assume(sts(MEMBER), roleArn(MEMBER, 'not-created'))).resolves.toHaveProperty('Credentials');
    await expect(assume(sts(MEMBER))).resolves.toHaveProperty('Credentials');
    await expect(assumedRoleConfig(emulator.get(), MEMBER, 'anything', REGION)).resolves.toHaveProperty('credentials.sessionToken');
  });
});
