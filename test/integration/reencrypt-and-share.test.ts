/**
 * End to end on the emulator: an AMI on the AWS managed key (aws/ebs) appears in the central
 * account; both of its events (the CloudTrail call and the AMI state change) reach the central
 * rules; the deployed state machine runs with the real handlers and ends with one copy on the
 * organization key, shared with both members, whose Auto Scaling roles hold the grant. Replaying
 * the events changes nothing.
 */
import { DescribeImageAttributeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { drainQueues } from '../../local/event-router';
import { buildOrganization, emitImageEvent, HOME_REGION, registerImage, type Organization } from '../../local/organization';
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
