/**
 * The compliance sweep on the emulator: a central account with a compliant golden AMI, one on
 * aws/ebs and one unencrypted; two members whose groups launch the golden AMI without the grant;
 * a third account without the member role. The report lists exactly those problems; enforce
 * fixes what amiwarden may fix, and a second sweep finds nothing left.
 */
import { CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { EC2Client, ModifyEbsDefaultKmsKeyIdCommand } from '@aws-sdk/client-ec2';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile, isDryRunAnswer } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { buildOrganization, HOME_REGION, REGIONS, registerImage, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';
import { readStartedRemediations, remediationResultsIn, type RemediationResults } from '../../cli/sweep-remediations';

const BUCKET = 'amiwarden-reports-test';
const OUTSIDER = '333333333333';

const emulator = emulatorForFile();
let org: Organization;
let planted: { awsManaged: string; unencrypted: string };


beforeEach(async () => {
  jest.resetModules();
  await emulator.reset();
  org = await buildOrganization(emulator);
  planted = {
    awsManaged: await registerImage(emulator, org.centralAccount, 'legacy-on-aws-ebs', { encrypted: true }),
    unencrypted: await registerImage(emulator, org.centralAccount, 'legacy-unencrypted', { encrypted: false }),
  };
  await new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  // Both members already encrypt new volumes with a key of their own (no default-key finding).
  for (const member of org.members) {
    for (const region of REGIONS) {
      const key = await new KMSClient(clientConfig(emulator, member.account, region)).send(new CreateKeyCommand({ Description: 'member default EBS key' }));
      await new EC2Client(clientConfig(emulator, member.account, region)).send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: key.KeyMetadata!.Arn! }));
    }
  }
  applyEnvironment(lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }));
}, 60_000);

async function report(key: string): Promise<string> {
  const s3 = new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true });
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key.replace(`s3://${BUCKET}/`, '') }));
  return out.Body!.transformToString();
}

describe('compliance sweep on the emulator', () => {
  it('reports exactly the planted problems, in JSON, CSV and Markdown, and changes nothing in report mode', async () => {
    await emulator.clearCalls();
    const run = await runWorkflow('compliance-sweep', { mode: 'report', accounts: [...org.members.map((m) => m.account), OUTSIDER] });

    expect(run.status).toBe('SUCCEEDED');
    const output = run.output as { summary: { findings: number; byFinding: Record<string, number> }; reports: Record<string, string>; remediationsStarted: number };
    expect(output.summary.byFinding).toEqual({
      'ami-aws-managed-key': 1,
      'ami-unencrypted': 1,
      'missing-grant': 2,
      'member-role-unavailable': 2,
    });
    expect(output.remediationsStarted).toBe(0);

    const json = JSON.parse(await report(output.reports.json!)) as { findings: { account: string; resource: string; finding: string; severity: string }[] };
    expect(json.findings.filter((f) => f.finding.startsWith('ami-')).map((f) => f.resource).sort()).toEqual([planted.awsManaged, planted.unencrypted].sort());
    expect(json.findings.filter((f) => f.finding === 'missing-grant').map((f) => `${f.account}/${f.resource}`).sort()).toEqual(
      org.members.map((m) => `${m.account}/autoScalingGroup/${m.autoScalingGroupName}`).sort(),
    );
    expect(json.findings.filter((f) => f.finding === 'member-role-unavailable').every((f) => f.account === OUTSIDER)).toBe(true);
    const csv = await report(output.reports.csv!);
    expect(csv.split('\n')[0]).toBe('account,region,resource,finding,severity,detail,action');
    expect(csv.trim().split('\n')).toHaveLength(1 + output.summary.findings);
    expect(await report(output.reports.markdown!)).toContain('| ami-aws-managed-key | 1 |');

    const mutating = (await emulator.calls()).filter((c) => /^(Create|Copy|Modify|Register|Deregister|Delete|Enable|Disable|Revoke|Retire)/.test(c.action) && !isDryRunAnswer(c));
    expect(mutating).toEqual([]);
  }, 120_000);
});

describe('compliance sweep in enforce mode', () => {
  it('fixes what it found, and a second sweep finds nothing left', async () => {
    const enforced = await runWorkflow('compliance-sweep', { mode: 'enforce', accounts: org.members.map((m) => m.account) });

    expect(enforced.status).toBe('SUCCEEDED');
    expect(enforced.output).toMatchObject({ mode: 'enforce', remediationsStarted: 4, remediationsSkipped: 0 });
    expect(enforced.children.map((c) => `${c.workflow}:${c.status}`).sort()).toEqual([
      'launch-failure:SUCCEEDED',
      'launch-failure:SUCCEEDED',
      'reencrypt-and-share:SUCCEEDED',
      'reencrypt-and-share:SUCCEEDED',
    ]);

    const again = await runWorkflow('compliance-sweep', { mode: 'report', accounts: org.members.map((m) => m.account) });
    expect((again.output as { summary: { findings: number } }).summary.findings).toBe(0);
  }, 120_000);

  it('names, in its map run\'s results, every remediation execution it started: what `amiwarden sweep --mode enforce` reads in AWS', async () => {
    let where: RemediationResults | undefined;
    let sweepArn: string | undefined;
    const enforced = await runWorkflow('compliance-sweep', { mode: 'enforce', accounts: org.members.map((m) => m.account) }, {
      onState: (event) => {
        sweepArn ??= event.execution.executionArn;
        if (event.type === 'exited' && event.execution.executionArn === sweepArn) where = remediationResultsIn(event.output) ?? where;
      },
    });

    expect(enforced.status).toBe('SUCCEEDED');
    expect(where).toEqual({ bucket: BUCKET, manifest: expect.stringMatching(/^inventories\/.+\/manifest\.json$/) });
    const s3 = new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true });
    const started = await readStartedRemediations(s3, where!);
    const key = (c: { workflow: string; executionArn: string; input?: unknown }) => `${c.workflow} ${c.executionArn} ${JSON.stringify(c.input)}`;
    expect(started).toHaveLength(4);
    expect(started.map(key).sort()).toEqual(enforced.children.map(key).sort());
  }, 120_000);

  it('starts no more remediations than the cap, most severe first, and says how many it held back', async () => {
    applyEnvironment({ AMIWARDEN_SWEEP_MAX_CHANGES: '1' });
    try {
      const capped = await runWorkflow('compliance-sweep', { mode: 'enforce', accounts: org.members.map((m) => m.account) });

      expect(capped.output).toMatchObject({ remediationsStarted: 1, remediationsSkipped: 3 });
      expect(capped.children).toHaveLength(1);
      expect(['launch-failure', 'reencrypt-and-share']).toContain(capped.children[0]!.workflow);
      // The high-severity ones come first: a missing grant or the AMI on aws/ebs, never the unencrypted one (medium).
      expect(JSON.stringify(capped.children[0]!.output)).not.toContain(planted.unencrypted);
    } finally {
      delete process.env.AMIWARDEN_SWEEP_MAX_CHANGES;
    }
  }, 120_000);

  it('sweeps an organization with no member account: the central account alone', async () => {
    await new OrganizationsClient(clientConfig(emulator, org.centralAccount, HOME_REGION)).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));

    const run = await runWorkflow('compliance-sweep', { mode: 'report' });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ accounts: 0, summary: { byFinding: { 'ami-aws-managed-key': 1, 'ami-unencrypted': 1 } } });
  }, 120_000);
});
