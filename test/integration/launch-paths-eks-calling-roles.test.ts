/**
 * Two launch paths beyond a plain Auto Scaling group, end to end on the emulator (the deployed
 * compliance-sweep state machine, the real handlers):
 * - an EKS managed node group in a member whose Auto Scaling role has a custom suffix: the node
 *   group launches as the default AWSServiceRoleForAutoScaling (no custom role possible), which does
 *   not exist yet; EKS reports AsgInstanceLaunchFailures. Enforce creates the role and its grant.
 * - Karpenter's controller role (a calling role, from AMIWARDEN_CALLING_ROLES): a finding with the
 *   statements; with AMIWARDEN_CALLING_ROLE_GRANTS, enforce grants that role and no other.
 */
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateNodegroupCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { clientConfig } from '../../emulator/accounts';
import { REQUIRED_GRANT_OPERATIONS } from '../../core/grants';
import { emulatorForFile, isDryRunAnswer } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { buildOrganization, HOME_REGION, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';
import { LAUNCH_FAILURE_MESSAGE } from '../fixtures/eks';

const BUCKET = 'amiwarden-reports-launch-paths';
const emulator = emulatorForFile();
let org: Organization;

interface Row { account: string; resource: string; finding: string; severity: string; detail: string; action: string }
interface SweepOutput { summary: { byFinding: Record<string, number> }; reports: { json: string }; remediationsStarted: number }

const defaultRole = (account: string) => `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const karpenter = (account: string) => `arn:aws:iam::${account}:role/KarpenterController-prod`;

async function rows(output: SweepOutput): Promise<Row[]> {
  const s3 = new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true });
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: output.reports.json.replace(`s3://${BUCKET}/`, '') }));
  return (JSON.parse(await out.Body!.transformToString()) as { findings: Row[] }).findings;
}

async function granteesOnKey(): Promise<string[]> {
  const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
  const out = await kms.send(new ListGrantsCommand({ KeyId: org.keyArns[HOME_REGION]! }));
  return (out.Grants ?? []).filter((g) => REQUIRED_GRANT_OPERATIONS.every((op) => g.Operations?.includes(op))).map((g) => g.GranteePrincipal!);
}

let eksMember: string;
let karpenterMember: string;

beforeEach(async () => {
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator);
  // The second member's groups use AWSServiceRoleForAutoScaling_apps: its default role does not exist.
  eksMember = org.members.find((m) => m.slrSuffix)!.account;
  karpenterMember = org.members.find((m) => !m.slrSuffix)!.account;
  await new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));

  const ec2 = new EC2Client(clientConfig(emulator, eksMember, HOME_REGION));
  await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'eks-golden', LaunchTemplateData: { ImageId: org.goldenImageId, InstanceType: 't3.medium' } }));
  const eks = new EKSClient(clientConfig(emulator, eksMember, HOME_REGION));
  await eks.send(new CreateClusterCommand({ name: 'prod', roleArn: `arn:aws:iam::${eksMember}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ['subnet-1'] } }));
  await eks.send(
    new CreateNodegroupCommand({ clusterName: 'prod', nodegroupName: 'web', nodeRole: `arn:aws:iam::${eksMember}:role/eks-node`, subnets: ['subnet-1'], launchTemplate: { name: 'eks-golden', version: '1' } }),
  );
  const asg = (await eks.send(new DescribeNodegroupCommand({ clusterName: 'prod', nodegroupName: 'web' }))).nodegroup!.resources!.autoScalingGroups![0]!.name!;
  await emulator.feedNodegroupHealth({
    account: eksMember,
    region: HOME_REGION,
    clusterName: 'prod',
    nodegroupName: 'web',
    issues: [{ code: 'AsgInstanceLaunchFailures', message: LAUNCH_FAILURE_MESSAGE, resourceIds: [asg] }],
  });

  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${karpenterMember}:oidc-provider/oidc.eks.${HOME_REGION}.amazonaws.com/id/EXAMPLE` }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  await new IAMClient(clientConfig(emulator, karpenterMember, HOME_REGION)).send(new CreateRoleCommand({ RoleName: 'KarpenterController-prod', AssumeRolePolicyDocument: JSON.stringify(trust) }));
}, 60_000);

