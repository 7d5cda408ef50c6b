/**
 * A small AWS Organization on the emulator, built through the AWS APIs exactly as it would be in
 * AWS: the central account with its keys and golden AMIs, member accounts with their amiwarden
 * role, Auto Scaling service-linked roles and groups launching from central AMIs, and the
 * EventBridge wiring that brings member launch failures to the central account.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateClusterCommand, CreateNodegroupCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, CreateServiceLinkedRoleCommand, DeleteServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
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
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';
import { ROOT, WORKFLOWS } from './workflows';

export const CENTRAL_ACCOUNT = '999999999999';
export const MEMBER_ROLE_NAME = 'amiwarden-member';
export const EXTERNAL_ID = 'amiwarden-sandbox';
export const REGIONS = ['us-east-1', 'eu-west-1'] as const;
export const HOME_REGION = REGIONS[0];

export interface MemberSpec {
  account: string;
  /** The OU the account sits in, when the organization is built (else the root). */
  organizationalUnit?: string;
  /** Custom suffix of the member's Auto Scaling service-linked role, if any. */
  slrSuffix?: string;
  autoScalingGroupName: string;
}

export const MEMBERS: MemberSpec[] = [
  { account: '111111111111', autoScalingGroupName: 'web' },
  { account: '222222222222', slrSuffix: 'apps', autoScalingGroupName: 'batch', organizationalUnit: 'workloads' },
];

export interface Organization {
  centralAccount: string;
  keyArns: Record<string, string>;
  goldenImageId: string;
  members: (MemberSpec & { serviceLinkedRoleArn: string })[];
  /** Queue that receives what the central launch-failure rule matches (stands in for the state machine target). */
  queues: Record<string, string>;
  /** With `withOrganization`: the AWS Organization the accounts belong to, and its OUs by name. */
  organizationId?: string;
  organizationalUnits?: Record<string, string>;
}

const cfg = (emulator: Emulator, account: string, region: string = HOME_REGION) => clientConfig(emulator, account, region);

export function serviceLinkedRoleArnOf(member: MemberSpec): string {
  const name = member.slrSuffix ? `AWSServiceRoleForAutoScaling_${member.slrSuffix}` : 'AWSServiceRoleForAutoScaling';
  return `arn:aws:iam::${member.account}:role/aws-service-role/autoscaling.amazonaws.com/${name}`;
}

/** The Auto Scaling guide's cross-account key policy (example 2), for every member. */
export function crossAccountKeyPolicy(central: string, members: string[]): string {
  const roots = members.map((m) => `arn:aws:iam::${m}:root`);
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'amiwarden-organization-key',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${central}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'Allow external accounts use of the customer managed key',
        Effect: 'Allow',
        Principal: { AWS: roots },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
      {
        Sid: 'Allow attachment of persistent resources in external accounts',
        Effect: 'Allow',
        Principal: { AWS: roots },
        Action: ['kms:CreateGrant'],
        Resource: '*',
      },
    ],
  });
}

export async function buildOrganization(emulator: Emulator, options: { keyPolicy?: string; withOrganization?: boolean } = {}): Promise<Organization> {
  const central = CENTRAL_ACCOUNT;
  const keyArns: Record<string, string> = {};
  for (const region of REGIONS) {
    const kms = new KMSClient(cfg(emulator, central, region));
    const key = await kms.send(
      new CreateKeyCommand({
        Description: 'amiwarden organization key for AMIs',
        Policy: options.keyPolicy ?? crossAccountKeyPolicy(central, MEMBERS.map((m) => m.account)),
      }),
    );
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/amiwarden', TargetKeyId: key.KeyMetadata!.KeyId! }));
    keyArns[region] = key.KeyMetadata!.Arn!;
  }

  const goldenImageId = await registerImage(emulator, central, 'golden-web-2026-11', { kmsKeyId: keyArns[HOME_REGION]! });
  const ec2 = new EC2Client(cfg(emulator, central));
  await ec2.send(
    new ModifyImageAttributeCommand({ ImageId: goldenImageId, LaunchPermission: { Add: MEMBERS.map((m) => ({ UserId: m.account })) } }),
  );

  const queues = await wireCentralEvents(emulator, central);
  const members = [];
  for (const member of MEMBERS) members.push(await buildMember(emulator, member, central, goldenImageId));
  const organization = options.withOrganization ? await joinOrganization(emulator, central, MEMBERS) : {};
  return { centralAccount: central, keyArns, goldenImageId, members, queues, ...organization };
}

