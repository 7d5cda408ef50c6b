/**
 * The service-linked roles of the EC2 launch paths, as IAM names them (EC2 User Guide, "Service-linked
 * role for Spot Instance requests", "Spot Fleet permissions", "EC2 Fleet prerequisites"): the role
 * of `spot.amazonaws.com` is AWSServiceRoleForEC2Spot, of `spotfleet.amazonaws.com`
 * AWSServiceRoleForEC2SpotFleet, of `ec2fleet.amazonaws.com` AWSServiceRoleForEC2Fleet, each under
 * /aws-service-role/<service>/. moto names them AWSServiceRoleForspot, …spotfleet, …ec2fleet.
 *
 * The EC2 Fleet role's two ARN forms (core/launch-roles.ts): IAM reports the path form, and a grant
 * made to it belongs to the role; the path-less form of the "EC2 Fleet prerequisites" page names no
 * role IAM knows by that ARN, so its grant is not the role's (ListGrants by the role's ARN misses it).
 */
import { CreateServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateGrantCommand, CreateKeyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { launchRoleArn } from '../../core/launch-roles';
import { CENTRAL, MEMBER, failure, useEmulator } from './support';

const OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'] as const;

describe('IAM service-linked roles of the EC2 launch paths', () => {
  const emulator = useEmulator();

  beforeEach(async () => {
    await emulator.get().reset();
  });

  it.each([
    ['spot.amazonaws.com', 'AWSServiceRoleForEC2Spot', 'spot'],
    ['spotfleet.amazonaws.com', 'AWSServiceRoleForEC2SpotFleet', 'spot-fleet'],
    ['ec2fleet.amazonaws.com', 'AWSServiceRoleForEC2Fleet', 'ec2-fleet'],
  ] as const)('creates the role of %s as %s, under its service path', async (service, name, kind) => {
    const iam = new IAMClient(emulator.config(MEMBER));

    const { Role } = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: service }));
    const read = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!;

    expect(Role).toMatchObject({ RoleName: name, Path: `/aws-service-role/${service}/`, Arn: launchRoleArn('aws', MEMBER, kind) });
    expect(read.Arn).toBe(launchRoleArn('aws', MEMBER, kind));
  });

  it('refuses a second EC2 Fleet role with InvalidInput, as IAM does', async () => {
    const iam = new IAMClient(emulator.config(MEMBER));
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ec2fleet.amazonaws.com' }));

    const error = await failure(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ec2fleet.amazonaws.com' })));

    expect(error.name).toBe('InvalidInputException');
    expect(error.message).toBe('Service role name AWSServiceRoleForEC2Fleet has been taken in this account, please try a different suffix.');
  });

  it.each([
    ['the path form IAM reports', launchRoleArn('aws', MEMBER, 'ec2-fleet'), true],
    ['the path-less form of the EC2 Fleet prerequisites page', `arn:aws:iam::${MEMBER}:role/AWSServiceRoleForEC2Fleet`, false],
  ])('a grant to the EC2 Fleet role in %s belongs to the role: %s', async (_label, grantee, belongs) => {
    const iam = new IAMClient(emulator.config(MEMBER));
    const kms = new KMSClient(emulator.config(CENTRAL));
    const roleArn = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ec2fleet.amazonaws.com' }))).Role!.Arn!;
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;

    await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: grantee, Operations: [...OPERATIONS], Name: 'fleet' }));
    const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: keyArn, GranteePrincipal: roleArn }));

    expect(Grants?.length === 1).toBe(belongs);
  });
});
