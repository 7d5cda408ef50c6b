/**
 * End to end on the emulator: an AMI of a family on the AWS managed key (aws/ebs) is re-encrypted
 * and shared; the family's SSM parameter in the central account now names the copy, is shared
 * through RAM with the members, and a member's launch template that resolves it launches the
 * copy. The pointer never moves backwards to an older build, nor to an image a target could not
 * launch; the copy carries its source's deprecation time.
 */
import {
  CreateLaunchTemplateCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetResourceSharesCommand, RAMClient } from '@aws-sdk/client-ram';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { drainQueues } from '../../local/event-router';
import { buildOrganization, emitImageEvent, HOME_REGION, registerImage, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';
import { FUNCTIONS } from '../../local/workflows';

const emulator = emulatorForFile();
let org: Organization;
let ec2: EC2Client;
const POINTER = '/amiwarden/images/web';

beforeEach(async () => {
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator);
  applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, createServiceLinkedRole: false }), AMIWARDEN_IMAGE_FAMILY_TAG: 'image-family' });
  ec2 = new EC2Client(clientConfig(emulator, org.centralAccount, HOME_REGION));
}, 30_000);

afterAll(() => {
  delete process.env.AMIWARDEN_IMAGE_FAMILY_TAG;
  delete process.env.AMIWARDEN_LAUNCH_TEMPLATE_UPDATES;
  delete process.env.AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT;
});

async function build(name: string, family = 'web'): Promise<string> {
  const imageId = await registerImage(emulator, org.centralAccount, name, { encrypted: true });
  await ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: 'image-family', Value: family }] }));
  return imageId;
}

const pointerArn = () => `arn:aws:ssm:${HOME_REGION}:${org.centralAccount}:parameter${POINTER}`;
const central = () => new SSMClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
const pointerValue = async () => (await central().send(new GetParameterCommand({ Name: POINTER })).catch(() => undefined))?.Parameter?.Value;