describe('an EKS managed node group and a calling role on the emulator', () => {
  it('report mode: the node group as the default role’s (missing), its launch failures tied to the key, the calling role’s statements; nothing changed', async () => {
    applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }), AMIWARDEN_CALLING_ROLES: 'KarpenterController-prod' });
    await emulator.clearCalls();

    const run = await runWorkflow('compliance-sweep', { mode: 'report', accounts: org.members.map((m) => m.account), regions: [HOME_REGION] });

    expect(run.status).toBe('SUCCEEDED');
    const found = await rows(run.output as SweepOutput);
    const at = (account: string, resource: string) => found.filter((r) => r.account === account && r.resource === resource).map((r) => `${r.finding}:${r.severity}`).sort();
    expect(at(eksMember, 'nodegroup/prod/web')).toEqual(['nodegroup-launch-failures:high', 'service-linked-role-missing:high']);
    expect(found.find((r) => r.finding === 'service-linked-role-missing')!.detail).toContain(defaultRole(eksMember));
    expect(found.find((r) => r.finding === 'nodegroup-launch-failures')!.detail).toContain(`AsgInstanceLaunchFailures`);
    expect(found.find((r) => r.finding === 'nodegroup-launch-failures')!.detail).toContain(org.keyArns[HOME_REGION]!);
    // The node group's Auto Scaling group (moto runs none) and the Karpenter role: one row each, in its own account only.
    expect(at(karpenterMember, 'role/KarpenterController-prod')).toEqual(['calling-role-key-access:high']);
    expect(at(eksMember, 'role/KarpenterController-prod')).toEqual([]);
    const calling = found.find((r) => r.finding === 'calling-role-key-access')!;
    expect(calling.action).toContain(`"kms:ViaService":"ec2.${HOME_REGION}.amazonaws.com","kms:CallerAccount":"${karpenterMember}"`);
    expect(calling.action).toContain(`"Resource":"${org.keyArns[HOME_REGION]}"`);

    const mutating = (await emulator.calls()).filter((c) => /^(Create|Copy|Modify|Register|Deregister|Delete|Enable|Disable|Revoke|Retire|Put)/.test(c.action) && !isDryRunAnswer(c) && c.service !== 's3');
    expect(mutating).toEqual([]);
  }, 120_000);

  it('enforce: creates the default role and its grant for the node group, grants the configured calling role, and a second sweep finds neither', async () => {
    applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }), AMIWARDEN_CALLING_ROLES: 'KarpenterController-prod', AMIWARDEN_CALLING_ROLE_GRANTS: 'KarpenterController-prod' });

    const enforced = await runWorkflow('compliance-sweep', { mode: 'enforce', accounts: org.members.map((m) => m.account), regions: [HOME_REGION] });

    expect(enforced.status).toBe('SUCCEEDED');
    // The two members' groups (launch-failure), the node group's role and the calling role (the Repair grants step).
    expect(enforced.output).toMatchObject({ remediationsStarted: 4, remediationsSkipped: 0 });
    expect(enforced.children.map((c) => `${c.workflow}:${c.status}`)).toEqual(['launch-failure:SUCCEEDED', 'launch-failure:SUCCEEDED']);
    const arn = (await new IAMClient(clientConfig(emulator, eksMember, HOME_REGION)).send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).Role!.Arn;
    expect(arn).toBe(defaultRole(eksMember));
    const grantees = await granteesOnKey();
    expect(grantees).toEqual(expect.arrayContaining([defaultRole(eksMember), karpenter(karpenterMember)]));
    // The calling role is granted in its own account only: no grant names a Karpenter role of another account.
    expect(grantees.filter((g) => g.includes('KarpenterController'))).toEqual([karpenter(karpenterMember)]);

    // EKS clears the issue once launches succeed.
    await emulator.feedNodegroupHealth({ account: eksMember, region: HOME_REGION, clusterName: 'prod', nodegroupName: 'web', issues: [] });
    const again = await runWorkflow('compliance-sweep', { mode: 'report', accounts: org.members.map((m) => m.account), regions: [HOME_REGION] });
    const left = (await rows(again.output as SweepOutput)).filter((r) => r.resource === 'nodegroup/prod/web' || r.resource.startsWith('role/'));
    expect(left).toEqual([]);
  }, 180_000);

  it('enforce without AMIWARDEN_CALLING_ROLE_GRANTS: the calling role gets no grant, the finding stays', async () => {
    applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }), AMIWARDEN_CALLING_ROLES: 'KarpenterController-prod' });
    delete process.env.AMIWARDEN_CALLING_ROLE_GRANTS;

    const enforced = await runWorkflow('compliance-sweep', { mode: 'enforce', accounts: [karpenterMember], regions: [HOME_REGION] });

    expect(enforced.status).toBe('SUCCEEDED');
    // Only the member's group is remediated (launch-failure); no Repair grants for the calling role.
    expect(enforced.output).toMatchObject({ remediationsStarted: 1 });
    expect((await granteesOnKey()).filter((g) => g.includes('KarpenterController'))).toEqual([]);
    expect((await rows(enforced.output as SweepOutput)).filter((r) => r.finding === 'calling-role-key-access').map((r) => r.account)).toEqual([karpenterMember]);
  }, 120_000);
});
