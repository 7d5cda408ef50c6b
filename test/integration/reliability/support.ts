/**
 * Shared set-up for the reliability suites: one emulator per file, a fresh sandbox organization
 * and a cold start per test, a failure queue, and the table of workflows the suites run. A new
 * workflow joins every suite by adding a row to WORKFLOW_CASES.
 */
import { DescribeImageAttributeCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../../../emulator/accounts';
import { startEmulator, type ApiCall, type Emulator } from '../../../emulator/index';
import { isReadOnly } from '../../../emulator/read-only';
import { isDryRunAnswer } from '../../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../../local/environment';
import { buildMember, buildOrganization, HOME_REGION, registerImage, type Organization } from '../../../local/organization';
import type { ExecutionReport } from '../../../local/state-machine';

export const KMS_FAILURE = 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch';

/** The sweep's report bucket in every world (inventories under `inventories/`, reports under `sweeps/`). */
export const REPORT_BUCKET = 'amiwarden-reports-reliability';
export const SOURCE_TAG = 'amiwarden:source-image-id';

export interface World {
  emulator: Emulator;
  org: Organization;
  failureQueueUrl: string;
  /** A central AMI on the AWS managed key (aws/ebs): what the re-encrypt-and-share workflow must copy. */
  awsManagedImageId: string;
  /** AMIWARDEN_SHARE_TARGETS of this world (the members, unless the test says otherwise). */
  shareTargets: string[];
}

export interface WorldOptions {
  createServiceLinkedRole?: boolean;
  /** Accounts to share with; default every member. */
  shareTargets?: string[];
  /** The central account creates an organization the members join (AMIWARDEN_ORGANIZATION_ID is set). */
  withOrganization?: boolean;
  /** Accounts outside the organization that are built as members are (a member role trusting amiwarden, an SLR, a group). */
  trustingOutsiders?: string[];
}

/** Starts one emulator for the file; `build()` gives each test a new world and a cold start. */
export function useWorld(): { get: () => World; emulator: () => Emulator; build: (options?: WorldOptions) => Promise<World> } {
  let emulator: Emulator | undefined;
  let world: World | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
  }, 30_000);
  afterAll(async () => emulator?.stop());
  const em = () => {
    if (!emulator) throw new Error('emulator not started');
    return emulator;
  };
  const build = async (options: WorldOptions = {}) => {
    world = await buildWorld(em(), options);
    return world;
  };
  return {
    emulator: em,
    build,
    get: () => {
      if (!world) throw new Error('world not built');
      return world;
    },
  };
}

export async function buildWorld(emulator: Emulator, options: WorldOptions = {}): Promise<World> {
  // A cold start: the handlers read their environment again, and forget every session.
  jest.resetModules();
  await emulator.reset();
  const org = await buildOrganization(emulator, { withOrganization: options.withOrganization ?? false });
  for (const account of options.trustingOutsiders ?? []) await buildMember(emulator, { account, autoScalingGroupName: org.members[0]!.autoScalingGroupName }, org.centralAccount, org.goldenImageId);
  const sqs = new SQSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'amiwarden-failures' }));
  await new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: REPORT_BUCKET }));
  const awsManagedImageId = await registerImage(emulator, org.centralAccount, 'build-on-aws-ebs', { encrypted: true });
  const shareTargets = options.shareTargets ?? org.members.map((m) => m.account);
  applyEnvironment(
    lambdaEnvironment(emulator, {
      ...org,
      members: shareTargets.map((account) => ({ account })),
      createServiceLinkedRole: options.createServiceLinkedRole ?? true,
      failureQueueUrl: QueueUrl!,
      reportBucket: REPORT_BUCKET,
    }),
  );
  await emulator.clearCalls();
  return { emulator, org, failureQueueUrl: QueueUrl!, awsManagedImageId, shareTargets };
}

/**
 * Writes that are not a change to what amiwarden guards: the failure record (`record-failure`
 * sends it; each test checks the record itself) and the harness reading and deleting the queue
 * messages it delivers (local/event-router.ts, failureRecords).
 */
const FAILURE_PATH_AND_HARNESS: readonly string[] = ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];
/**
 * AWS calls that change something: every call whose action is not on the explicit read-only list
 * of its service (emulator/read-only.ts), leaving out only the failure path, the harness, and KMS
 * DryRun requests (the call log marks them: HTTP 412 "would have succeeded" or a refusal, nothing changed).
 */
export const mutatingCalls = (calls: ApiCall[]) => calls.filter((c) => !isReadOnly(c) && !FAILURE_PATH_AND_HARNESS.includes(`${c.service}:${c.action}`) && !isDryRunAnswer(c));