describe('image pointers on the emulator', () => {
  it('points the family at the re-encrypted copy, shares the pointer with the members, and a member launches it through resolve:ssm:', async () => {
    const sourceId = await build('web-2026-11-02');
    await emitImageEvent(emulator, org.centralAccount, sourceId, 'available');
    const [execution] = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);

    expect(execution!.status).toBe('SUCCEEDED');
    const output = execution!.output as Record<string, any>;
    expect(output.status).toBe('reencrypted-and-shared');
    const copyId = output.imageId as string;
    expect(copyId).not.toBe(sourceId);
    expect(output.publication.pointer).toMatchObject({ outcome: 'updated', family: 'web', parameterName: POINTER, imageId: copyId, share: { outcome: 'created' } });

    // The central parameter names the copy, with the data type SSM validates.
    const parameter = (await central().send(new GetParameterCommand({ Name: POINTER }))).Parameter!;
    expect(parameter).toMatchObject({ Value: copyId, DataType: 'aws:ec2:image' });
    const shares = await new RAMClient(clientConfig(emulator, org.centralAccount, HOME_REGION)).send(new GetResourceSharesCommand({ resourceOwner: 'SELF', name: 'amiwarden-image-pointers' }));
    expect(shares.resourceShares).toHaveLength(1);

    for (const member of org.members) {
      // The member reads the shared parameter by its ARN ...
      const read = await new SSMClient(clientConfig(emulator, member.account, HOME_REGION)).send(new GetParameterCommand({ Name: pointerArn() }));
      expect(read.Parameter?.Value).toBe(copyId);
      // ... and a launch template that resolves it launches the copy.
      const memberEc2 = new EC2Client(clientConfig(emulator, member.account, HOME_REGION));
      await memberEc2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'golden-web', LaunchTemplateData: { ImageId: `resolve:ssm:${pointerArn()}`, InstanceType: 't3.micro' } }));
      const run = await memberEc2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: 'golden-web' } }));
      expect(run.Instances?.[0]?.ImageId).toBe(copyId);
    }

    // A replay changes nothing: the pointer is current, the share already holds it.
    await emitImageEvent(emulator, org.centralAccount, sourceId, 'available');
    const [replay] = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);
    expect((replay!.output as Record<string, any>).publication.pointer).toMatchObject({ outcome: 'current', share: { outcome: 'already-shared' } });
  }, 90_000);

  it('moves the pointer to a newer build, never back to an older one', async () => {
    // Builds already on the organization key, so that each image's age is its own creation date.
    // (For copies, the age of the source EC2 names in SourceImageId: test/unit/services/pointers.test.ts.)
    const onKey = async (name: string) => {
      const id = await registerImage(emulator, org.centralAccount, name, { kmsKeyId: org.keyArns[HOME_REGION]! });
      await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'image-family', Value: 'web' }] }));
      return id;
    };
    const older = await onKey('web-2026-11-01');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // CreationDate has whole seconds
    const newer = await onKey('web-2026-11-03');

    await runWorkflow('reencrypt-and-share', { imageId: older, region: HOME_REGION });
    expect(await pointerValue()).toBe(older);
    const moved = await runWorkflow('reencrypt-and-share', { imageId: newer, region: HOME_REGION });
    expect((moved.output as Record<string, any>).publication.pointer).toMatchObject({ outcome: 'updated', previousImageId: older });
    expect(await pointerValue()).toBe(newer);

    const late = await runWorkflow('reencrypt-and-share', { imageId: older, region: HOME_REGION });
    expect((late.output as Record<string, any>).publication.pointer).toMatchObject({ outcome: 'kept-newer', previousImageId: newer });
    expect(await pointerValue()).toBe(newer);
  }, 90_000);

  it('never points at an image that is not shared with every target', async () => {
    // On the organization key but shared with nobody: the publish step re-checks and refuses.
    const unshared = await registerImage(emulator, org.centralAccount, 'web-unshared', { kmsKeyId: org.keyArns[HOME_REGION]! });
    await ec2.send(new CreateTagsCommand({ Resources: [unshared], Tags: [{ Key: 'image-family', Value: 'web' }] }));
    const { handler } = await FUNCTIONS.PublishImageLambdaFunction!.load();
    const outcome = (await handler({ sourceImageId: unshared, imageId: unshared, region: HOME_REGION, dryRun: false, imageExists: true } as never)) as Record<string, any>;

    expect(outcome.pointer).toMatchObject({ outcome: 'not-launchable', parameterName: POINTER });
    expect(await pointerValue()).toBeUndefined();
  }, 60_000);

  it('gives the copy its source’s deprecation time', async () => {
    const sourceId = await build('web-2026-11-04');
    await ec2.send(new EnableImageDeprecationCommand({ ImageId: sourceId, DeprecateAt: new Date('2027-06-01T12:00:00Z') }));
    const report = await runWorkflow('reencrypt-and-share', { imageId: sourceId, region: HOME_REGION });

    const output = report.output as Record<string, any>;
    expect(output.publication.lineage).toMatchObject({ outcome: 'deprecation-copied', sourceImageId: sourceId });
    const copy = (await ec2.send(new DescribeImagesCommand({ ImageIds: [output.imageId] }))).Images![0]!;
    expect(copy.DeprecationTime).toBe('2027-06-01T12:00:00.000Z');
    expect(copy.Description).toContain(sourceId);
    // EC2's own ancestry of the copy: the copy, then its source (the root).
    expect(output.publication.lineage.ancestry).toEqual({
      from: 'GetImageAncestry',
      chain: [
        { imageId: output.imageId, sourceImageId: sourceId, sourceImageRegion: HOME_REGION, creationDate: expect.any(String) },
        { imageId: sourceId, creationDate: expect.any(String) },
      ],
    });
  }, 60_000);

  it('plans the pointer in a dry run without writing it', async () => {
    const sourceId = await build('web-dry-run');
    const report = await runWorkflow('reencrypt-and-share', { imageId: sourceId, region: HOME_REGION, dryRun: true });

    expect((report.output as Record<string, any>).publication.pointer).toMatchObject({ outcome: 'planned', parameterName: POINTER, share: { outcome: 'planned' } });
    expect(await pointerValue()).toBeUndefined();
  }, 60_000);

  describe('launch-template versions in opted-in member accounts', () => {
    afterEach(() => {
      delete process.env.AMIWARDEN_LAUNCH_TEMPLATE_UPDATES;
      delete process.env.AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT;
    });

    const template = async (account: string, name: string, imageId: string) =>
      (await new EC2Client(clientConfig(emulator, account, HOME_REGION)).send(new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' } })))
        .LaunchTemplate!.LaunchTemplateId!;
    const versions = async (account: string, id: string) =>
      (await new EC2Client(clientConfig(emulator, account, HOME_REGION)).send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id }))).LaunchTemplateVersions!.map((v) => ({
        version: v.VersionNumber,
        imageId: v.LaunchTemplateData?.ImageId,
        instanceType: v.LaunchTemplateData?.InstanceType,
        default: v.DefaultVersion,
      })).sort((a, b) => a.version! - b.version!);

    it('gives the opted-in member’s named template a version launching the copy; other templates and members are untouched', async () => {
      const previous = await registerImage(emulator, org.centralAccount, 'web-2026-11-01', { kmsKeyId: org.keyArns[HOME_REGION]! });
      await ec2.send(new CreateTagsCommand({ Resources: [previous], Tags: [{ Key: 'image-family', Value: 'web' }] }));
      await runWorkflow('reencrypt-and-share', { imageId: previous, region: HOME_REGION });
      expect(await pointerValue()).toBe(previous);

      const [a, b] = org.members.map((m) => m.account) as [string, string];
      const named = await template(a, 'web-named', previous);
      const notNamed = await template(a, 'web-not-named', previous);
      const otherImage = await template(a, 'web-other-image', org.goldenImageId);
      const otherMember = await template(b, 'web-b', previous);
      jest.resetModules();
      applyEnvironment({ AMIWARDEN_LAUNCH_TEMPLATE_UPDATES: `${a}:${named},${a}:${otherImage}` });

      await new Promise((resolve) => setTimeout(resolve, 1100)); // CreationDate has whole seconds
      const sourceId = await build('web-2026-11-05');
      const report = await runWorkflow('reencrypt-and-share', { imageId: sourceId, region: HOME_REGION });
      const output = report.output as Record<string, any>;
      const copyId = output.imageId as string;
      expect(copyId).not.toBe(sourceId);
      expect(output.publication.pointer).toMatchObject({ outcome: 'updated', previousImageId: previous, imageId: copyId });

      expect(output.launchTemplates).toEqual([
        {
          account: a,
          outcome: 'updated',
          failed: false,
          finding: null,
          templates: [
            { launchTemplateId: named, outcome: 'version-created', version: 2, sourceVersion: 1, defaultVersion: 1, finding: null },
            { launchTemplateId: otherImage, outcome: 'not-on-previous-image', version: null, sourceVersion: null, defaultVersion: 1, finding: expect.stringContaining(org.goldenImageId) },
          ],
        },
      ]);
      expect(await versions(a, named)).toEqual([
        { version: 1, imageId: previous, instanceType: 't3.micro', default: true },
        { version: 2, imageId: copyId, instanceType: 't3.micro', default: false },
      ]);
      // Not named, another image, another member: untouched.
      expect(await versions(a, notNamed)).toEqual([{ version: 1, imageId: previous, instanceType: 't3.micro', default: true }]);
      expect(await versions(a, otherImage)).toEqual([{ version: 1, imageId: org.goldenImageId, instanceType: 't3.micro', default: true }]);
      expect(await versions(b, otherMember)).toEqual([{ version: 1, imageId: previous, instanceType: 't3.micro', default: true }]);

      // The member launches the copy from the new version.
      const run = await new EC2Client(clientConfig(emulator, a, HOME_REGION)).send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: named, Version: '$Latest' } }));
      expect(run.Instances?.[0]?.ImageId).toBe(copyId);
    }, 120_000);

    it('sets the new version as default only when configured, and never writes in a dry run', async () => {
      const previous = await registerImage(emulator, org.centralAccount, 'web-2026-11-01', { kmsKeyId: org.keyArns[HOME_REGION]! });
      await ec2.send(new CreateTagsCommand({ Resources: [previous], Tags: [{ Key: 'image-family', Value: 'web' }] }));
      await runWorkflow('reencrypt-and-share', { imageId: previous, region: HOME_REGION });
      const a = org.members[0]!.account;
      const named = await template(a, 'web-named', previous);
      jest.resetModules();
      applyEnvironment({ AMIWARDEN_LAUNCH_TEMPLATE_UPDATES: `${a}:${named}`, AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT: 'true' });

      await new Promise((resolve) => setTimeout(resolve, 1100));
      const sourceId = await build('web-2026-11-06');
      const planned = await runWorkflow('reencrypt-and-share', { imageId: sourceId, region: HOME_REGION, dryRun: true });
      expect((planned.output as Record<string, any>).launchTemplates).toEqual([]);
      expect(await versions(a, named)).toHaveLength(1);

      const report = await runWorkflow('reencrypt-and-share', { imageId: sourceId, region: HOME_REGION });
      const copyId = (report.output as Record<string, any>).imageId as string;
      expect((report.output as Record<string, any>).launchTemplates[0].templates[0]).toMatchObject({ outcome: 'version-created', version: 2, defaultVersion: 2 });
      expect(await versions(a, named)).toEqual([
        { version: 1, imageId: previous, instanceType: 't3.micro', default: false },
        { version: 2, imageId: copyId, instanceType: 't3.micro', default: true },
      ]);
    }, 120_000);
  });
});
