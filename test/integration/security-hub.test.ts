/**
 * Security Hub export on the emulator: the compliance sweep imports its findings into the central
 * account's Security Hub (custom-integration product, stable ids, severity, resource, remediation
 * text); a re-run updates rather than duplicates; after enforce fixes them, the next sweep resolves
 * them (RecordState ARCHIVED, compliance PASSED, Workflow.Status RESOLVED) and leaves the rest.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { EC2Client, ModifyEbsDefaultKmsKeyIdCommand } from '@aws-sdk/client-ec2';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { buildOrganization, CENTRAL_ACCOUNT, crossAccountKeyPolicy, HOME_REGION, REGIONS, registerImage, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';

const BUCKET = 'amiwarden-reports-hub';
const emulator = emulatorForFile();
let org: Organization;
let awsManaged: string;

beforeEach(async () => {
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator);
  awsManaged = await registerImage(emulator, org.centralAccount, 'legacy-on-aws-ebs', { encrypted: true });
  await new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const member of org.members) {
    for (const region of REGIONS) {
      const key = await new KMSClient(clientConfig(emulator, member.account, region)).send(new CreateKeyCommand({ Description: 'member default EBS key' }));
      await new EC2Client(clientConfig(emulator, member.account, region)).send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: key.KeyMetadata!.Arn! }));
    }
  }
}, 60_000);

afterEach(() => {
  delete process.env.AMIWARDEN_SECURITY_HUB;
});

const hub = () => new SecurityHubClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
const product = () => `arn:aws:securityhub:${HOME_REGION}:${org.centralAccount}:product/${org.centralAccount}/default`;
async function findings(): Promise<AwsSecurityFinding[]> {
  return (await hub().send(new GetFindingsCommand({ Filters: { ProductArn: [{ Value: product(), Comparison: 'EQUALS' }] }, MaxResults: 100 }))).Findings ?? [];
}
/** Every finding of the product, all pages. */
async function everyFinding(): Promise<AwsSecurityFinding[]> {
  const out: AwsSecurityFinding[] = [];
  let NextToken: string | undefined;
  do {
    const page = await hub().send(new GetFindingsCommand({ Filters: { ProductArn: [{ Value: product(), Comparison: 'EQUALS' }] }, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }));
    out.push(...(page.Findings ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}
const OUTSIDER = '333333333333'; // no member role: a finding enforce cannot fix
const sweep = (mode: 'report' | 'enforce', accounts = [...org.members.map((m) => m.account), OUTSIDER]) => runWorkflow('compliance-sweep', { mode, accounts });

describe('Security Hub export on the emulator', () => {
  it('imports the sweep’s findings, updates them on a re-run, and resolves them once enforce has fixed them', async () => {
    await hub().send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
    applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }), AMIWARDEN_SECURITY_HUB: 'true' });

    const first = await sweep('report');
    const summary = (first.output as { summary: { findings: number; byFinding: Record<string, number> }; securityHub: Record<string, unknown> });
    expect(summary.securityHub).toMatchObject({ outcome: 'exported', imported: summary.summary.findings, failed: 0, resolved: 0 });
    const imported = await findings();
    expect(imported).toHaveLength(summary.summary.findings);
    const image = imported.find((f) => f.GeneratorId === 'amiwarden/sweep/ami-aws-managed-key')!;
    expect(image).toMatchObject({
      AwsAccountId: org.centralAccount,
      Severity: { Label: 'HIGH' },
      Resources: [{ Type: 'Other', Id: `arn:aws:ec2:${HOME_REGION}::image/${awsManaged}` }],
      Remediation: { Recommendation: { Text: expect.stringContaining('reencrypt-and-share') } },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      Compliance: { Status: 'FAILED' },
    });
    const grants = imported.filter((f) => f.GeneratorId === 'amiwarden/sweep/missing-grant');
    expect(grants.map((f) => f.ProductFields?.['amiwarden/Account']).sort()).toEqual(org.members.map((m) => m.account).sort());

    // Same problems, same ids: a re-run updates, never duplicates.
    await sweep('report');
    const again = await findings();
    expect(again.map((f) => f.Id).sort()).toEqual(imported.map((f) => f.Id).sort());
    expect(again.find((f) => f.Id === image.Id)!.CreatedAt).toBe(image.CreatedAt);

    // Enforce fixes the image and the grants; the next sweep sees them fixed and resolves them.
    await sweep('enforce');
    const last = await sweep('report');
    const after = await findings();
    for (const id of [image.Id, ...grants.map((g) => g.Id)]) {
      expect(after.find((f) => f.Id === id)).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
    }
    // What enforce could not fix stays open.
    const open = after.filter((f) => f.RecordState === 'ACTIVE');
    expect(open.length).toBeGreaterThan(0);
    for (const f of open) expect(f).toMatchObject({ GeneratorId: 'amiwarden/sweep/member-role-unavailable', Workflow: { Status: 'NEW' }, ProductFields: { 'amiwarden/Account': OUTSIDER } });
    expect((last.output as { securityHub: { resolved: number } }).securityHub.resolved).toBe(after.length - open.length);
  }, 180_000);

  it('resolves only findings of accounts the sweep looked at', async () => {
    await hub().send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
    applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }), AMIWARDEN_SECURITY_HUB: 'true' });
    await sweep('report');
    const [a, b] = org.members.map((m) => m.account);
    // A sweep of account A alone says nothing about account B: B's findings stay open.
    await sweep('report', [a!]);
    const open = (await findings()).filter((f) => f.ProductFields?.['amiwarden/Account'] === b && f.RecordState === 'ACTIVE');
    expect(open.map((f) => f.GeneratorId)).toEqual(['amiwarden/sweep/missing-grant']);
    expect(open[0]!.Workflow?.Status).toBe('NEW');
  }, 120_000);

  it('imports nothing while the parameter is off', async () => {
    await hub().send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
    applyEnvironment(lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }));
    const run = await sweep('report');
    expect((run.output as { securityHub: { outcome: string } }).securityHub.outcome).toBe('disabled');
    expect(await findings()).toEqual([]);
  }, 120_000);
});