export interface FailureMessage {
  workflow: string;
  execution: string | null;
  error: { name: string; cause: string };
  input: unknown;
}

/** Everything on the failure queue (received and left invisible, so each message is read once). */
export async function failureRecords(world: World): Promise<FailureMessage[]> {
  const sqs = new SQSClient(clientConfig(world.emulator, world.org.centralAccount, HOME_REGION));
  const records: FailureMessage[] = [];
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: world.failureQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600 }));
    if (!out.Messages?.length) return records;
    records.push(...out.Messages.map((m) => JSON.parse(m.Body!) as FailureMessage));
  }
}

export async function grantsOn(world: World, granteePrincipal?: string, region: string = HOME_REGION) {
  const kms = new KMSClient(clientConfig(world.emulator, world.org.centralAccount, region));
  const out = await kms.send(new ListGrantsCommand({ KeyId: world.org.keyArns[region]!, ...(granteePrincipal ? { GranteePrincipal: granteePrincipal } : {}) }));
  return out.Grants ?? [];
}

/**
 * One workflow the reliability suites drive: how to start it for a target, what its effect in AWS
 * is (counted, so duplicates show), and which outputs mean "done" or "already done".
 */
export interface WorkflowCase {
  name: string;
  workflow: string;
  /** `event`: one event as its rule delivers it; `events`: every event that may come for the target (default `[event]`). */
  targets: (world: World) => { label: string; input: unknown; event?: unknown; events?: unknown[] }[];
  /** How many times the effect exists for the target (must end at exactly 1). */
  effects: (world: World, label: string) => Promise<number>;
  /** Outputs that mean the target is remediated or already was. */
  done: (output: unknown) => boolean;
}

const memberOf = (world: World, label: string) => world.org.members.find((m) => m.account === label)!;

export const WORKFLOW_CASES: WorkflowCase[] = [
  {
    name: 'launch-failure (grant for the group’s service-linked role)',
    workflow: 'launch-failure',
    targets: (world) =>
      world.org.members.map((m) => ({
        label: m.account,
        input: { account: m.account, region: HOME_REGION, autoScalingGroupName: m.autoScalingGroupName },
        event: launchFailureEvent(m.account, m.autoScalingGroupName),
      })),
    effects: async (world, label) => (await grantsOn(world, memberOf(world, label).serviceLinkedRoleArn)).length,
    done: (output) => {
      const o = output as { status?: string; cause?: string } | undefined;
      return o?.status === 'remediated' || (o?.status === 'no-action' && o.cause === 'grant-present');
    },
  },
  {
    name: 'reencrypt-and-share (aws/ebs AMI: one copy, one share set, one grant per target role)',
    workflow: 'reencrypt-and-share',
    targets: (world) => {
      const events = [imageEvent(world.org.centralAccount, world.awsManagedImageId, 'cloudtrail'), imageEvent(world.org.centralAccount, world.awsManagedImageId, 'available')];
      return [{ label: world.awsManagedImageId, input: { imageId: world.awsManagedImageId, region: HOME_REGION }, event: events[0], events }];
    },
    // The copy is the effect: exactly one image tagged with the source. The test also holds it to
    // one share set (the copy's launch permissions are exactly the targets) and one grant per
    // target account's Auto Scaling role.
    effects: async (world, sourceImageId) => {
      const copies = await copiesOf(world, sourceImageId);
      if (copies.length !== 1) return copies.length;
      expect(await launchPermissionsOf(world, copies[0]!)).toEqual([...world.shareTargets].sort());
      for (const member of world.org.members.filter((m) => world.shareTargets.includes(m.account))) {
        expect({ member: member.account, grants: (await grantsOn(world, member.serviceLinkedRoleArn)).length }).toEqual({ member: member.account, grants: 1 });
      }
      return 1;
    },
    done: (output) => {
      const o = output as { status?: string; copy?: { outcome?: string }; sharing?: { outcome?: string }; grants?: { outcome?: string }[] } | undefined;
      return (
        o?.status === 'reencrypted-and-shared' &&
        ['started', 'reused'].includes(o.copy?.outcome ?? '') &&
        ['shared', 'already-shared'].includes(o.sharing?.outcome ?? '') &&
        (o.grants ?? []).length > 0 &&
        (o.grants ?? []).every((g) => g.outcome === 'granted' || g.outcome === 'already-granted')
      );
    },
  },
];