/** The central account creates the organization and invites the members, which accept; each goes to its OU. */
async function joinOrganization(emulator: Emulator, central: string, members: MemberSpec[]): Promise<Pick<Organization, 'organizationId' | 'organizationalUnits'>> {
  const management = new OrganizationsClient(cfg(emulator, central));
  const organization = (await management.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!;
  const root = (await management.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const units: Record<string, string> = {};
  for (const member of members) {
    const { Handshake } = await management.send(new InviteAccountToOrganizationCommand({ Target: { Id: member.account, Type: 'ACCOUNT' } }));
    await new OrganizationsClient(cfg(emulator, member.account)).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! }));
    if (!member.organizationalUnit) continue;
    units[member.organizationalUnit] ??= (await management.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: member.organizationalUnit }))).OrganizationalUnit!.Arn!;
    const ouId = units[member.organizationalUnit]!.split('/').pop()!;
    await management.send(new MoveAccountCommand({ AccountId: member.account, SourceParentId: root, DestinationParentId: ouId }));
  }
  return { organizationId: organization.Id!, organizationalUnits: units };
}

/** An AMI as a build pipeline makes it: a volume (encrypted or not), its snapshot, the image. */
export async function registerImage(emulator: Emulator, account: string, name: string, encryption: { kmsKeyId?: string; encrypted?: boolean }): Promise<string> {
  const ec2 = new EC2Client(cfg(emulator, account));
  const encrypted = encryption.encrypted ?? encryption.kmsKeyId !== undefined;
  const volume = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: `${HOME_REGION}a`,
      Size: 8,
      VolumeType: 'gp3',
      Encrypted: encrypted,
      ...(encryption.kmsKeyId ? { KmsKeyId: encryption.kmsKeyId } : {}),
    }),
  );
  const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId!, Description: `root volume of ${name}` }));
  const image = await ec2.send(
    new RegisterImageCommand({
      Name: name,
      Architecture: 'x86_64',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
      EnaSupport: true,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshot.SnapshotId!, VolumeType: 'gp3', DeleteOnTermination: true } }],
    }),
  );
  return image.ImageId!;
}

async function wireCentralEvents(emulator: Emulator, central: string): Promise<Record<string, string>> {
  const events = new EventBridgeClient(cfg(emulator, central));
  const sqs = new SQSClient(cfg(emulator, central));
  const queues: Record<string, string> = {};
  for (const spec of Object.values(WORKFLOWS)) {
    if (!spec.pattern) continue;
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `amiwarden-${spec.name}` }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }));
    for (const [i, pattern] of [spec.pattern, ...(spec.extraPatterns ?? [])].entries()) {
      const rule = `amiwarden-${spec.name}${i > 0 ? `-${i + 1}` : ''}`;
      await events.send(new PutRuleCommand({ Name: rule, EventPattern: readFileSync(path.join(ROOT, pattern), 'utf8') }));
      await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'workflow', Arn: attributes.Attributes!.QueueArn! }] }));
    }
    queues[spec.name] = queue.QueueUrl!;
  }
  return queues;
}

async function createMemberRole(emulator: Emulator, account: string, central: string): Promise<void> {
  await new IAMClient(cfg(emulator, account)).send(
    new CreateRoleCommand({
      RoleName: MEMBER_ROLE_NAME,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${central}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
          },
        ],
      }),
    }),
  );
}

