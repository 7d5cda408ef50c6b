/**
 * End to end on the emulator, one launch path at a time: a member's Spot Fleet request, EC2 Fleet
 * (maintain) or Spot-requesting launch configuration launches the central CMK-encrypted AMI; the
 * fleet's error travels member bus → central bus → the launch-failure rule (or a manual request
 * names the launcher); the deployed state machine runs with the real handlers; the grant is then on
 * the central key for the role that path launches as, created from inside the member. The
 * compliance sweep finds the same launchers and, in enforce mode, fixes them.
 */
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile, isDryRunAnswer } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { drainQueues } from '../../local/event-router';
import { createFleet, createFleetRole, emitFleetError } from '../../local/fleets';
import { buildOrganization, HOME_REGION, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';
import { launchRoleArn } from '../../core/launch-roles';

const REQUIRED = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];
const BUCKET = 'amiwarden-reports-test';

const emulator = emulatorForFile();
let org: Organization;

beforeEach(async () => {
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator);
  await new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  applyEnvironment(lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }));
  await emulator.clearCalls();
}, 30_000);

async function grantsOnKey(granteePrincipal?: string) {
  const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
  const out = await kms.send(new ListGrantsCommand({ KeyId: org.keyArns[HOME_REGION]!, ...(granteePrincipal ? { GranteePrincipal: granteePrincipal } : {}) }));
  return out.Grants ?? [];
}

const mutations = async () => (await emulator.calls()).filter((c) => ['CreateGrant', 'CreateServiceLinkedRole'].includes(c.action) && !isDryRunAnswer(c));

