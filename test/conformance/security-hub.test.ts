/**
 * Security Hub API Reference (BatchImportFindings, BatchUpdateFindings, GetFindings) and User Guide
 * ("BatchImportFindings for finding providers", "Setting the workflow status of findings"): what
 * amiwarden's findings export relies on.
 */
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { CENTRAL, failure, MEMBER, OUTSIDER, REGION, useEmulator } from './support';

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
  it('joins the EQUALS filters of one attribute by OR (StringFilter), string and map (ProductFields, MapFilter) alike', async () => {
    // StringFilter: "CONTAINS, EQUALS, and PREFIX filters on the same field are joined by OR".
    // MapFilter: "CONTAINS and EQUALS filters on the same field are joined by OR".
    const about = (account: string) => ({ 'amiwarden/Account': account, 'amiwarden/Region': REGION });
    await hub().send(
      new BatchImportFindingsCommand({
        Findings: [
          finding('or-1', { GeneratorId: 'or/a', ProductFields: about(MEMBER) }),
          finding('or-2', { GeneratorId: 'or/a', ProductFields: about(OUTSIDER) }),
          finding('or-3', { GeneratorId: 'or/a', ProductFields: about('444444444444') }),
        ],
      }),
    );
    const ids = async (Filters: NonNullable<ConstructorParameters<typeof GetFindingsCommand>[0]>['Filters']) => ((await hub().send(new GetFindingsCommand({ Filters }))).Findings ?? []).map((f) => f.Id).sort();
    const generator = { GeneratorId: [{ Value: 'or/', Comparison: 'PREFIX' as const }] };
    expect(await ids({ ...generator, AwsAccountId: [{ Value: MEMBER, Comparison: 'EQUALS' }, { Value: CENTRAL, Comparison: 'EQUALS' }] })).toEqual(['or-1', 'or-2', 'or-3']);
    expect(await ids({ ...generator, AwsAccountId: [{ Value: MEMBER, Comparison: 'EQUALS' }, { Value: OUTSIDER, Comparison: 'EQUALS' }] })).toEqual([]);
    const accounts = (...values: string[]) => values.map((Value) => ({ Key: 'amiwarden/Account', Value, Comparison: 'EQUALS' as const }));
    expect(await ids({ ...generator, ProductFields: accounts(MEMBER, OUTSIDER) })).toEqual(['or-1', 'or-2']);
    expect(await ids({ ...generator, ProductFields: accounts(OUTSIDER) })).toEqual(['or-2']);
    const field = (Value: string, Comparison: 'CONTAINS' | 'NOT_CONTAINS') => ({ Key: 'amiwarden/Account', Value, Comparison });
    expect(await ids({ ...generator, ProductFields: [field('2222', 'CONTAINS'), field('3333', 'CONTAINS')] })).toEqual(['or-1', 'or-2']);
    expect(await ids({ ...generator, ProductFields: [field('2222', 'NOT_CONTAINS')] })).toEqual(['or-2', 'or-3']);
    // NOT_EQUALS and NOT_CONTAINS filters on the same field are joined by AND.
    expect(await ids({ ...generator, ProductFields: [{ Key: 'amiwarden/Account', Value: MEMBER, Comparison: 'NOT_EQUALS' }, { Key: 'amiwarden/Account', Value: OUTSIDER, Comparison: 'NOT_EQUALS' }] })).toEqual(['or-3']);
  });

  it('refuses filters on more than ten attributes, or more than 20 values of one attribute (AwsSecurityFindingFilters)', async () => {
    // "You can filter by up to ten finding attributes. For each attribute, you can provide up to 20 filter values."
    const values = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: 'amiwarden/Account', Value: String(100_000_000_000 + i), Comparison: 'EQUALS' as const }));
    await expect(hub().send(new GetFindingsCommand({ Filters: { ProductFields: values(20) } }))).resolves.toMatchObject({ Findings: [] });
    expect(await failure(hub().send(new GetFindingsCommand({ Filters: { ProductFields: values(21) } })))).toMatchObject({ name: 'InvalidInputException' });
    const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ Value: `id-${i}`, Comparison: 'EQUALS' as const }));
    expect(await failure(hub().send(new GetFindingsCommand({ Filters: { AwsAccountId: ids(21) } })))).toMatchObject({ name: 'InvalidInputException' });
    const one = [{ Value: 'x', Comparison: 'NOT_EQUALS' as const }];
    const ten = { Id: one, ProductArn: one, GeneratorId: one, AwsAccountId: one, RecordState: one, Title: one, WorkflowStatus: one, ComplianceStatus: one, SeverityLabel: one, ResourceId: one };
    await expect(hub().send(new GetFindingsCommand({ Filters: ten }))).resolves.toBeDefined();
    expect(await failure(hub().send(new GetFindingsCommand({ Filters: { ...ten, ResourceType: one } })))).toMatchObject({ name: 'InvalidInputException' });
  });
});
