/**
 * Systems Manager User Guide ("Parameter data types", "Working with shared parameters"), RAM API
 * Reference (AssociateResourceShare, GetResourceShares) and EC2 User Guide ("Use a Systems Manager
 * parameter instead of an AMI ID"): what image pointers rely on.
 */
import { CreateLaunchTemplateCommand, CreateSnapshotCommand, CreateVolumeCommand, EC2Client, ModifyImageAttributeCommand, RegisterImageCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { AssociateResourceShareCommand, CreateResourceShareCommand, GetResourceSharesCommand, RAMClient } from '@aws-sdk/client-ram';
import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CENTRAL, failure, MEMBER, OUTSIDER, REGION, useEmulator } from './support';

const emulator = useEmulator();

async function image(account: string, name: string): Promise<string> {
  const ec2 = new EC2Client(emulator.config(account));
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8 }));
  const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));
  const { ImageId } = await ec2.send(new RegisterImageCommand({ Name: name, RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshot.SnapshotId! } }] }));
  return ImageId!;
}

const arnOf = (account: string, name: string) => `arn:aws:ssm:${REGION}:${account}:parameter${name}`;

describe('SSM parameters of data type aws:ec2:image', () => {
  it('keeps a value that names an available AMI of the account, and drops one that does not (PutParameter still answers 200)', async () => {
    const ssm = new SSMClient(emulator.config(CENTRAL));
    const first = await image(CENTRAL, 'pointer-first');
    await ssm.send(new PutParameterCommand({ Name: '/conformance/images/web', Type: 'String', DataType: 'aws:ec2:image', Value: first, Tier: 'Advanced' }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/conformance/images/web' }))).Parameter).toMatchObject({ Value: first, DataType: 'aws:ec2:image' });

    // Asynchronous validation: the call succeeds, the value never lands.
    for (const bad of ['ami-0123456789abcdef0', 'not-an-ami', await image(OUTSIDER, 'someone-elses')]) {
      const put = await ssm.send(new PutParameterCommand({ Name: '/conformance/images/web', Type: 'String', DataType: 'aws:ec2:image', Value: bad, Overwrite: true }));
      expect(put.$metadata.httpStatusCode).toBe(200);
      expect((await ssm.send(new GetParameterCommand({ Name: '/conformance/images/web' }))).Parameter?.Value).toBe(first);
    }
    // A text parameter is not validated.
    await ssm.send(new PutParameterCommand({ Name: '/conformance/text', Type: 'String', Value: 'ami-0123456789abcdef0' }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/conformance/text' }))).Parameter?.Value).toBe('ami-0123456789abcdef0');
  });

  it('accepts an AMI shared with the account', async () => {
    const shared = await image(OUTSIDER, 'shared-with-member');
    await new EC2Client(emulator.config(OUTSIDER)).send(new ModifyImageAttributeCommand({ ImageId: shared, LaunchPermission: { Add: [{ UserId: MEMBER }] } }));
    const ssm = new SSMClient(emulator.config(MEMBER));
    await ssm.send(new PutParameterCommand({ Name: '/conformance/shared-ami', Type: 'String', DataType: 'aws:ec2:image', Value: shared }));
    expect((await ssm.send(new GetParameterCommand({ Name: '/conformance/shared-ami' }))).Parameter?.Value).toBe(shared);
  });
});

describe('sharing parameters through RAM', () => {
  it('shares an advanced parameter with an account, which reads it by ARN; others cannot', async () => {
    const ssm = new SSMClient(emulator.config(CENTRAL));
    const ram = new RAMClient(emulator.config(CENTRAL));
    const ami = await image(CENTRAL, 'pointer-shared');
    await ssm.send(new PutParameterCommand({ Name: '/conformance/shared/base', Type: 'String', DataType: 'aws:ec2:image', Value: ami, Tier: 'Advanced' }));
    const arn = arnOf(CENTRAL, '/conformance/shared/base');

    // Not shared yet: the member cannot read it.
    const member = new SSMClient(emulator.config(MEMBER));
    expect((await failure(member.send(new GetParameterCommand({ Name: arn })))).name).toBe('ParameterNotFound');

    const { resourceShare } = await ram.send(new CreateResourceShareCommand({ name: 'conformance-pointers', resourceArns: [arn], principals: [MEMBER], allowExternalPrincipals: true }));
    expect(resourceShare?.status).toBe('ACTIVE');
    expect((await member.send(new GetParameterCommand({ Name: arn }))).Parameter?.Value).toBe(ami);
    const both = await member.send(new GetParametersCommand({ Names: [arn, arnOf(CENTRAL, '/conformance/missing')] }));
    expect(both.Parameters?.map((p) => p.Value)).toEqual([ami]);
    expect(both.InvalidParameters).toEqual([arnOf(CENTRAL, '/conformance/missing')]);

    const outsider = new SSMClient(emulator.config(OUTSIDER));
    expect((await failure(outsider.send(new GetParameterCommand({ Name: arn })))).name).toBe('ParameterNotFound');

    // AssociateResourceShare adds the outsider; GetResourceShares finds the share by name.
    await ram.send(new AssociateResourceShareCommand({ resourceShareArn: resourceShare!.resourceShareArn!, principals: [OUTSIDER] }));
    expect((await outsider.send(new GetParameterCommand({ Name: arn }))).Parameter?.Value).toBe(ami);
    await ram.send(new CreateResourceShareCommand({ name: 'another-share', principals: [MEMBER] }));
    const byName = await ram.send(new GetResourceSharesCommand({ resourceOwner: 'SELF', name: 'conformance-pointers', resourceShareStatus: 'ACTIVE' }));
    expect(byName.resourceShares?.map((s) => s.resourceShareArn)).toEqual([resourceShare!.resourceShareArn]);
  });

  it('does not share a standard-tier parameter', async () => {
    const ssm = new SSMClient(emulator.config(CENTRAL));
    const ami = await image(CENTRAL, 'pointer-standard');
    await ssm.send(new PutParameterCommand({ Name: '/conformance/standard', Type: 'String', DataType: 'aws:ec2:image', Value: ami }));
    const arn = arnOf(CENTRAL, '/conformance/standard');
    await new RAMClient(emulator.config(CENTRAL)).send(new CreateResourceShareCommand({ name: 'standard', resourceArns: [arn], principals: [MEMBER] }));
    expect((await failure(new SSMClient(emulator.config(MEMBER)).send(new GetParameterCommand({ Name: arn })))).name).toBe('ParameterNotFound');
  });
});

describe('resolve:ssm: as the AMI of a launch', () => {
  it('launches the AMI a shared parameter names, from a launch template in the consumer account', async () => {
    const ssm = new SSMClient(emulator.config(CENTRAL));
    const ami = await image(CENTRAL, 'pointer-launch');
    await new EC2Client(emulator.config(CENTRAL)).send(new ModifyImageAttributeCommand({ ImageId: ami, LaunchPermission: { Add: [{ UserId: MEMBER }] } }));
    await ssm.send(new PutParameterCommand({ Name: '/conformance/launch/web', Type: 'String', DataType: 'aws:ec2:image', Value: ami, Tier: 'Advanced' }));
    const arn = arnOf(CENTRAL, '/conformance/launch/web');
    await new RAMClient(emulator.config(CENTRAL)).send(new CreateResourceShareCommand({ name: 'launch', resourceArns: [arn], principals: [MEMBER] }));

    const ec2 = new EC2Client(emulator.config(MEMBER));
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: `resolve:ssm:${arn}`, InstanceType: 't3.micro' } }));
    const run = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: 'web' } }));
    expect(run.Instances?.[0]?.ImageId).toBe(ami);

    // Directly as the ImageId of RunInstances, too.
    const direct = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: `resolve:ssm:${arn}` }));
    expect(direct.Instances?.[0]?.ImageId).toBe(ami);

    // A parameter that is not shared with the account does not resolve.
    const outsider = new EC2Client(emulator.config(OUTSIDER));
    await failure(outsider.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: `resolve:ssm:${arn}` })));
  });
});
