/**
 * End to end on the emulator: an AMI on the AWS managed key (aws/ebs) appears in the central
 * account; both of its events (the CloudTrail call and the AMI state change) reach the central
 * rules; the deployed state machine runs with the real handlers and ends with one copy on the
 * organization key, shared with both members, whose Auto Scaling roles hold the grant. Replaying
 * the events changes nothing.
 */
import { AutoScalingClient, CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateTagsCommand, DescribeImageAttributeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { drainQueues } from '../../local/event-router';
import { buildOrganization, emitImageEvent, HOME_REGION, MEMBER_ROLE_NAME, registerImage, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';

const MUTATING = ['CopyImage', 'CreateTags', 'ModifyImageAttribute', 'CreateGrant', 'CreateServiceLinkedRole', 'DeregisterImage', 'DeleteSnapshot'];

const emulator = emulatorForFile();
let org: Organization;
let ec2: EC2Client;


beforeEach(async () => {
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator);
  applyEnvironment(lambdaEnvironment(emulator, { ...org, createServiceLinkedRole: false }));
  ec2 = new EC2Client(clientConfig(emulator, org.centralAccount, HOME_REGION));
  await emulator.clearCalls();
}, 30_000);

async function image(imageId: string) {
  const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  return out.Images![0]!;
}

async function snapshotKeys(imageId: string): Promise<(string | undefined)[]> {
  const ids = (await image(imageId)).BlockDeviceMappings!.flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
  const out = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ids }));
  return out.Snapshots!.map((s) => s.KmsKeyId);
}

async function grantsOnKey(granteePrincipal: string) {
  const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
  return (await kms.send(new ListGrantsCommand({ KeyId: org.keyArns[HOME_REGION]!, GranteePrincipal: granteePrincipal }))).Grants ?? [];
}

const mutations = async () => (await emulator.calls()).filter((c) => MUTATING.includes(c.action));

describe('re-encrypt and share on the emulator', () => {
  it('re-encrypts an aws/ebs AMI onto the organization key, shares it with both members, grants both members’ roles — and a replay changes nothing', async () => {
    const sourceId = await registerImage(emulator, org.centralAccount, 'build-2026-11-02', { encrypted: true });
    const [sourceKey] = await snapshotKeys(sourceId);
    const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: sourceKey! }))).KeyMetadata?.KeyManager).toBe('AWS');
    await emulator.clearCalls();

    // Both events for one image, as EC2 and CloudTrail send them.
    await emitImageEvent(emulator, org.centralAccount, sourceId, 'cloudtrail');
    await emitImageEvent(emulator, org.centralAccount, sourceId, 'available');
    const executions = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);

    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const outputs = executions.map((e) => e.output as Record<string, any>);
    expect(outputs.map((o) => o.status)).toEqual(['reencrypted-and-shared', 'reencrypted-and-shared']);
    const copyId = outputs[0]!.imageId as string;
    expect(outputs[1]!.imageId).toBe(copyId);
    expect(outputs.map((o) => o.copy.outcome).sort()).toEqual(['reused', 'started']);
    expect(outputs[0]).toMatchObject({ classification: 'aws-managed-key', sourceImageId: sourceId, found: [expect.objectContaining({ status: 'aws-managed-key' })] });

    // One copy, every snapshot on the organization key, linked both ways.
    expect((await mutations()).filter((c) => c.action === 'CopyImage')).toHaveLength(1);
    expect(await snapshotKeys(copyId)).toEqual([org.keyArns[HOME_REGION]]);
    const copy = await image(copyId);
    expect(copy.Tags).toEqual(expect.arrayContaining([{ Key: 'amiwarden:source-image-id', Value: sourceId }]));
    expect((await image(sourceId)).Tags).toEqual(expect.arrayContaining([{ Key: 'amiwarden:copy-image-id', Value: copyId }]));
    // The source's snapshots carry the link too: the only snapshots the original-image role may delete.
    const sourceSnapshotIds = (await image(sourceId)).BlockDeviceMappings!.flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
    const sourceSnapshots = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: sourceSnapshotIds }))).Snapshots!;
    expect(sourceSnapshots.map((snap) => snap.Tags ?? [])).toEqual(sourceSnapshotIds.map(() => expect.arrayContaining([{ Key: 'amiwarden:copy-image-id', Value: copyId }])));

    // Shared with both members, and each member's Auto Scaling role (default and custom suffix) holds the grant.
    const permissions = await ec2.send(new DescribeImageAttributeCommand({ ImageId: copyId, Attribute: 'launchPermission' }));
    expect(permissions.LaunchPermissions?.map((p) => p.UserId).sort()).toEqual(['111111111111', '222222222222']);
    for (const member of org.members) expect(await grantsOnKey(member.serviceLinkedRoleArn)).toHaveLength(1);
    expect(outputs[0]!.grants.map((g: { account: string; outcome: string }) => g.outcome)).toEqual(['granted', 'granted']);
    // The original is kept by default.
    expect((await image(sourceId)).State).toBe('available');

    // Replay both events: nothing is copied, shared, tagged or granted again.
    await emulator.clearCalls();
    await emitImageEvent(emulator, org.centralAccount, sourceId, 'available');
    await emitImageEvent(emulator, org.centralAccount, sourceId, 'cloudtrail');
    const replay = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);
    expect(replay.map((e) => (e.output as Record<string, any>).imageId)).toEqual([copyId, copyId]);
    expect(await mutations()).toEqual([]);
    for (const member of org.members) expect(await grantsOnKey(member.serviceLinkedRoleArn)).toHaveLength(1);
  }, 90_000);

  it('re-encrypts an unencrypted AMI started by hand', async () => {
    const sourceId = await registerImage(emulator, org.centralAccount, 'unencrypted-2026-11-02', {});
    const report = await runWorkflow('reencrypt-and-share', { imageId: sourceId, region: HOME_REGION });

    expect(report.output).toMatchObject({ status: 'reencrypted-and-shared', classification: 'unencrypted', sourceImageId: sourceId });
    const copyId = (report.output as { imageId: string }).imageId;
    expect(await snapshotKeys(copyId)).toEqual([org.keyArns[HOME_REGION]]);
  }, 60_000);

  it('shares the golden image that is already on the organization key without copying it', async () => {
    const report = await runWorkflow('reencrypt-and-share', { imageId: org.goldenImageId, region: HOME_REGION });

    expect(report.output).toMatchObject({ status: 'shared', classification: 'compliant', imageId: org.goldenImageId, sharing: { outcome: 'already-shared' } });
    expect((await mutations()).filter((c) => ['CopyImage', 'ModifyImageAttribute'].includes(c.action))).toEqual([]);
  }, 60_000);

  it('plans without changing anything in a dry run', async () => {
    const sourceId = await registerImage(emulator, org.centralAccount, 'build-dry-run', { encrypted: true });
    await emulator.clearCalls();
    const report = await runWorkflow('reencrypt-and-share', { imageId: sourceId, region: HOME_REGION, dryRun: true });

    expect(report.output).toMatchObject({
      status: 'planned',
      classification: 'aws-managed-key',
      copy: { outcome: 'planned', kmsKeyId: org.keyArns[HOME_REGION], permitted: true },
      sharing: { outcome: 'planned', added: [{ UserId: '111111111111' }, { UserId: '222222222222' }] },
    });
    expect((await emulator.calls()).filter((c) => MUTATING.includes(c.action) && c.status === 200)).toEqual([]);
  }, 60_000);
});

