/**
 * End to end on the emulator: a member's Auto Scaling group fails to launch from the central
 * account's CMK-encrypted AMI; the failure travels member bus → central bus → the launch-failure
 * rule; the deployed state machine runs with the real handlers against the emulator; the grant is
 * then on the central key for that member's service-linked role, created from inside the member.
 */
import { DescribeImageAttributeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile, isDryRunAnswer } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { drainQueues } from '../../local/event-router';
import { buildOrganization, createGroup, emitLaunchFailure, HOME_REGION, MEMBERS, registerImage, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';

const KMS_FAILURE = 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch';
const REQUIRED = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];

const emulator = emulatorForFile();
let org: Organization;


beforeEach(async () => {
  // Each test is a new world and a cold start: the emulator forgets every session it issued.
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator);
  applyEnvironment(
    lambdaEnvironment(emulator, org),
  );
  await emulator.clearCalls();
}, 30_000);

async function grantsOnKey(granteePrincipal?: string) {
  const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
  const out = await kms.send(new ListGrantsCommand({ KeyId: org.keyArns[HOME_REGION]!, ...(granteePrincipal ? { GranteePrincipal: granteePrincipal } : {}) }));
  return out.Grants ?? [];
}

describe('launch-failure remediation on the emulator', () => {
  it('takes a member’s KMS launch failure from its bus to a grant for its service-linked role, and a replay changes nothing', async () => {
    const member = org.members[0]!;
    await emitLaunchFailure(emulator, MEMBERS[0]!, KMS_FAILURE);

    const executions = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);

    expect(executions).toHaveLength(1);
    expect(executions[0]!.event).toMatchObject({ account: member.account, source: 'aws.autoscaling' });
    expect(executions[0]!.output).toMatchObject({ status: 'remediated', cause: 'missing-grant', account: member.account });
    const grants = await grantsOnKey(member.serviceLinkedRoleArn);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ GranteePrincipal: member.serviceLinkedRoleArn, Name: `amiwarden:${member.account}:AWSServiceRoleForAutoScaling` });
    expect([...grants[0]!.Operations!].sort()).toEqual([...REQUIRED].sort());
    const creates = (await emulator.calls()).filter((c) => c.action === 'CreateGrant' && !isDryRunAnswer(c));
    expect(creates).toEqual([expect.objectContaining({ service: 'kms', account: member.account, status: 200 })]);

    // The same failure again (EventBridge delivers at least once): diagnosed as granted, nothing created.
    await emulator.clearCalls();
    await emitLaunchFailure(emulator, MEMBERS[0]!, KMS_FAILURE);
    const replay = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);
    expect(replay[0]!.output).toMatchObject({ status: 'no-action', cause: 'grant-present' });
    expect(await grantsOnKey()).toHaveLength(1);
    expect((await emulator.calls()).filter((c) => ['CreateGrant', 'CreateServiceLinkedRole'].includes(c.action))).toEqual([]);
  }, 60_000);

  it('grants the custom-suffix service-linked role the member’s group actually uses', async () => {
    const member = org.members[1]!;
    const report = await runWorkflow('launch-failure', { account: member.account, region: HOME_REGION, autoScalingGroupName: member.autoScalingGroupName });

    expect(report.output).toMatchObject({ status: 'remediated', serviceLinkedRoleArn: member.serviceLinkedRoleArn });
    expect(member.serviceLinkedRoleArn).toMatch(/AWSServiceRoleForAutoScaling_apps$/);
    expect(await grantsOnKey(member.serviceLinkedRoleArn)).toHaveLength(1);
  }, 60_000);

  it('does not forward or run anything for a launch failure that is not about KMS', async () => {
    await emitLaunchFailure(emulator, MEMBERS[0]!, 'Server.InternalError: Internal error on launch. Launching EC2 instance failed.', 'Failed');

    expect(await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues)).toEqual([]);
    expect(await grantsOnKey()).toHaveLength(0);
  }, 60_000);

  it('converges through throttling of KMS and Auto Scaling, with the SDK and the state machine retrying', async () => {
    const member = org.members[0]!;
    await emulator.setFaults([
      { service: 'autoscaling', action: 'DescribeAutoScalingGroups', error: 'Throttling', count: 4 },
      { service: 'kms', action: 'CreateGrant', error: 'ThrottlingException', count: 2 },
    ]);
    const report = await runWorkflow('launch-failure', { account: member.account, region: HOME_REGION, autoScalingGroupName: member.autoScalingGroupName });

    expect(report.status).toBe('SUCCEEDED');
    expect(report.output).toMatchObject({ status: 'remediated' });
    expect(report.retries).toBeGreaterThanOrEqual(1);
    const calls = await emulator.calls();
    expect(calls.filter((c) => c.action === 'DescribeAutoScalingGroups' && c.status !== 200)).toHaveLength(4);
    expect(calls.filter((c) => c.action === 'CreateGrant' && c.status === 200)).toHaveLength(1);
    expect(await grantsOnKey(member.serviceLinkedRoleArn)).toHaveLength(1);
  }, 60_000);
});

describe('an AMI on the AWS managed key, end to end', () => {
  it('diagnoses aws-managed-key-ami and hands the central AMI to re-encryption, which copies, shares and grants', async () => {
    const member = MEMBERS[0]!;
    const legacy = await registerImage(emulator, org.centralAccount, 'legacy-on-aws-ebs', { encrypted: true });
    await new EC2Client(clientConfig(emulator, org.centralAccount, HOME_REGION)).send(
      new ModifyImageAttributeCommand({ ImageId: legacy, LaunchPermission: { Add: [{ UserId: member.account }] } }),
    );
    await createGroup(emulator, member, 'legacy', legacy);
    applyEnvironment({ AMIWARDEN_SHARE_TARGETS: org.members.map((m) => m.account).join(',') });

    const report = await runWorkflow('launch-failure', { account: member.account, region: HOME_REGION, autoScalingGroupName: 'legacy' });

    expect(report.output).toMatchObject({ status: 'handed-over', cause: 'aws-managed-key-ami', imageId: legacy });
    expect(report.children).toHaveLength(1);
    const copy = (report.children[0]!.output as { copy?: { imageId?: string } }).copy?.imageId;
    expect(copy).toMatch(/^ami-/);
    const ec2 = new EC2Client(clientConfig(emulator, org.centralAccount, HOME_REGION));
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [copy!] }))).Images![0]!;
    const snapshots = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: image.BlockDeviceMappings!.map((m) => m.Ebs!.SnapshotId!) }));
    expect(snapshots.Snapshots!.map((s) => s.KmsKeyId)).toEqual(image.BlockDeviceMappings!.map(() => org.keyArns[HOME_REGION]));
    const permissions = await ec2.send(new DescribeImageAttributeCommand({ ImageId: copy!, Attribute: 'launchPermission' }));
    expect(permissions.LaunchPermissions!.map((p) => p.UserId).sort()).toEqual(org.members.map((m) => m.account).sort());
    expect(await grantsOnKey(org.members[0]!.serviceLinkedRoleArn)).toHaveLength(1);
  }, 60_000);
});
