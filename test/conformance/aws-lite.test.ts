/**
 * The Lambda bundles' KMS, STS, IAM, S3, Organizations, Auto Scaling and launch-template clients
 * (bundling/aws-lite) against the SDK's, on the emulator: each adapter is given one and then the
 * other, sends the same requests, and must come back with the same results and the same errors. The lite clients are bundled here
 * as the functions bundle them (test/support/bundle-in-process.ts).
 */
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import {
  AcceptHandshakeCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  InviteAccountToOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { clientSettings } from '../../adapters/aws';
import { AutoScalingAdapter } from '../../adapters/autoscaling';
import { AutoScalingInventory } from '../../adapters/inventory';
import { IamAdapter } from '../../adapters/iam';
import { KmsAdapter } from '../../adapters/kms';
import { LaunchTemplatesAdapter } from '../../adapters/launch-templates';
import { OrganizationsAdapter } from '../../adapters/organizations';
import { ReportStore } from '../../adapters/s3';
import { MemberSessions } from '../../adapters/sts';
import { useBundleInProcess } from '../support/bundle-in-process';
import { CENTRAL, failure, feedScalingActivities, MEMBER, REGION, useEmulator } from './support';

/** The adapters as the functions bundle them, with the lite clients and commands. */
interface Lite {
  KMSClient: new (c: object) => KMSClient;
  DescribeKeyCommand: typeof DescribeKeyCommand;
  STSClient: new (c: object) => STSClient;
  IAMClient: new (c: object) => IAMClient;
  S3Client: new (c: object) => S3Client;
  EC2Client: new (c: object) => EC2Client;
  OrganizationsClient: new (c: object) => OrganizationsClient;
  AutoScalingClient: new (c: object) => AutoScalingClient;
  KmsAdapter: typeof KmsAdapter;
  AutoScalingAdapter: typeof AutoScalingAdapter;
  AutoScalingInventory: typeof AutoScalingInventory;
  OrganizationsAdapter: typeof OrganizationsAdapter;
  IamAdapter: typeof IamAdapter;
  ReportStore: typeof ReportStore;
  MemberSessions: typeof MemberSessions;
  LaunchTemplatesAdapter: typeof LaunchTemplatesAdapter;
}

const emulator = useEmulator();
const bundle = useBundleInProcess<Lite>(`
  export { KMSClient, DescribeKeyCommand } from '@aws-sdk/client-kms';
  export { STSClient } from '@aws-sdk/client-sts';
  export { IAMClient } from '@aws-sdk/client-iam';
  export { S3Client } from '@aws-sdk/client-s3';
  export { OrganizationsClient } from '@aws-sdk/client-organizations';
  export { OrganizationsAdapter } from './adapters/organizations';
  export { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
  export { AutoScalingAdapter } from './adapters/autoscaling';
  export { AutoScalingInventory } from './adapters/inventory';
  export { KmsAdapter } from './adapters/kms';
  export { IamAdapter } from './adapters/iam';
  export { ReportStore } from './adapters/s3';
  export { MemberSessions } from './adapters/sts';
  export { LaunchTemplatesAdapter } from './adapters/launch-templates';
  export { EC2Client } from './bundling/aws-lite/ec2-launch-templates';
`);
let lite: Lite;
const endpointBefore = process.env.AWS_ENDPOINT_URL;

beforeAll(() => {
  lite = bundle();
  // The lite clients take their endpoint from the environment, as in Lambda.
  process.env.AWS_ENDPOINT_URL = emulator.get().endpoint;
});

afterAll(() => {
  if (endpointBefore === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = endpointBefore;
});

/** Client settings as the adapters get them (maxAttempts 1: the emulator's answer, not a retried one). */
const settings = (account: string) => {
  const { credentials, region } = emulator.config(account);
  return { ...clientSettings(region), credentials, maxAttempts: 1 };
};
/** An adapter on the SDK's client, and the bundled adapter on the lite one, each for the same account. */
const both = <C, A>(Sdk: new (c: object) => C, SdkAdapter: new (c: C) => A, Lite: new (c: object) => C, LiteAdapter: new (c: C) => A, account = CENTRAL): [A, A] => [
  new SdkAdapter(new Sdk(emulator.config(account))),
  new LiteAdapter(new Lite(settings(account))),
];

describe('the Lambda bundles\u2019 lite clients, beside the SDK on the emulator', () => {
  beforeAll(async () => {
    await emulator.get().reset();
  });

  it('KMS: describe, list and create grants, read the key policy, and not-found, exactly as the SDK', async () => {
    const admin = new KMSClient(emulator.config(CENTRAL));
    const { KeyMetadata } = await admin.send(new CreateKeyCommand({ Description: 'aws-lite' }));
    const keyArn = KeyMetadata!.Arn!;
    const grantee = `arn:aws:iam::${MEMBER}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const [sdk, lt] = both(KMSClient, KmsAdapter, lite.KMSClient, lite.KmsAdapter);

    const grantId = await lt!.createGrant({ keyArn, granteePrincipal: grantee, operations: ['Decrypt', 'CreateGrant'], name: 'amiwarden-lite' });

    expect(grantId).toMatch(/\S{8,}/);
    expect(await lt!.describeKey(keyArn)).toEqual(await sdk!.describeKey(keyArn));
    expect(await lt!.listGrants(keyArn, grantee)).toEqual(await sdk!.listGrants(keyArn, grantee));
    expect((await lt!.listGrants(keyArn)).map((g) => g.grantId)).toEqual([grantId]);
    expect(await lt!.keyPolicy(keyArn)).toEqual(await sdk!.keyPolicy(keyArn));
    const missing = 'arn:aws:kms:us-east-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-000000000000';
    expect(await lt!.describeKey(missing)).toEqual({ found: false, reason: 'not-found' });
    expect(await sdk!.describeKey(missing)).toEqual({ found: false, reason: 'not-found' });
    // The raw error, as the adapters' translation reads it.
    const error = await failure(new lite.KMSClient(settings(CENTRAL)).send(new lite.DescribeKeyCommand({ KeyId: missing })));
    expect([error.name, (error as { $fault?: string }).$fault, error.$metadata?.httpStatusCode]).toEqual(['NotFoundException', 'client', 400]);
  });

  it('KMS: a key policy with a JSON document round-trips unchanged', async () => {
    const admin = new KMSClient(emulator.config(CENTRAL));
    const { KeyMetadata } = await admin.send(new CreateKeyCommand({}));
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Root "quoted" & <odd>', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    await admin.send(new PutKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId!, PolicyName: 'default', Policy: policy }));

    expect(await new lite.KmsAdapter(new lite.KMSClient(settings(CENTRAL))).keyPolicy(KeyMetadata!.Arn!)).toBe(policy);
  });

  it('STS: AssumeRole gives the same kind of session, whose credentials work in the member account', async () => {
    await new IAMClient(emulator.config(MEMBER)).send(
      new CreateRoleCommand({
        RoleName: 'amiwarden-member',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const config = { partition: 'aws' as const, memberRoleName: 'amiwarden-member', memberExternalId: undefined };
    const sdk = await new MemberSessions(config, 'aws-lite', () => new STSClient(emulator.config(CENTRAL))).credentials(MEMBER, REGION);
    const lt = await new lite.MemberSessions(config, 'aws-lite', () => new lite.STSClient(settings(CENTRAL))).credentials(MEMBER, REGION);

    const shape = (c: typeof sdk) => ({ keys: Object.keys(c).sort(), expiration: c.expiration instanceof Date, id: typeof c.accessKeyId, token: typeof c.sessionToken });
    expect(shape(lt)).toEqual(shape(sdk));
    expect(shape(lt)).toEqual({ keys: ['accessKeyId', 'expiration', 'secretAccessKey', 'sessionToken'], expiration: true, id: 'string', token: 'string' });
    expect(Math.abs(lt.expiration!.getTime() - sdk.expiration!.getTime())).toBeLessThan(60_000);
    // The lite session's credentials work: the member account answers as that role.
    const templates = new lite.LaunchTemplatesAdapter(new lite.EC2Client({ ...settings(MEMBER), credentials: lt }));
    await expect(templates.launchTemplateImage({ launchTemplateName: 'none-yet' })).resolves.toBeUndefined();
  });

  it('IAM: GetRole for present and absent roles, and creating a service-linked role, twice, as the SDK', async () => {
    const [sdk, lt] = both(IAMClient, IamAdapter, lite.IAMClient, lite.IamAdapter, MEMBER);

    expect(await lt!.roleExists('AWSServiceRoleForAutoScaling_lite')).toBe(false);
    await lt!.createAutoScalingServiceLinkedRole('lite');
    expect(await lt!.roleExists('AWSServiceRoleForAutoScaling_lite')).toBe(true);
    expect(await sdk!.roleExists('AWSServiceRoleForAutoScaling_lite')).toBe(true);
    // Created again: the same outcome from both (the emulator answers EntityAlreadyExists).
    const again = async (adapter: IamAdapter) => adapter.createAutoScalingServiceLinkedRole('lite').then(() => 'created', (e: { name: string; code: string }) => `${e.name} ${e.code}`);
    expect(await again(lt!)).toBe(await again(sdk!));
    expect(await sdk!.roleExists('AWSServiceRoleForAutoScaling_other')).toBe(false);
  });

  it('S3: what one writes the other reads, listings agree across pages, and a missing object is NoSuchKey', async () => {
    await new S3Client(emulator.config(CENTRAL)).send(new CreateBucketCommand({ Bucket: 'amiwarden-lite' }));
    const sdk = new ReportStore(new S3Client(emulator.config(CENTRAL)), 'amiwarden-lite');
    const lt = new lite.ReportStore(new lite.S3Client(settings(CENTRAL)), 'amiwarden-lite');
    const odd = 'sweeps/run 1/members/+plus & ünïcode/us-east-1.json';

    await lt!.put(odd, JSON.stringify({ from: 'lite' }));
    await sdk!.put('sweeps/run 1/central/us-east-1.json', JSON.stringify({ from: 'sdk' }));
    await lt!.put('sweeps/run 1/report.md', '# report', 'text/markdown');

    expect(await sdk!.getJson(odd)).toEqual({ from: 'lite' });
    expect(await lt!.getJson('sweeps/run 1/central/us-east-1.json')).toEqual({ from: 'sdk' });
    expect((await lt!.list('sweeps/run 1/')).sort()).toEqual((await sdk!.list('sweeps/run 1/')).sort());
    expect((await lt!.list('sweeps/run 1/')).sort()).toHaveLength(3);
    const error = await failure(lt!.getJson('sweeps/none.json'));
    expect([error.name, (error as { code?: string }).code]).toEqual(['AwsCallError', 'NoSuchKey']);
  });

  it('S3: a listing of more than one page (1,000 keys) is read whole', async () => {
    const client = new lite.S3Client(settings(CENTRAL));
    const store = new lite.ReportStore(client, 'amiwarden-lite');
    await Promise.all(Array.from({ length: 1001 }, (_, i) => store.put(`pages/${String(i).padStart(4, '0')}.json`, '{}')));

    const keys = await store.list('pages/');

    expect(keys).toHaveLength(1001);
    expect(new Set(keys).size).toBe(1001);
  }, 60_000);

  it('EC2: the images of launch template versions, by id, name, $Default, $Latest and number, as the SDK reads them', async () => {
    const ec2 = new EC2Client(emulator.config(MEMBER));
    const { LaunchTemplate } = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'lite-web',
        LaunchTemplateData: { ImageId: 'ami-0aaaaaaaaaaaaaaa1', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }, { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 9 } }] },
      }),
    );
    await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: 'lite-web', LaunchTemplateData: { ImageId: 'ami-0aaaaaaaaaaaaaaa2' } }));
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'lite-api', LaunchTemplateData: { ImageId: 'ami-0aaaaaaaaaaaaaaa3' } }));
    const [sdk, lt] = both(EC2Client, LaunchTemplatesAdapter, lite.EC2Client, lite.LaunchTemplatesAdapter, MEMBER);
    const refs = [
      { launchTemplateId: LaunchTemplate!.LaunchTemplateId! },
      { launchTemplateName: 'lite-web', version: '$Latest' },
      { launchTemplateName: 'lite-web', version: '1' },
      { launchTemplateName: 'lite-api' },
    ];

    const images = await lt!.launchTemplateImages(refs);

    expect([...images].sort()).toEqual([...(await sdk!.launchTemplateImages(refs))].sort());
    expect(images.get(`${LaunchTemplate!.LaunchTemplateId}@$Default`)).toBe('ami-0aaaaaaaaaaaaaaa1');
    expect(images.get('lite-web@$Latest')).toBe('ami-0aaaaaaaaaaaaaaa2');
    expect(images.get('lite-web@1')).toBe('ami-0aaaaaaaaaaaaaaa1');
    for (const ref of [...refs, { launchTemplateName: 'no-such-template' }, { launchTemplateName: 'lite-web', version: '9' }]) {
      expect({ ref, image: await lt!.launchTemplateImage(ref) }).toEqual({ ref, image: await sdk!.launchTemplateImage(ref) });
    }
  });

  it('Organizations: the active accounts of the organization and of an OU, and membership, as the SDK', async () => {
    const management = '888888888888';
    const org = new OrganizationsClient(emulator.config(management));
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    for (const account of ['121212121212', '131313131313']) {
      const { Handshake } = await org.send(new InviteAccountToOrganizationCommand({ Target: { Id: account, Type: 'ACCOUNT' } }));
      await new OrganizationsClient(emulator.config(account)).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! }));
    }
    const root = (await org.send(new ListRootsCommand({}))).Roots![0]!;
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id!, Name: 'workloads' }))).OrganizationalUnit!;
    await org.send(new MoveAccountCommand({ AccountId: '131313131313', SourceParentId: root.Id!, DestinationParentId: ou.Id! }));
    const [sdk, lt] = both(OrganizationsClient, OrganizationsAdapter, lite.OrganizationsClient, lite.OrganizationsAdapter, management);

    expect((await lt!.activeAccounts()).sort()).toEqual((await sdk!.activeAccounts()).sort());
    expect((await lt!.activeAccounts()).sort()).toEqual(['121212121212', '131313131313', management]);
    expect(await lt!.activeAccounts([ou.Id!])).toEqual(['131313131313']);
    expect(await sdk!.activeAccounts([ou.Id!])).toEqual(['131313131313']);
    for (const account of ['121212121212', '141414141414']) {
      expect({ account, member: await lt!.isActiveMember(account) }).toEqual({ account, member: await sdk!.isActiveMember(account) });
    }
    expect(await lt!.isActiveMember('141414141414')).toBe(false);
  });

  it('Auto Scaling: groups, launch templates and configurations, roles and activities, as the SDK reads them', async () => {
    const ec2 = new EC2Client(emulator.config(MEMBER));
    const asg = new AutoScalingClient(emulator.config(MEMBER));
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'asg-web', LaunchTemplateData: { ImageId: 'ami-0bbbbbbbbbbbbbbb1', InstanceType: 't3.micro' } }));
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'asg-mixed', LaunchTemplateData: { ImageId: 'ami-0bbbbbbbbbbbbbbb2', InstanceType: 't3.micro' } }));
    await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-spot', ImageId: 'ami-0bbbbbbbbbbbbbbb3', InstanceType: 't3.micro', SpotPrice: '0.05' }));
    await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-plain', ImageId: 'ami-0bbbbbbbbbbbbbbb4', InstanceType: 't3.micro' }));
    const sizes = { MinSize: 0, MaxSize: 1, AvailabilityZones: [`${REGION}a`] };
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'g-template',
        LaunchTemplate: { LaunchTemplateName: 'asg-web', Version: '$Latest' },
        ServiceLinkedRoleARN: `arn:aws:iam::${MEMBER}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_web`,
        ...sizes,
      }),
    );
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'g-mixed',
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateName: 'asg-mixed', Version: '$Default' },
            Overrides: [{ InstanceType: 't3.small', LaunchTemplateSpecification: { LaunchTemplateName: 'asg-web', Version: '1' } }, { InstanceType: 't3.large' }],
          },
        },
        ...sizes,
      }),
    );
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'g-spot', LaunchConfigurationName: 'lc-spot', ...sizes }));
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'g-plain', LaunchConfigurationName: 'lc-plain', ...sizes }));
    // A failed launch, as the emulator's extension records one (moto records no activities).
    const statusMessage = 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch';
    const fed = await feedScalingActivities(emulator.get(), { account: MEMBER, region: REGION, autoScalingGroupName: 'g-template' }, [
      { StatusCode: 'Cancelled', StatusMessage: statusMessage, Description: 'Launching a new EC2 instance: i-0123 & <more>', Cause: 'capacity' },
    ]);
    expect(fed).toBe(200);
    const [sdk, lt] = both(AutoScalingClient, AutoScalingAdapter, lite.AutoScalingClient, lite.AutoScalingAdapter, MEMBER);
    const [sdkInventory, ltInventory] = both(AutoScalingClient, AutoScalingInventory, lite.AutoScalingClient, lite.AutoScalingInventory, MEMBER);

    for (const name of ['g-template', 'g-mixed', 'g-spot', 'g-plain', 'g-none']) {
      expect({ name, group: await lt!.describeGroup(name) }).toEqual({ name, group: await sdk!.describeGroup(name) });
    }
    expect((await lt!.describeGroup('g-mixed'))!.launchTemplates.map((r) => `${r.launchTemplateName}@${r.version}`)).toEqual(['asg-mixed@$Default', 'asg-web@1']);
    for (const name of ['lc-spot', 'lc-plain', 'lc-none']) {
      expect({ name, config: await lt!.launchConfiguration(name) }).toEqual({ name, config: await sdk!.launchConfiguration(name) });
    }
    expect(await lt!.launchConfiguration('lc-spot')).toEqual({ imageId: 'ami-0bbbbbbbbbbbbbbb3', spot: true });
    expect((await lt!.serviceLinkedRoleArns()).sort()).toEqual((await sdk!.serviceLinkedRoleArns()).sort());
    expect(await ltInventory!.groups()).toEqual(await sdkInventory!.groups());
    expect([...(await ltInventory!.launchConfigurationImages())].sort()).toEqual([...(await sdkInventory!.launchConfigurationImages())].sort());
    const activities = await ltInventory!.recentActivities();
    expect(activities).toEqual(await sdkInventory!.recentActivities());
    expect(activities).toEqual([{ autoScalingGroupName: 'g-template', statusCode: 'Cancelled', statusMessage, time: expect.stringMatching(/^\d{4}-/) }]);
  });

  it('retries throttling up to maxAttempts with back-off, then fails with the code, as the SDK does', async () => {
    const admin = new KMSClient(emulator.config(CENTRAL));
    const { KeyMetadata } = await admin.send(new CreateKeyCommand({}));
    const retrying = new lite.KmsAdapter(new lite.KMSClient({ ...settings(CENTRAL), maxAttempts: 3 }));
    await emulator.get().clearCalls();
    await emulator.get().setFaults([{ service: 'kms', action: 'DescribeKey', error: 'ThrottlingException', count: 2 }]);

    await expect(retrying.describeKey(KeyMetadata!.Arn!)).resolves.toMatchObject({ found: true });
    expect((await emulator.get().calls()).filter((c) => c.action === 'DescribeKey').map((c) => c.status)).toEqual([400, 400, 200]);

    await emulator.get().setFaults([{ service: 'kms', action: 'DescribeKey', error: 'ThrottlingException', count: 3 }]);
    const error = await failure(retrying.describeKey(KeyMetadata!.Arn!));
    expect([error.name, (error as { code?: string }).code]).toEqual(['TransientAwsError', 'ThrottlingException']);
    await emulator.get().clearFaults();
  });
});