describe('share targets and the organization', () => {
  it('shares with an account of the organization and refuses a configured account that is not one', async () => {
    const orgs = new OrganizationsClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
    const organization = (await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!;
    const created = await orgs.send(new CreateAccountCommand({ AccountName: 'workloads', Email: 'workloads@example.com' }));
    const inside = created.CreateAccountStatus!.AccountId!;
    const outsider = org.members[0]!.account; // configured, but not in this organization
    // The new account has amiwarden's member role (and no Auto Scaling role yet: its grant waits for its first failed launch).
    await new IAMClient(clientConfig(emulator, inside, HOME_REGION)).send(
      new CreateRoleCommand({ RoleName: MEMBER_ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${org.centralAccount}:root` }, Action: 'sts:AssumeRole' }] }) }),
    );
    applyEnvironment({ AMIWARDEN_ORGANIZATION_ID: organization.Id!, AMIWARDEN_SHARE_TARGETS: `${inside},${outsider}` });

    let report;
    try {
      report = await runWorkflow('reencrypt-and-share', { imageId: org.goldenImageId, region: HOME_REGION });
    } finally {
      delete process.env.AMIWARDEN_ORGANIZATION_ID; // the next tests run without an organization
    }

    const output = report.output as { sharing: { refused: { target: string; reason: string }[]; accounts: string[]; added: unknown[] } };
    expect(output.sharing.accounts).toEqual([inside]);
    expect(output.sharing.added).toEqual([{ UserId: inside }]);
    expect(output.sharing.refused).toEqual([{ target: outsider, reason: `not an active member of the organization ${organization.Id}` }]);
    expect(await new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION)).send(new ListGrantsCommand({ KeyId: org.keyArns[HOME_REGION]!, GranteePrincipal: org.members[0]!.serviceLinkedRoleArn })).then((g) => g.Grants)).toEqual([]);
  }, 60_000);
});

describe('the original image, by policy', () => {
  it('deprecates the original once its copy is available and shared, when the policy says deprecate', async () => {
    const source = await registerImage(emulator, org.centralAccount, 'to-be-deprecated', { encrypted: true });
    applyEnvironment({ AMIWARDEN_ORIGINAL_IMAGE_POLICY: 'deprecate', AMIWARDEN_DEPRECATE_AFTER_DAYS: '30' });
    try {
      const report = await runWorkflow('reencrypt-and-share', { imageId: source, region: HOME_REGION });

      expect(report.output).toMatchObject({ status: 'reencrypted-and-shared', original: { outcome: 'deprecated' } });
      const original = (await ec2.send(new DescribeImagesCommand({ ImageIds: [source] }))).Images![0]!;
      const days = (new Date(original.DeprecationTime!).getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThan(30.1);
      expect(original.State).toBe('available'); // deprecated, never deleted
    } finally {
      delete process.env.AMIWARDEN_ORIGINAL_IMAGE_POLICY;
      delete process.env.AMIWARDEN_DEPRECATE_AFTER_DAYS;
    }
  }, 60_000);
});

describe('the original image, deregistered by policy', () => {
  it('deregisters the original only after its copy is available and shared, and keeps its snapshots unless told otherwise', async () => {
    const source = await registerImage(emulator, org.centralAccount, 'to-be-deregistered', { encrypted: true });
    const sourceSnapshots = (await ec2.send(new DescribeImagesCommand({ ImageIds: [source] }))).Images![0]!.BlockDeviceMappings!.map((m) => m.Ebs!.SnapshotId!);
    applyEnvironment({ AMIWARDEN_ORIGINAL_IMAGE_POLICY: 'deregister' });
    try {
      const report = await runWorkflow('reencrypt-and-share', { imageId: source, region: HOME_REGION });

      expect(report.output).toMatchObject({ status: 'reencrypted-and-shared', original: { outcome: 'deregistered' } });
      const copy = (report.output as { copy: { imageId: string } }).copy.imageId;
      expect((await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images!.map((i) => i.ImageId)).toEqual(expect.arrayContaining([copy]));
      expect((await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images!.map((i) => i.ImageId)).not.toContain(source);
      // The snapshots stay: deleting them needs AMIWARDEN_DELETE_SNAPSHOTS=true as well.
      expect((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: sourceSnapshots }))).Snapshots!.map((s) => s.SnapshotId)).toEqual(sourceSnapshots);
    } finally {
      delete process.env.AMIWARDEN_ORIGINAL_IMAGE_POLICY;
    }
  }, 60_000);
});

describe('a copy is amiwarden’s only when EC2 says it is a copy of the source', () => {
  /** An image someone else made, on the organization key, tagged as if it were the source's copy. */
  async function plantedCopyOf(sourceId: string): Promise<string> {
    const planted = await registerImage(emulator, org.centralAccount, 'planted-look-alike', { kmsKeyId: org.keyArns[HOME_REGION]! });
    await ec2.send(new CreateTagsCommand({ Resources: [planted], Tags: [{ Key: 'amiwarden:source-image-id', Value: sourceId }] }));
    return planted;
  }

  it('an image tagged amiwarden:source-image-id is not taken as the copy: it is never shared or granted for, and a real copy is made', async () => {
    const source = await registerImage(emulator, org.centralAccount, 'golden-targeted', { encrypted: true });
    const sourceSnapshots = (await image(source)).BlockDeviceMappings!.map((m) => m.Ebs!.SnapshotId!);
    const planted = await plantedCopyOf(source);
    applyEnvironment({ AMIWARDEN_ORIGINAL_IMAGE_POLICY: 'deregister', AMIWARDEN_DELETE_SNAPSHOTS: 'true' });
    try {
      const report = await runWorkflow('reencrypt-and-share', { imageId: source, region: HOME_REGION });

      const output = report.output as { status: string; imageId: string; copy: { outcome: string; imageId: string }; original: { outcome: string } };
      expect(output.copy.outcome).toBe('started');
      expect(output.imageId).not.toBe(planted);
      expect(await ec2.send(new DescribeImageAttributeCommand({ ImageId: planted, Attribute: 'launchPermission' })).then((p) => p.LaunchPermissions)).toEqual([]);
      expect((await mutations()).filter((c) => c.action === 'CopyImage' && c.status === 200)).toHaveLength(1);
      // The source gave way to the copy EC2 made of it, and to nothing else.
      const copy = await image(output.imageId);
      expect(copy).toMatchObject({ SourceImageId: source, SourceImageRegion: HOME_REGION });
      expect(output.original.outcome).toBe('deregistered');
      expect((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!.map((s) => s.SnapshotId)).not.toEqual(expect.arrayContaining(sourceSnapshots));
    } finally {
      delete process.env.AMIWARDEN_ORIGINAL_IMAGE_POLICY;
      delete process.env.AMIWARDEN_DELETE_SNAPSHOTS;
    }
  }, 60_000);

  it('the original-image step refuses to deregister a source for an image that only carries the tag', async () => {
    const source = await registerImage(emulator, org.centralAccount, 'golden-kept', { encrypted: true });
    const planted = await plantedCopyOf(source);
    await ec2.send(new ModifyImageAttributeCommand({ ImageId: planted, LaunchPermission: { Add: org.members.map((m) => ({ UserId: m.account })) } }));
    await ec2.send(new CreateTagsCommand({ Resources: [source], Tags: [{ Key: 'amiwarden:copy-image-id', Value: planted }] }));
    applyEnvironment({ AMIWARDEN_ORIGINAL_IMAGE_POLICY: 'deregister', AMIWARDEN_DELETE_SNAPSHOTS: 'true' });
    try {
      await emulator.clearCalls();
      const { handler } = (await import('../../functions/apply-original-image-policy/handler')) as { handler: (p: unknown) => Promise<{ outcome: string; finding: string | null }> };
      const outcome = await handler({ sourceImageId: source, copyImageId: planted, region: HOME_REGION, dryRun: false });

      expect(outcome.outcome).toBe('refused');
      expect(outcome.finding).toMatch(/not a copy EC2 made of/);
      expect((await image(source)).State).toBe('available');
      expect(await mutations()).toEqual([]);
    } finally {
      delete process.env.AMIWARDEN_ORIGINAL_IMAGE_POLICY;
      delete process.env.AMIWARDEN_DELETE_SNAPSHOTS;
    }
  }, 60_000);
});

describe('grants go only to the target account’s own Auto Scaling service-linked roles', () => {
  /** A group in the member account that names `roleArn` as its service-linked role (the member controls this). */
  async function groupWithRole(account: string, name: string, roleArn: string): Promise<void> {
    const memberEc2 = new EC2Client(clientConfig(emulator, account, HOME_REGION));
    const template = await memberEc2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: org.goldenImageId, InstanceType: 't3.micro' } }));
    await new AutoScalingClient(clientConfig(emulator, account, HOME_REGION)).send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate!.LaunchTemplateId!, Version: '$Default' },
        MinSize: 0,
        MaxSize: 1,
        AvailabilityZones: [`${HOME_REGION}a`],
        ServiceLinkedRoleARN: roleArn,
      }),
    );
  }
  const hostileRoles = (account: string) => [
    `arn:aws:iam::${account}:role/developer`,
    `arn:aws-cn:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    `arn:aws:iam::333333333333:role/:${account}:/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  ];

  it('a group naming role/developer, an aws-cn role or another account’s role gets no grant; the real role does', async () => {
    const member = org.members[0]!;
    for (const [i, role] of hostileRoles(member.account).entries()) await groupWithRole(member.account, `hostile-${i}`, role);

    const report = await runWorkflow('reencrypt-and-share', { imageId: org.goldenImageId, region: HOME_REGION });

    const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
    const grantees = ((await kms.send(new ListGrantsCommand({ KeyId: org.keyArns[HOME_REGION]! }))).Grants ?? []).map((g) => g.GranteePrincipal);
    expect(grantees.sort()).toEqual(org.members.map((m) => m.serviceLinkedRoleArn).sort());
    const grants = (report.output as { grants: { account: string; serviceLinkedRoles: string[] }[] }).grants;
    expect(grants.find((g) => g.account === member.account)!.serviceLinkedRoles).toEqual([member.serviceLinkedRoleArn]);
  }, 60_000);

  it('KMS refusing the grant is a named outcome with the key-policy fix, not a TypeError', async () => {
    const member = org.members[0]!;
    // The member's only group names role/developer; its default service-linked role exists.
    await new AutoScalingClient(clientConfig(emulator, member.account, HOME_REGION)).send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: member.autoScalingGroupName, ForceDelete: true }));
    await groupWithRole(member.account, 'developer-group', hostileRoles(member.account)[0]!);
    await emulator.setFaults([{ service: 'kms', action: 'CreateGrant', error: 'AccessDeniedException' }]);
    try {
      const { handler } = (await import('../../functions/grant-target-access/handler')) as { handler: (p: unknown) => Promise<{ outcome: string; failed: boolean; serviceLinkedRoles: string[]; fix: string | null }> };
      const outcome = await handler({ account: member.account, region: HOME_REGION, dryRun: false });

      // The refusal is named (core/checks/grant-refusal.ts tells its causes apart), and it counts as a failed target.
      expect(outcome).toMatchObject({ outcome: expect.stringMatching(/^(key-policy-blocks-grant|grant-refused)$/), failed: true, serviceLinkedRoles: [member.serviceLinkedRoleArn], fix: expect.stringContaining('kms:CreateGrant') });
    } finally {
      await emulator.clearFaults();
    }
  }, 60_000);
});