/**
 * A member account as the StackSet leaves it: the member role trusting the central account, the
 * Auto Scaling SLR, a group on `imageId` and the forwarding rule. Tests also build one for an
 * account outside the organization, to show that a role there is never enough for amiwarden to act.
 */
export async function buildMember(emulator: Emulator, member: MemberSpec, central: string, imageId: string) {
  const iam = new IAMClient(cfg(emulator, member.account));
  await createMemberRole(emulator, member.account, central);
  await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', ...(member.slrSuffix ? { CustomSuffix: member.slrSuffix } : {}) }));
  const serviceLinkedRoleArn = serviceLinkedRoleArnOf(member);

  await createGroup(emulator, member, member.autoScalingGroupName, imageId);

  await wireMemberEvents(emulator, member.account, central);
  return { ...member, serviceLinkedRoleArn };
}

/** The member stack's id in an account (what `AWS::StackId` is for the StackSet's stack instance there). */
export const memberStackId = (account: string) => `arn:aws:cloudformation:${HOME_REGION}:${account}:stack/StackSet-amiwarden-member-sandbox-0f1e2d3c/5b6a7c8d-0e1f-4a2b-9c3d-4e5f6a7b8c9d`;

/**
 * The member stack's three rules on the account's default bus: KMS-looking launch failures, Spot
 * Fleet and EC2 Fleet launch errors, and the stack's own CREATE_COMPLETE (its pattern narrowed to the stack id, as member/member-account.yml
 * does), both to the central bus.
 */
async function wireMemberEvents(emulator: Emulator, account: string, central: string): Promise<void> {
  const events = new EventBridgeClient(cfg(emulator, account));
  const launchFailures = readFileSync(path.join(ROOT, WORKFLOWS['launch-failure']!.pattern!), 'utf8');
  const created = JSON.parse(readFileSync(path.join(ROOT, WORKFLOWS['compliance-sweep']!.pattern!), 'utf8')) as { detail: Record<string, unknown> };
  created.detail['stack-id'] = [memberStackId(account)];
  const target = { Id: 'central-bus', Arn: `arn:aws:events:${HOME_REGION}:${central}:event-bus/default`, RoleArn: `arn:aws:iam::${account}:role/amiwarden-forwarder` };
  const fleetErrors = readFileSync(path.join(ROOT, 'events', 'fleet-error.pattern.json'), 'utf8');
  for (const [rule, pattern] of [
    ['amiwarden-forward-launch-failures', launchFailures],
    ['amiwarden-forward-fleet-errors', fleetErrors],
    ['amiwarden-forward-stack-created', JSON.stringify(created)],
  ] as const) {
    await events.send(new PutRuleCommand({ Name: rule, EventPattern: pattern }));
    await events.send(new PutTargetsCommand({ Rule: rule, Targets: [target] }));
  }
}

/**
 * An account joins a target OU and the StackSet's auto-deployment creates the member stack in it:
 * the account is invited and accepts, is moved to the OU, gets the member role and the two rules.
 * It has no Auto Scaling group and no Auto Scaling service-linked role yet. Then CloudFormation
 * announces the stack's CREATE_COMPLETE on the account's default bus (emitStackCreated).
 */
export async function joinNewAccount(emulator: Emulator, org: Organization, account: string, organizationalUnit: string): Promise<void> {
  const management = new OrganizationsClient(cfg(emulator, org.centralAccount));
  const { Handshake } = await management.send(new InviteAccountToOrganizationCommand({ Target: { Id: account, Type: 'ACCOUNT' } }));
  await new OrganizationsClient(cfg(emulator, account)).send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! }));
  const ou = org.organizationalUnits?.[organizationalUnit];
  if (ou) {
    const root = (await management.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    await management.send(new MoveAccountCommand({ AccountId: account, SourceParentId: root, DestinationParentId: ou.split('/').pop()! }));
  }
  await createMemberRole(emulator, account, org.centralAccount);
  await wireMemberEvents(emulator, account, org.centralAccount);
}