describe('Security Hub export a group of at most 20 accounts at a time, on the emulator', () => {
  it('exports 45 accounts in groups, keeps CreatedAt, resolves what is gone, and never what an earlier group of the same run imported', async () => {
    await hub().send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
    applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }), AMIWARDEN_SECURITY_HUB: 'true' });
    const { loadConfig } = await import('../../core/config');
    const { awsContext } = await import('../../services/aws-context');
    const { sweepExporter } = await import('../../services/findings-export');
    const { findingId } = await import('../../core/asff');
    const config = loadConfig();
    const aws = awsContext(config);
    const accounts = Array.from({ length: 45 }, (_, i) => String(600_000_000_000 + i));
    const plain = (account: string, n: number) => ({
      id: `missing-grant|${account}|${HOME_REGION}|autoScalingGroup/web-${n}`,
      check: 'missing-grant',
      title: 'No grant for the launching role',
      severity: 'high' as const,
      account,
      region: HOME_REGION,
      resource: { type: 'AwsAutoScalingAutoScalingGroup', id: `arn:aws:autoscaling:${HOME_REGION}:${account}:autoScalingGroup:*:autoScalingGroupName/web-${n}` },
      evidence: 'the role has no grant on the organization key',
      fix: null,
    });

    const first = await sweepExporter(config, aws, HOME_REGION, new Date('2026-12-01T06:00:00.000Z'));
    for (const a of accounts) await first.add({ account: a, region: HOME_REGION }, true, [plain(a, 0), plain(a, 1)]);
    expect(await first.end()).toMatchObject({ outcome: 'exported', imported: 90, resolved: 0, failed: 0 });

    // The next run: finding 1 of each account is gone, and each account comes back in a later group with a new finding 2.
    const second = await sweepExporter(config, aws, HOME_REGION, new Date('2026-12-02T06:00:00.000Z'));
    for (const a of accounts) await second.add({ account: a, region: HOME_REGION }, true, [plain(a, 0)]);
    for (const a of accounts) await second.add({ account: a, region: HOME_REGION }, true, [plain(a, 2)]);
    expect(await second.end()).toMatchObject({ outcome: 'exported', imported: 90, resolved: 45, failed: 0 });

    const all = new Map((await everyFinding()).map((f) => [f.Id, f]));
    expect(all.size).toBe(135);
    for (const a of accounts) {
      expect(all.get(findingId('sweep', plain(a, 0).id))).toMatchObject({ RecordState: 'ACTIVE', CreatedAt: '2026-12-01T06:00:00.000Z', UpdatedAt: '2026-12-02T06:00:00.000Z', Workflow: { Status: 'NEW' } });
      expect(all.get(findingId('sweep', plain(a, 1).id))).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
      expect(all.get(findingId('sweep', plain(a, 2).id))).toMatchObject({ RecordState: 'ACTIVE', CreatedAt: '2026-12-02T06:00:00.000Z', Workflow: { Status: 'NEW' } });
    }
  }, 120_000);
});