describe('fleet launch paths on the emulator', () => {
  it.each(['spot-fleet', 'ec2-fleet'] as const)('%s: its error event ends in a grant for the fleet’s service-linked role, and a replay changes nothing', async (kind) => {
    const member = org.members[0]!;
    const roleArn = await createFleetRole(emulator, member.account, kind);
    const fleetId = await createFleet(emulator, member.account, kind, org.goldenImageId);
    await emulator.clearCalls();

    await emitFleetError(emulator, member.account, kind, fleetId);
    const executions = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);

    expect(roleArn).toBe(launchRoleArn('aws', member.account, kind));
    expect(executions).toHaveLength(1);
    expect(executions[0]!.event).toMatchObject({ account: member.account, source: kind === 'spot-fleet' ? 'aws.ec2spotfleet' : 'aws.ec2fleet' });
    expect(executions[0]!.output).toMatchObject({ status: 'remediated', cause: 'missing-grant', serviceLinkedRoleArn: roleArn, launcher: { kind, name: fleetId } });
    const grants = await grantsOnKey(roleArn);
    expect(grants).toHaveLength(1);
    expect([...grants[0]!.Operations!].sort()).toEqual([...REQUIRED].sort());
    // Created from inside the member account, and nothing else granted.
    expect(await mutations()).toEqual([expect.objectContaining({ service: 'kms', action: 'CreateGrant', account: member.account, status: 200 })]);
    expect(await grantsOnKey()).toHaveLength(1);

    await emulator.clearCalls();
    await emitFleetError(emulator, member.account, kind, fleetId);
    const replay = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);
    expect(replay[0]!.output).toMatchObject({ status: 'no-action', cause: 'grant-present' });
    expect(await mutations()).toEqual([]);
  }, 60_000);

  it('creates a missing EC2 Fleet role (the path form IAM reports) before its grant', async () => {
    const member = org.members[0]!;
    const fleetId = await createFleet(emulator, member.account, 'ec2-fleet', org.goldenImageId);

    const report = await runWorkflow('launch-failure', { account: member.account, region: HOME_REGION, fleetId });

    const created = (await new IAMClient(clientConfig(emulator, member.account, HOME_REGION)).send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForEC2Fleet' }))).Role!;
    expect(report.output).toMatchObject({ status: 'remediated', cause: 'service-linked-role-missing', serviceLinkedRoleCreated: true, serviceLinkedRoleArn: created.Arn });
    expect(created.Path).toBe('/aws-service-role/ec2fleet.amazonaws.com/');
    expect(await grantsOnKey(created.Arn)).toHaveLength(1);
  }, 60_000);

  it('says what the EC2 Fleet role needs, and changes nothing, when it may not create the role', async () => {
    applyEnvironment({ AMIWARDEN_CREATE_SERVICE_LINKED_ROLE: 'false' });
    const member = org.members[0]!;
    const fleetId = await createFleet(emulator, member.account, 'ec2-fleet', org.goldenImageId);

    const report = await runWorkflow('launch-failure', { account: member.account, region: HOME_REGION, fleetId });

    expect(report.output).toMatchObject({ status: 'finding', cause: 'service-linked-role-missing' });
    expect(String((report.output as { fix: string }).fix)).toContain('aws iam create-service-linked-role --aws-service-name ec2fleet.amazonaws.com');
    expect(await mutations()).toEqual([]);
  }, 60_000);

  it('grants AWSServiceRoleForEC2Spot for a group whose launch configuration requests Spot Instances', async () => {
    const member = org.members[0]!;
    const autoscaling = new AutoScalingClient(clientConfig(emulator, member.account, HOME_REGION));
    await autoscaling.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'legacy-spot', ImageId: org.goldenImageId, InstanceType: 't3.micro', SpotPrice: '0.05' }));
    await autoscaling.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'legacy', LaunchConfigurationName: 'legacy-spot', MinSize: 0, MaxSize: 1, DesiredCapacity: 0, AvailabilityZones: [`${HOME_REGION}a`] }));

    const report = await runWorkflow('launch-failure', { account: member.account, region: HOME_REGION, autoScalingGroupName: 'legacy' });

    const spotRole = launchRoleArn('aws', member.account, 'spot');
    expect(report.output).toMatchObject({ status: 'remediated', serviceLinkedRoleArn: spotRole });
    expect(await grantsOnKey(spotRole)).toHaveLength(1);
    // Not the group's Auto Scaling role: its Spot Instances never launch as that one.
    expect(await grantsOnKey(member.serviceLinkedRoleArn)).toHaveLength(0);
  }, 60_000);

  it('the sweep finds the fleets, and in enforce mode grants their roles; a second sweep finds no launcher left', async () => {
    const member = org.members[0]!;
    await createFleetRole(emulator, member.account, 'spot-fleet');
    const spotFleet = await createFleet(emulator, member.account, 'spot-fleet', org.goldenImageId);
    const fleet = await createFleet(emulator, member.account, 'ec2-fleet', org.goldenImageId);

    const reported = await runWorkflow('compliance-sweep', { mode: 'report', accounts: [member.account], regions: [HOME_REGION] });
    const rows = (reported.output as { summary: { byFinding: Record<string, number> } }).summary.byFinding;
    expect(rows).toMatchObject({ 'missing-grant': 2, 'service-linked-role-missing': 1 });

    const enforced = await runWorkflow('compliance-sweep', { mode: 'enforce', accounts: [member.account], regions: [HOME_REGION] });
    expect(enforced.children.map((c) => `${c.workflow}:${c.status}`)).toEqual(['launch-failure:SUCCEEDED', 'launch-failure:SUCCEEDED', 'launch-failure:SUCCEEDED']);
    const launched = enforced.children.map((c) => (c.output as { launcher: { name: string } }).launcher.name).sort();
    expect(launched).toEqual([member.autoScalingGroupName, fleet, spotFleet].sort());
    expect(await grantsOnKey(launchRoleArn('aws', member.account, 'spot-fleet'))).toHaveLength(1);
    expect(await grantsOnKey(launchRoleArn('aws', member.account, 'ec2-fleet'))).toHaveLength(1);

    const again = await runWorkflow('compliance-sweep', { mode: 'report', accounts: [member.account], regions: [HOME_REGION] });
    // Only the account's default EBS key is left (aws/ebs on the emulator): no launcher row.
    expect((again.output as { summary: { byFinding: Record<string, number> } }).summary.byFinding).toEqual({ 'default-ebs-key-aws-managed': 1 });
  }, 120_000);
});