/** What CloudFormation puts on the account's default bus when the member stack is created (CloudFormation User Guide, "Stack Status Change event detail"). */
export async function emitStackCreated(emulator: Emulator, account: string): Promise<void> {
  const events = new EventBridgeClient(cfg(emulator, account));
  const stackId = memberStackId(account);
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'aws.cloudformation',
          DetailType: 'CloudFormation Stack Status Change',
          Resources: [stackId],
          Detail: JSON.stringify({ 'stack-id': stackId, 'status-details': { status: 'CREATE_COMPLETE', 'status-reason': '' }, 'client-request-token': '' }),
        },
      ],
    }),
  );
  if (out.FailedEntryCount) throw new Error(`PutEvents refused the event: ${JSON.stringify(out.Entries)}`);
}

/** Someone deletes a member's Auto Scaling service-linked role and creates it again: same ARN, new unique id. */
export async function recreateServiceLinkedRole(emulator: Emulator, member: MemberSpec): Promise<{ oldRoleId: string; newRoleId: string }> {
  const iam = new IAMClient(cfg(emulator, member.account));
  const roleName = serviceLinkedRoleArnOf(member).split('/').pop()!;
  const oldRoleId = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.RoleId!;
  await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: roleName }));
  await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', ...(member.slrSuffix ? { CustomSuffix: member.slrSuffix } : {}) }));
  const newRoleId = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.RoleId!;
  return { oldRoleId, newRoleId };
}

/** The compliance sweep's report bucket (S3 path-style on the emulator). */
export async function createReportBucket(emulator: Emulator, account: string, bucket: string): Promise<void> {
  await new S3Client({ ...cfg(emulator, account), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
}

/** A launch template and an Auto Scaling group in a member account, launching `imageId` as the member's service-linked role. */
export async function createGroup(emulator: Emulator, member: MemberSpec, name: string, imageId: string): Promise<void> {
  const ec2 = new EC2Client(cfg(emulator, member.account));
  const template = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' } }));
  const autoscaling = new AutoScalingClient(cfg(emulator, member.account));
  await autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate!.LaunchTemplateId!, Version: '$Default' },
      MinSize: 0,
      MaxSize: 2,
      DesiredCapacity: 0,
      AvailabilityZones: [`${HOME_REGION}a`],
      ...(member.slrSuffix ? { ServiceLinkedRoleARN: serviceLinkedRoleArnOf(member) } : {}),
    }),
  );
}

/** EC2's termination reason when an instance cannot use the key of its volumes, as EKS reports it for a node group. */
export const NODEGROUP_LAUNCH_FAILURE = 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch';

/**
 * An EKS cluster with a managed node group in a member account, launching `imageId` from a launch
 * template of its own; with `launchFailures`, EKS's health reports AsgInstanceLaunchFailures for it
 * (the emulator's feed: moto launches nothing). Returns the Auto Scaling group EKS names for it.
 */
