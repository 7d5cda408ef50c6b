/**
 * Security Hub API Reference (BatchImportFindings, BatchUpdateFindings, GetFindings) and User Guide
 * ("BatchImportFindings for finding providers", "Setting the workflow status of findings"): what
 * amiwarden's findings export relies on.
 */
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { CENTRAL, MEMBER, REGION, useEmulator } from './support';

const emulator = useEmulator();
const PRODUCT = `arn:aws:securityhub:${REGION}:${CENTRAL}:product/${CENTRAL}/default`;

const finding = (id: string, extra: Partial<AwsSecurityFinding> = {}): AwsSecurityFinding => ({
  SchemaVersion: '2018-10-08',
  Id: id,
  ProductArn: PRODUCT,
  GeneratorId: 'conformance/check',
  AwsAccountId: CENTRAL,
  Types: ['Software and Configuration Checks'],
  CreatedAt: '2026-12-01T10:00:00.000Z',
  UpdatedAt: '2026-12-01T10:00:00.000Z',
  Severity: { Label: 'HIGH' },
  Title: 'An AMI is on the AWS managed key',
  Description: 'ami-0123456789abcdef0 uses aws/ebs',
  Resources: [{ Type: 'AwsEc2Image', Id: `arn:aws:ec2:${REGION}::image/ami-0123456789abcdef0` }],
  ...extra,
});

describe('Security Hub findings', () => {
  const hub = () => new SecurityHubClient(emulator.config(CENTRAL));
  const byId = async (id: string) => (await hub().send(new GetFindingsCommand({ Filters: { Id: [{ Value: id, Comparison: 'EQUALS' }] } }))).Findings ?? [];

  it('refuses every finding while Security Hub is not enabled', async () => {
    const out = await hub().send(new BatchImportFindingsCommand({ Findings: [finding('not-enabled')] }));
    expect(out).toMatchObject({ FailedCount: 1, SuccessCount: 0, FailedFindings: [{ Id: 'not-enabled', ErrorCode: 'InvalidAccess' }] });
  });

  it('refuses, per finding, one that lacks a required attribute, is for another account or another account’s product', async () => {
    await hub().send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
    const { Title: _t, ...untitled } = finding('untitled');
    const out = await hub().send(
      new BatchImportFindingsCommand({
        Findings: [finding('good'), untitled as AwsSecurityFinding, finding('other-account', { AwsAccountId: MEMBER }), finding('other-product', { ProductArn: `arn:aws:securityhub:${REGION}:${MEMBER}:product/${MEMBER}/default` })],
      }),
    );
    expect(out.SuccessCount).toBe(1);
    expect(out.FailedFindings?.map((f) => [f.Id, f.ErrorCode])).toEqual([
      ['untitled', 'InvalidInput'],
      ['other-account', 'AccessDeniedException'],
      ['other-product', 'AccessDeniedException'],
    ]);
    expect(await byId('good')).toHaveLength(1);
    expect(await byId('untitled')).toHaveLength(0);
  });

  it('updates a finding by Id and product, never its workflow; BatchUpdateFindings resolves it; re-opening resets it to NEW', async () => {
    await hub().send(new BatchImportFindingsCommand({ Findings: [finding('lifecycle')] }));
    expect((await byId('lifecycle'))[0]).toMatchObject({ Workflow: { Status: 'NEW' }, RecordState: 'ACTIVE' });

    // The provider cannot set the workflow on an update.
    await hub().send(new BatchImportFindingsCommand({ Findings: [finding('lifecycle', { Workflow: { Status: 'RESOLVED' }, UpdatedAt: '2026-12-02T10:00:00.000Z' })] }));
    const [updated] = await byId('lifecycle');
    expect(updated).toMatchObject({ Workflow: { Status: 'NEW' }, UpdatedAt: '2026-12-02T10:00:00.000Z' });
    expect(await byId('lifecycle')).toHaveLength(1);

    // The customer side (the same account) resolves it; the provider archives it.
    const resolved = await hub().send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: 'lifecycle', ProductArn: PRODUCT }], Workflow: { Status: 'RESOLVED' } }));
    expect(resolved.ProcessedFindings).toEqual([{ Id: 'lifecycle', ProductArn: PRODUCT }]);
    await hub().send(new BatchImportFindingsCommand({ Findings: [finding('lifecycle', { RecordState: 'ARCHIVED', UpdatedAt: '2026-12-03T10:00:00.000Z' })] }));
    expect((await byId('lifecycle'))[0]).toMatchObject({ Workflow: { Status: 'RESOLVED' }, RecordState: 'ARCHIVED' });

    // The problem comes back: ARCHIVED → ACTIVE resets the workflow to NEW.
    await hub().send(new BatchImportFindingsCommand({ Findings: [finding('lifecycle', { RecordState: 'ACTIVE', UpdatedAt: '2026-12-04T10:00:00.000Z' })] }));
    expect((await byId('lifecycle'))[0]).toMatchObject({ Workflow: { Status: 'NEW' }, RecordState: 'ACTIVE' });

    const missing = await hub().send(new BatchUpdateFindingsCommand({ FindingIdentifiers: [{ Id: 'nope', ProductArn: PRODUCT }], Workflow: { Status: 'RESOLVED' } }));
    expect(missing.UnprocessedFindings?.map((u) => u.ErrorCode)).toEqual(['FindingNotFound']);
  });

  it('filters GetFindings by product, generator prefix, record state and workflow status', async () => {
    await hub().send(new BatchImportFindingsCommand({ Findings: [finding('f-1', { GeneratorId: 'amiwarden/sweep/a' }), finding('f-2', { GeneratorId: 'amiwarden/sweep/b', RecordState: 'ARCHIVED' }), finding('f-3', { GeneratorId: 'other' })] }));
    const out = await hub().send(
      new GetFindingsCommand({
        Filters: {
          ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
          GeneratorId: [{ Value: 'amiwarden/sweep/', Comparison: 'PREFIX' }],
          RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
          WorkflowStatus: [{ Value: 'RESOLVED', Comparison: 'NOT_EQUALS' }],
        },
      }),
    );
    expect(out.Findings?.map((f) => f.Id)).toEqual(['f-1']);
  });
});