/** The central account's images tagged as copies of `sourceImageId`. */
export async function copiesOf(world: World, sourceImageId: string): Promise<string[]> {
  const ec2 = new EC2Client(clientConfig(world.emulator, world.org.centralAccount, HOME_REGION));
  const out = await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: `tag:${SOURCE_TAG}`, Values: [sourceImageId] }] }));
  return (out.Images ?? []).map((i) => i.ImageId!).filter((id) => id !== sourceImageId);
}

/** Who may launch an image: account ids sorted, `all` if it is public. */
export async function launchPermissionsOf(world: World, imageId: string): Promise<string[]> {
  const ec2 = new EC2Client(clientConfig(world.emulator, world.org.centralAccount, HOME_REGION));
  const out = await ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }));
  return (out.LaunchPermissions ?? []).map((p) => p.UserId ?? p.Group ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? '?').sort();
}

/** The events EC2 and CloudTrail put on the central bus for a new AMI, as the central rules deliver them. */
export function imageEvent(account: string, imageId: string, kind: 'cloudtrail' | 'available', id = `dup-${kind}-${imageId}`) {
  const base = { version: '0', id, source: 'aws.ec2', account, time: '2026-11-20T09:14:02Z', region: HOME_REGION };
  return kind === 'cloudtrail'
    ? {
        ...base,
        'detail-type': 'AWS API Call via CloudTrail',
        resources: [],
        detail: {
          eventVersion: '1.08',
          userIdentity: { type: 'AssumedRole', accountId: account, arn: `arn:aws:sts::${account}:assumed-role/image-pipeline/build` },
          eventTime: '2026-11-20T09:14:01Z',
          eventSource: 'ec2.amazonaws.com',
          eventName: 'CreateImage',
          awsRegion: HOME_REGION,
          sourceIPAddress: 'imagebuilder.amazonaws.com',
          userAgent: 'imagebuilder.amazonaws.com',
          requestParameters: { instanceId: 'i-0a1b2c3d4e5f60718', name: 'build-on-aws-ebs' },
          responseElements: { requestId: '5f0e7a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b', imageId },
          requestID: '5f0e7a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b',
          eventID: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
          readOnly: false,
          eventType: 'AwsApiCall',
          managementEvent: true,
          recipientAccountId: account,
          eventCategory: 'Management',
        },
      }
    : {
        ...base,
        'detail-type': 'EC2 AMI State Change',
        resources: [`arn:aws:ec2:${HOME_REGION}::image/${imageId}`],
        detail: { RequestId: '5f0e7a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b', ImageId: imageId, State: 'available', ErrorMessage: '' },
      };
}

/** The event as the central rule delivers it (what `emitLaunchFailure` puts on the member bus). */
export function launchFailureEvent(account: string, autoScalingGroupName: string, id = `dup-${account}-${autoScalingGroupName}`) {
  return {
    version: '0',
    id,
    'detail-type': 'EC2 Instance Launch Unsuccessful',
    source: 'aws.autoscaling',
    account,
    time: '2026-11-20T09:14:02Z',
    region: HOME_REGION,
    resources: [`arn:aws:autoscaling:${HOME_REGION}:${account}:autoScalingGroup:2b1f6f3c-4c44-4a5e-9c1e-1d2e3f4a5b6c:autoScalingGroupName/${autoScalingGroupName}`],
    detail: {
      StatusCode: 'Cancelled',
      AutoScalingGroupName: autoScalingGroupName,
      ActivityId: '7d8c2f44-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
      Details: { 'Availability Zone': `${HOME_REGION}a`, 'Subnet ID': 'subnet-0a1b2c3d' },
      RequestId: '7d8c2f44-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
      StatusMessage: KMS_FAILURE,
      EndTime: '2026-11-20T09:14:01.000Z',
      EC2InstanceId: '',
      StartTime: '2026-11-20T09:13:40.512Z',
      Cause: 'At 2026-11-20T09:13:38Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 1.',
      Description: `Launching a new EC2 instance.  Status Reason: ${KMS_FAILURE}`,
    },
  };
}

/** Prints a small table when AMIWARDEN_TEST_REPORT=1 (for docs/reliability.md and reviews). */
export function report(title: string, rows: Record<string, string | number>[]): void {
  if (process.env.AMIWARDEN_TEST_REPORT !== '1' || rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: string[]) => `| ${cells.map((v, i) => v.padEnd(width(columns[i]!))).join(' | ')} |`;
  console.log([`${title}`, line(columns), line(columns.map((c) => '-'.repeat(width(c)))), ...rows.map((r) => line(columns.map((c) => String(r[c]))))].join('\n'));
}

export const succeededOrDone = (c: WorkflowCase, r: ExecutionReport) => r.status === 'SUCCEEDED' && c.done(r.output);