export async function createNodegroup(emulator: Emulator, account: string, cluster: string, name: string, imageId: string, options: { launchFailures?: boolean } = {}): Promise<string> {
  await new EC2Client(cfg(emulator, account)).send(new CreateLaunchTemplateCommand({ LaunchTemplateName: `${cluster}-${name}`, LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.medium' } }));
  const eks = new EKSClient(cfg(emulator, account));
  await eks.send(new CreateClusterCommand({ name: cluster, roleArn: `arn:aws:iam::${account}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ['subnet-1'] } }));
  await eks.send(
    new CreateNodegroupCommand({ clusterName: cluster, nodegroupName: name, nodeRole: `arn:aws:iam::${account}:role/eks-node`, subnets: ['subnet-1'], launchTemplate: { name: `${cluster}-${name}`, version: '1' } }),
  );
  const asg = (await eks.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name }))).nodegroup!.resources!.autoScalingGroups![0]!.name!;
  if (options.launchFailures) await setNodegroupHealth(emulator, account, cluster, name, [{ code: 'AsgInstanceLaunchFailures', message: NODEGROUP_LAUNCH_FAILURE, resourceIds: [asg] }]);
  return asg;
}

/** What EKS reports for the node group's health (the emulator's feed). */
export async function setNodegroupHealth(emulator: Emulator, account: string, cluster: string, name: string, issues: { code: string; message: string; resourceIds?: string[] }[]): Promise<void> {
  await emulator.feedNodegroupHealth({ account, region: HOME_REGION, clusterName: cluster, nodegroupName: name, issues });
}

/**
 * What Auto Scaling itself does when a launch fails: put `EC2 Instance Launch Unsuccessful` on the
 * member account's default bus. (In AWS only the service can emit an `aws.autoscaling` event; the
 * emulator lets the test stand in for it.)
 */
export async function emitLaunchFailure(emulator: Emulator, member: MemberSpec, statusMessage: string, statusCode = 'Cancelled'): Promise<void> {
  const events = new EventBridgeClient(cfg(emulator, member.account));
  const now = new Date().toISOString();
  const activityId = randomUUID();
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'aws.autoscaling',
          DetailType: 'EC2 Instance Launch Unsuccessful',
          Resources: [`arn:aws:autoscaling:${HOME_REGION}:${member.account}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${member.autoScalingGroupName}`],
          Detail: JSON.stringify({
            StatusCode: statusCode,
            AutoScalingGroupName: member.autoScalingGroupName,
            ActivityId: activityId,
            Details: { 'Availability Zone': `${HOME_REGION}a`, 'Subnet ID': 'subnet-0a1b2c3d' },
            RequestId: activityId,
            StatusMessage: statusMessage,
            EndTime: now,
            EC2InstanceId: '',
            StartTime: now,
            Cause: `At ${now} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 1.`,
            Description: `Launching a new EC2 instance.  Status Reason: ${statusMessage}`,
          }),
        },
      ],
    }),
  );
  if (out.FailedEntryCount) throw new Error(`PutEvents refused the event: ${JSON.stringify(out.Entries)}`);
}

/**
 * What EC2 and CloudTrail put on the central account's default bus for a new AMI: the successful
 * API call (`AWS API Call via CloudTrail`) and `EC2 AMI State Change` to available. (In AWS only the
 * services emit `aws.ec2` events; the emulator lets the caller stand in for them.)
 */
export async function emitImageEvent(emulator: Emulator, account: string, imageId: string, kind: 'cloudtrail' | 'available', eventName = 'RegisterImage'): Promise<void> {
  const events = new EventBridgeClient(cfg(emulator, account));
  const now = new Date().toISOString();
  const entry =
    kind === 'cloudtrail'
      ? {
          DetailType: 'AWS API Call via CloudTrail',
          Resources: [],
          Detail: JSON.stringify({
            eventVersion: '1.08',
            userIdentity: { type: 'AssumedRole', accountId: account, arn: `arn:aws:sts::${account}:assumed-role/image-pipeline/build` },
            eventTime: now,
            eventSource: 'ec2.amazonaws.com',
            eventName,
            awsRegion: HOME_REGION,
            sourceIPAddress: 'imagebuilder.amazonaws.com',
            userAgent: 'imagebuilder.amazonaws.com',
            requestParameters: { name: imageId },
            responseElements: { requestId: randomUUID(), imageId },
            requestID: randomUUID(),
            eventID: randomUUID(),
            readOnly: false,
            eventType: 'AwsApiCall',
            managementEvent: true,
            recipientAccountId: account,
            eventCategory: 'Management',
          }),
        }
      : {
          DetailType: 'EC2 AMI State Change',
          Resources: [`arn:aws:ec2:${HOME_REGION}::image/${imageId}`],
          Detail: JSON.stringify({ RequestId: randomUUID(), ImageId: imageId, State: 'available', ErrorMessage: '' }),
        };
  const out = await events.send(new PutEventsCommand({ Entries: [{ Source: 'aws.ec2', ...entry }] }));
  if (out.FailedEntryCount) throw new Error(`PutEvents refused the event: ${JSON.stringify(out.Entries)}`);
}