describe('Security Hub export of the launch-failure diagnosis', () => {
  it('imports a cause that needs a person, and resolves it once a later diagnosis finds the grant in place', async () => {
    // The organization key's policy lets no member create the Auto Scaling grant.
    await emulator.reset();
    org = await buildOrganization(emulator, { keyPolicy: ownAccountOnlyPolicy(CENTRAL_ACCOUNT) });
    await hub().send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
    applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }), AMIWARDEN_SECURITY_HUB: 'true' });
    const member = org.members[0]!;
    const request = { account: member.account, region: HOME_REGION, autoScalingGroupName: member.autoScalingGroupName };

    const blocked = await runWorkflow('launch-failure', request);
    expect(blocked.output).toMatchObject({ cause: 'key-policy-blocks-grant' });
    const [diagnosed] = (await findings()).filter((f) => f.GeneratorId?.startsWith('amiwarden/diagnosis/'));
    expect(diagnosed).toMatchObject({
      GeneratorId: 'amiwarden/diagnosis/key-policy-blocks-grant',
      Severity: { Label: 'HIGH' },
      Resources: [{ Type: 'AwsAutoScalingAutoScalingGroup', Id: expect.stringContaining(`:${member.account}:autoScalingGroup:*:autoScalingGroupName/${member.autoScalingGroupName}`) }],
      Remediation: { Recommendation: { Text: expect.any(String) } },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
    });

    // The key policy is fixed; the next run grants, and the diagnosis after it finds the grant and resolves the finding.
    const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
    await kms.send(new PutKeyPolicyCommand({ KeyId: org.keyArns[HOME_REGION]!, PolicyName: 'default', Policy: crossAccountKeyPolicy(org.centralAccount, org.members.map((m) => m.account)) }));
    const fixed = await runWorkflow('launch-failure', request);
    expect(fixed.output).toMatchObject({ status: 'remediated', cause: 'missing-grant' });
    // The grant step might still have been refused: only a diagnosis that sees the grant resolves.
    expect((await findings()).find((f) => f.Id === diagnosed!.Id)).toMatchObject({ RecordState: 'ACTIVE', Workflow: { Status: 'NEW' } });
    const again = await runWorkflow('launch-failure', request);
    expect(again.output).toMatchObject({ status: 'no-action', cause: 'grant-present' });
    const after = (await findings()).filter((f) => f.GeneratorId?.startsWith('amiwarden/diagnosis/'));
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ Id: diagnosed!.Id, RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
  }, 120_000);
});

function ownAccountOnlyPolicy(account: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] });
}
