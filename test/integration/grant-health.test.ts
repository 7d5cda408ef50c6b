/**
 * Grant health end to end on the emulator (the deployed state machines, the real handlers):
 * a new member account's stack-creation event leads to its grants before any launch fails; a
 * re-created service-linked role's dead grant is found and replaced (kept by default, revoked only
 * under staleGrantPolicy=revoke); a grant with missing operations is replaced; a key near the
 * grant quota is reported with its count and trend; grants of an account outside the organization
 * are reported. Every finding carries its evidence in the sweep's report.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateGrantCommand, KMSClient, ListGrantsCommand, PutKeyPolicyCommand, type GrantListEntry } from '@aws-sdk/client-kms';
import { clientConfig } from '../../emulator/accounts';
import { grantName, REQUIRED_GRANT_OPERATIONS } from '../../core/grants';
import { emulatorForFile } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { drainQueues } from '../../local/event-router';
import {
  buildOrganization,
  createReportBucket,
  emitLaunchFailure,
  emitStackCreated,
  HOME_REGION,
  joinNewAccount,
  MEMBERS,
  recreateServiceLinkedRole,
  REGIONS,
  type Organization,
} from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';

const BUCKET = 'amiwarden-reports-grant-health';
const NEW_ACCOUNT = '444444444444';
const OUTSIDER = '333333333333';
const KMS_FAILURE = 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch';
const MODULE_OPS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'DescribeKey'] as const;
const slr = (account: string) => `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

const emulator = emulatorForFile();
let org: Organization;

interface Row { account: string; region: string; resource: string; finding: string; severity: string; detail: string; action: string }
interface SweepOutput { summary: { findings: number; byFinding: Record<string, number> }; reports: { json: string }; accounts: number; remediationsStarted: number }

beforeEach(async () => {
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator, { withOrganization: true });
  // An organization-wide key policy (the Auto Scaling guide's statements, scoped with aws:PrincipalOrgID): new accounts included.
  for (const region of REGIONS) {
    const inOrganization = { StringEquals: { 'aws:PrincipalOrgID': org.organizationId! } };
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${org.centralAccount}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'UseByOrganization', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*', Condition: inOrganization },
        { Sid: 'GrantByOrganization', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:CreateGrant', Resource: '*', Condition: inOrganization },
      ],
    };
    await kms(org.centralAccount, region).send(new PutKeyPolicyCommand({ KeyId: org.keyArns[region]!, PolicyName: 'default', Policy: JSON.stringify(policy) }));
  }
  await createReportBucket(emulator, org.centralAccount, BUCKET);
  applyEnvironment(lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }));
  await emulator.clearCalls();
}, 60_000);

afterEach(() => {
  delete process.env.AMIWARDEN_STALE_GRANT_POLICY;
});

const kms = (account: string, region: string = HOME_REGION) => new KMSClient(clientConfig(emulator, account, region));

async function grants(region: string = HOME_REGION): Promise<GrantListEntry[]> {
  const all: GrantListEntry[] = [];
  let marker: string | undefined;
  do {
    const out = await kms(org.centralAccount, region).send(new ListGrantsCommand({ KeyId: org.keyArns[region]!, Limit: 100, ...(marker ? { Marker: marker } : {}) }));
    all.push(...(out.Grants ?? []));
    marker = out.Truncated ? out.NextMarker : undefined;
  } while (marker);
  return all;
}

const covers = (g: GrantListEntry, grantee: string) => g.GranteePrincipal === grantee && REQUIRED_GRANT_OPERATIONS.every((op) => g.Operations?.includes(op));

async function sweep(input: Record<string, unknown>) {
  const run = await runWorkflow('compliance-sweep', input);
  expect(run.status).toBe('SUCCEEDED');
  const output = run.output as SweepOutput;
  const s3 = new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true });
  const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: output.reports.json.replace(`s3://${BUCKET}/`, '') }))).Body!.transformToString();
  return { run, output, rows: (JSON.parse(body) as { findings: Row[] }).findings };
}

async function grantForMemberLaunch() {
  await emitLaunchFailure(emulator, MEMBERS[0]!, KMS_FAILURE);
  const [execution] = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);
  expect(execution!.output).toMatchObject({ status: 'remediated', cause: 'missing-grant' });
}

describe('a new member account', () => {
  it('gets its grants from its member stack’s CREATE_COMPLETE, in every configured region, before any launch fails', async () => {
    await joinNewAccount(emulator, org, NEW_ACCOUNT, 'workloads');
    await emitStackCreated(emulator, NEW_ACCOUNT);

    const executions = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues);

    expect(executions[0]?.error).toBeUndefined();
    expect(executions.map((e) => [e.workflow, e.trigger, e.status])).toEqual([['compliance-sweep', 'CloudFormation Stack Status Change', 'SUCCEEDED']]);
    expect(executions[0]!.event).toMatchObject({ account: NEW_ACCOUNT, source: 'aws.cloudformation' });
    expect(executions[0]!.output).toMatchObject({ mode: 'enforce', accounts: 1, regions: [...REGIONS], remediationsStarted: REGIONS.length });
    // The account had no Auto Scaling role: amiwarden created it (createServiceLinkedRole) and granted it on each region's key.
    expect((await new IAMClient(clientConfig(emulator, NEW_ACCOUNT)).send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).Role?.Arn).toBe(slr(NEW_ACCOUNT));
    for (const region of REGIONS) {
      const made = (await grants(region)).filter((g) => covers(g, slr(NEW_ACCOUNT)));
      expect(made.map((g) => [g.Name, g.IssuingAccount])).toEqual([[grantName(slr(NEW_ACCOUNT)), `arn:aws:iam::${NEW_ACCOUNT}:root`]]);
    }
    expect((await emulator.calls()).filter((c) => c.action === 'CreateGrant').map((c) => c.account)).toEqual([NEW_ACCOUNT, NEW_ACCOUNT]);
  }, 120_000);

  it('an event from an account that is not an active account of the organization sweeps nothing and grants nothing', async () => {
    await joinNewAccount(emulator, { ...org, organizationalUnits: {} }, NEW_ACCOUNT, 'none');
    const run = await runWorkflow('compliance-sweep', {
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'CloudFormation Stack Status Change',
      source: 'aws.cloudformation',
      account: OUTSIDER,
      time: '2026-12-01T18:43:48Z',
      region: HOME_REGION,
      resources: [`arn:aws:cloudformation:${HOME_REGION}:${OUTSIDER}:stack/StackSet-amiwarden-member/1`],
      detail: { 'stack-id': `arn:aws:cloudformation:${HOME_REGION}:${OUTSIDER}:stack/StackSet-amiwarden-member/1`, 'status-details': { status: 'CREATE_COMPLETE', 'status-reason': '' } },
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ accounts: 0, remediationsStarted: 0 });
    expect((await emulator.calls()).filter((c) => c.action === 'CreateGrant')).toEqual([]);
  }, 120_000);
});

describe('a re-created service-linked role', () => {
  it('leaves a dead grant that the sweep reports with its evidence and enforce replaces, revoking nothing by default', async () => {
    const member = org.members[0]!;
    await grantForMemberLaunch();
    const { oldRoleId } = await recreateServiceLinkedRole(emulator, MEMBERS[0]!);
    const dead = (await grants()).find((g) => g.GranteePrincipal === oldRoleId)!;
    expect(dead.Name).toBe(grantName(member.serviceLinkedRoleArn));

    const report = await sweep({ mode: 'report', accounts: [member.account] });
    const row = report.rows.find((r) => r.finding === 'grant-dead')!;
    expect(row).toMatchObject({ account: member.account, region: HOME_REGION, resource: `${org.keyArns[HOME_REGION]}/grant/${dead.GrantId}`, severity: 'medium' });
    expect(row.detail).toContain(oldRoleId);
    expect(row.detail).toContain(`created by arn:aws:iam::${member.account}:root`);
    expect(report.rows.map((r) => r.finding)).toContain('missing-grant');

    await emulator.clearCalls();
    const enforced = await sweep({ mode: 'enforce', accounts: [member.account] });
    expect(enforced.run.status).toBe('SUCCEEDED');
    const after = await grants();
    expect(after.filter((g) => covers(g, member.serviceLinkedRoleArn)).map((g) => g.Name)).toEqual([grantName(member.serviceLinkedRoleArn)]);
    expect(after.map((g) => g.GrantId)).toContain(dead.GrantId);
    expect((await emulator.calls()).filter((c) => /^(Revoke|Retire)Grant$/.test(c.action))).toEqual([]);

    const again = await sweep({ mode: 'report', accounts: [member.account] });
    const left = again.rows.filter((r) => r.finding !== 'default-ebs-key-aws-managed');
    expect(left.map((r) => r.finding)).toEqual(['grant-dead']);
    expect(left[0]!.action).toContain('keep it');
  }, 180_000);

  it('under staleGrantPolicy=revoke, enforce replaces the dead grant and then revokes it', async () => {
    process.env.AMIWARDEN_STALE_GRANT_POLICY = 'revoke';
    applyEnvironment({});
    const member = org.members[0]!;
    await grantForMemberLaunch();
    const { oldRoleId } = await recreateServiceLinkedRole(emulator, MEMBERS[0]!);
    const dead = (await grants()).find((g) => g.GranteePrincipal === oldRoleId)!;

    await sweep({ mode: 'enforce', accounts: [member.account] });

    const after = await grants();
    expect(after.map((g) => g.GrantId)).not.toContain(dead.GrantId);
    expect(after.filter((g) => covers(g, member.serviceLinkedRoleArn))).toHaveLength(1);
    expect((await emulator.calls()).filter((c) => c.action === 'RevokeGrant').map((c) => [c.account, c.status])).toEqual([[org.centralAccount, 200]]);
    expect((await sweep({ mode: 'report', accounts: [member.account] })).rows.filter((r) => r.finding !== 'default-ebs-key-aws-managed')).toEqual([]);
  }, 180_000);

  it('its next launch failure is diagnosed as a missing grant and the launch-failure workflow makes the new grant', async () => {
    const member = org.members[0]!;
    await grantForMemberLaunch();
    await recreateServiceLinkedRole(emulator, MEMBERS[0]!);

    await grantForMemberLaunch();

    expect((await grants()).filter((g) => covers(g, member.serviceLinkedRoleArn))).toHaveLength(1);
    expect((await grants()).filter((g) => /^AROA/.test(g.GranteePrincipal ?? ''))).toHaveLength(1);
  }, 120_000);
});

describe('grants with missing operations', () => {
  it('are reported with what they lack, and enforce adds the named grant with every operation, keeping the old one', async () => {
    const member = org.members[0]!;
    // What many modules ship: no CreateGrant, no GenerateDataKeyWithoutPlaintext.
    const { GrantId } = await kms(member.account).send(
      new CreateGrantCommand({ KeyId: org.keyArns[HOME_REGION]!, GranteePrincipal: member.serviceLinkedRoleArn, Operations: [...MODULE_OPS], Name: 'terraform-asg-ebs' }),
    );

    const report = await sweep({ mode: 'report', accounts: [member.account] });
    const row = report.rows.find((r) => r.finding === 'grant-incomplete')!;
    expect(row).toMatchObject({ account: member.account, resource: `${org.keyArns[HOME_REGION]}/grant/${GrantId}`, severity: 'high' });
    expect(row.detail).toContain('lacks GenerateDataKeyWithoutPlaintext, CreateGrant');

    await sweep({ mode: 'enforce', accounts: [member.account] });
    const after = await grants();
    expect(after.filter((g) => covers(g, member.serviceLinkedRoleArn)).map((g) => g.Name)).toEqual([grantName(member.serviceLinkedRoleArn)]);
    expect(after.map((g) => g.GrantId)).toContain(GrantId);
    expect((await sweep({ mode: 'report', accounts: [member.account] })).rows.filter((r) => r.finding.startsWith('grant-'))).toEqual([]);
  }, 180_000);
});

describe('the grant quota and accounts that left', () => {
  it('a key at 80 % of its 50,000 grants is a finding with the count, then with the trend', async () => {
    const ebs = `arn:aws:sts::${MEMBERS[0]!.account}:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0`;
    const feed = (count: number) =>
      emulator.feedGrants({ account: org.centralAccount, region: HOME_REGION, keyId: org.keyArns[HOME_REGION]!, count, granteePrincipal: ebs, retiringPrincipal: 'ec2.us-east-1.amazonaws.com', operations: ['Decrypt', 'RetireGrant'] });
    await feed(39_999);
    const below = await sweep({ mode: 'report', accounts: [MEMBERS[0]!.account], regions: [HOME_REGION] });
    expect(below.rows.map((r) => r.finding)).not.toContain('key-grant-quota');

    await feed(1_001);
    const first = await sweep({ mode: 'report', accounts: [MEMBERS[0]!.account], regions: [HOME_REGION] });
    const row = first.rows.find((r) => r.finding === 'key-grant-quota')!;
    expect(row).toMatchObject({ account: org.centralAccount, resource: org.keyArns[HOME_REGION], severity: 'high' });
    expect(row.detail).toMatch(/^41000 of 50000 grants \(82 %\); \+1001 since \S+ \(39999\)/);
    // EBS's own grants are counted, never judged.
    expect(first.rows.filter((r) => r.finding.startsWith('grant-'))).toEqual([]);
  }, 240_000);

  it('grants of an account that is not in the organization are reported (and kept) by a sweep of the organization', async () => {
    const { GrantId } = await kms(org.centralAccount).send(new CreateGrantCommand({ KeyId: org.keyArns[HOME_REGION]!, GranteePrincipal: slr(OUTSIDER), Operations: [...REQUIRED_GRANT_OPERATIONS] }));

    const { rows } = await sweep({ mode: 'enforce', regions: [HOME_REGION] });

    const row = rows.find((r) => r.finding === 'grant-out-of-scope')!;
    expect(row).toMatchObject({ account: OUTSIDER, resource: `${org.keyArns[HOME_REGION]}/grant/${GrantId}` });
    expect(row.detail).toContain(`account ${OUTSIDER} is not an active account of the organization`);
    expect((await grants()).map((g) => g.GrantId)).toContain(GrantId);
    expect((await emulator.calls()).filter((c) => c.action === 'RevokeGrant')).toEqual([]);
  }, 180_000);
});
