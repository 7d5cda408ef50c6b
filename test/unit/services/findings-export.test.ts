/**
 * The Security Hub export a group of accounts at a time (services/findings-export.ts): the sweep
 * hands over its findings an inventory at a time; a group of at most 20 accounts is exported when
 * a 21st arrives (one paged GetFindings of the group's earlier ACTIVE findings, whose filter takes
 * at most 20 values; BatchImportFindings 100 a request; the gone findings archived and resolved),
 * so that what the exporter holds is one group, never the sweep. Security Hub is mocked with the
 * shapes it answers (GetFindings, BatchImportFindings, BatchUpdateFindings); GetFindings answers
 * with the earlier findings of the accounts its ProductFields filter names, 100 a page.
 */
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
  type BatchImportFindingsCommandInput,
  type BatchUpdateFindingsCommandInput,
  type GetFindingsCommandInput,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { findingId, toAsff, type PlainFinding } from '../../../core/asff';
import { loadConfig } from '../../../core/config';
import { TransientAwsError } from '../../../core/errors';
import { awsContext } from '../../../services/aws-context';
import { exportFindings, GROUP_ACCOUNTS, sweepExporter } from '../../../services/findings-export';

const hub = mockClient(SecurityHubClient);
const CENTRAL = '999999999999';
const REGION = 'us-east-1';
const PRODUCT = `arn:aws:securityhub:${REGION}:${CENTRAL}:product/${CENTRAL}/default`;
const KEY = `arn:aws:kms:${REGION}:${CENTRAL}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const config = loadConfig({ AMIWARDEN_CENTRAL_ACCOUNT_ID: CENTRAL, AMIWARDEN_KMS_KEY_ARNS: `${REGION}=${KEY}`, AMIWARDEN_SECURITY_HUB: 'true' });
const NOW = new Date('2026-12-01T06:00:00.000Z');
const EARLIER = new Date('2026-11-30T06:00:00.000Z');
const account = (i: number) => String(500_000_000_000 + i);

const plain = (acct: string, region = REGION, n = 0): PlainFinding => ({
  id: `missing-grant|${acct}|${region}|autoScalingGroup/web-${n}`,
  check: 'missing-grant',
  title: 'No grant for the launching role',
  severity: 'high',
  account: acct,
  region,
  resource: { type: 'AwsAutoScalingAutoScalingGroup', id: `arn:aws:autoscaling:${region}:${acct}:autoScalingGroup:*:autoScalingGroupName/web-${n}` },
  evidence: 'the role has no grant on the organization key',
  fix: 'create the grant from the member account (launch-failure)',
});

/** A finding as Security Hub holds it from an earlier run: what was imported, with the fields Security Hub adds. */
const earlier = (f: PlainFinding, updatedAt = EARLIER): AwsSecurityFinding =>
  ({
    ...toAsff(f, { importingAccount: CENTRAL, hubRegion: REGION, partition: 'aws', producer: 'sweep', now: updatedAt }),
    CreatedAt: '2026-10-01T06:00:00.000Z',
    Region: REGION,
    Workflow: { Status: 'NOTIFIED' },
    WorkflowState: 'NEW',
    FindingProviderFields: { Severity: { Label: 'HIGH', Original: 'high' }, Types: ['Software and Configuration Checks/AWS Security Best Practices'] },
    ProcessedAt: updatedAt.toISOString(),
  }) as unknown as AwsSecurityFinding;

let stored: AwsSecurityFinding[] = [];
let gets: GetFindingsCommandInput[] = [];
let imports: BatchImportFindingsCommandInput[] = [];
let updates: BatchUpdateFindingsCommandInput[] = [];

beforeEach(() => {
  hub.reset();
  stored = [];
  gets = [];
  imports = [];
  updates = [];
  hub.on(GetFindingsCommand).callsFake((input: GetFindingsCommandInput) => {
    gets.push(input);
    const accounts = new Set((input.Filters?.ProductFields ?? []).map((f) => f.Value));
    const matching = stored.filter((f) => f.RecordState === 'ACTIVE' && accounts.has(f.ProductFields?.['amiwarden/Account']));
    const from = Number(input.NextToken ?? 0);
    const to = from + (input.MaxResults ?? 100);
    return { Findings: matching.slice(from, to), ...(to < matching.length ? { NextToken: String(to) } : {}) };
  });
  hub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
    imports.push(input);
    return { FailedCount: 0, SuccessCount: input.Findings!.length, FailedFindings: [] };
  });
  hub.on(BatchUpdateFindingsCommand).callsFake((input: BatchUpdateFindingsCommandInput) => {
    updates.push(input);
    return { ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] };
  });
});

const aws = () => awsContext(config);
const imported = () => imports.flatMap((i) => i.Findings ?? []).filter((f) => f.RecordState === 'ACTIVE');
const archived = () => imports.flatMap((i) => i.Findings ?? []).filter((f) => f.RecordState === 'ARCHIVED');
const accountsOf = (input: GetFindingsCommandInput) => (input.Filters?.ProductFields ?? []).map((f) => f.Value);

describe('the Security Hub export, a group of accounts at a time', () => {
  it('exports a group of 20 accounts when a 21st arrives: one GetFindings of the group’s ACTIVE findings, then its imports', async () => {
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    for (let i = 0; i < GROUP_ACCOUNTS; i++) await exporter.add({ account: account(i), region: REGION }, true, [plain(account(i))]);
    expect(gets).toHaveLength(0);
    expect(imports).toHaveLength(0);

    await exporter.add({ account: account(20), region: REGION }, true, [plain(account(20))]);
    expect(gets).toHaveLength(1);
    expect(gets[0]).toEqual({
      Filters: {
        ProductArn: [{ Value: PRODUCT, Comparison: 'EQUALS' }],
        GeneratorId: [{ Value: 'amiwarden/sweep/', Comparison: 'PREFIX' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        ProductFields: Array.from({ length: 20 }, (_, i) => ({ Key: 'amiwarden/Account', Value: account(i), Comparison: 'EQUALS' })),
      },
      MaxResults: 100,
    });
    expect(imported().map((f) => f.ProductFields?.['amiwarden/Account'])).toEqual(Array.from({ length: 20 }, (_, i) => account(i)));

    const outcome = await exporter.end();
    expect(gets.map(accountsOf)).toEqual([Array.from({ length: 20 }, (_, i) => account(i)), [account(20)]]);
    expect(outcome).toEqual({ outcome: 'exported', hubRegion: REGION, imported: 21, resolved: 0, failed: 0, failures: [] });
  });

  it('splits one inventory’s findings about many accounts (the central inventory’s) into groups of at most 20, and imports 100 a request', async () => {
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    // 45 accounts, 5 findings each, all from the central account's inventory of the Region.
    const findings = Array.from({ length: 45 }, (_, i) => Array.from({ length: 5 }, (_, n) => plain(account(i), REGION, n))).flat();
    await exporter.add({ account: CENTRAL, region: REGION }, true, findings);
    const outcome = await exporter.end();
    expect(gets.map((g) => accountsOf(g).length)).toEqual([20, 20, 6]);
    expect(gets[0]!.Filters!.ProductFields![0]!.Value).toBe(CENTRAL);
    expect(new Set(gets.flatMap(accountsOf)).size).toBe(46);
    expect(Math.max(...imports.map((i) => i.Findings!.length))).toBeLessThanOrEqual(100);
    expect(imports.map((i) => i.Findings!.length)).toEqual([95, 100, 30]);
    expect(outcome).toMatchObject({ outcome: 'exported', imported: 225, failed: 0 });
  });

  it('keeps the CreatedAt of a finding Security Hub already holds, and stamps a new one with the run’s time', async () => {
    const known = plain(account(1), REGION, 0);
    const fresh = plain(account(1), REGION, 1);
    stored = [earlier(known)];
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    await exporter.add({ account: account(1), region: REGION }, true, [known, fresh]);
    await exporter.end();
    const byId = new Map(imported().map((f) => [f.Id, f]));
    expect(byId.get(findingId('sweep', known.id))).toMatchObject({ CreatedAt: '2026-10-01T06:00:00.000Z', UpdatedAt: NOW.toISOString() });
    expect(byId.get(findingId('sweep', fresh.id))).toMatchObject({ CreatedAt: NOW.toISOString(), UpdatedAt: NOW.toISOString() });
  });

  it('resolves a finding that is gone only in an account and Region the run inspected', async () => {
    const [a, b] = [account(1), account(2)];
    const goneHere = plain(a, REGION);
    const otherRegion = plain(a, 'eu-west-1');
    const notInspected = plain(b, REGION);
    stored = [earlier(goneHere), earlier(otherRegion), earlier(notInspected)];
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    await exporter.add({ account: a, region: REGION }, true, []);
    // The member role of b could not be assumed: b is not inspected, its findings stay open.
    await exporter.add({ account: b, region: REGION }, false, []);
    const outcome = await exporter.end();
    expect(archived().map((f) => f.Id)).toEqual([findingId('sweep', goneHere.id)]);
    expect(archived()[0]).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' }, UpdatedAt: NOW.toISOString(), CreatedAt: '2026-10-01T06:00:00.000Z' });
    // What Security Hub adds (the workflow, the provider fields) is not the provider's to send back.
    expect(archived()[0]).not.toHaveProperty('Workflow');
    expect(updates).toEqual([
      { FindingIdentifiers: [{ Id: findingId('sweep', goneHere.id), ProductArn: PRODUCT }], Workflow: { Status: 'RESOLVED' }, Note: { Text: `amiwarden sweep at ${NOW.toISOString()} no longer finds this problem`, UpdatedBy: 'amiwarden' } },
    ]);
    expect(outcome).toMatchObject({ outcome: 'exported', imported: 0, resolved: 1 });
  });

  it('never resolves a finding this run already updated, though its account comes back in a later group', async () => {
    const a = account(1);
    const ofThisRun = plain(a, REGION, 0);
    const ofAnEarlierRun = plain(a, REGION, 1);
    // An earlier group of this run imported the first (UpdatedAt is the run's time); the second is an earlier run's.
    stored = [earlier(ofThisRun, NOW), earlier(ofAnEarlierRun)];
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    await exporter.add({ account: a, region: REGION }, true, []);
    const outcome = await exporter.end();
    expect(archived().map((f) => f.Id)).toEqual([findingId('sweep', ofAnEarlierRun.id)]);
    expect(updates.flatMap((u) => u.FindingIdentifiers!.map((i) => i.Id))).toEqual([findingId('sweep', ofAnEarlierRun.id)]);
    expect(outcome.resolved).toBe(1);
  });

  it('reads every page of a group’s earlier findings', async () => {
    const a = account(1);
    stored = Array.from({ length: 250 }, (_, n) => earlier(plain(a, REGION, n)));
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    await exporter.add({ account: a, region: REGION }, true, []);
    const outcome = await exporter.end();
    expect(gets.map((g) => g.NextToken)).toEqual([undefined, '100', '200']);
    expect(archived()).toHaveLength(250);
    expect(updates.map((u) => u.FindingIdentifiers!.length)).toEqual([100, 100, 50]);
    expect(outcome).toMatchObject({ resolved: 250 });
  });

  it('reports a refusal as `failed` and makes no further call; throttling is the step’s to retry', async () => {
    hub.on(GetFindingsCommand).rejects(Object.assign(new Error('Account 999999999999 is not subscribed to AWS Security Hub'), { name: 'InvalidAccessException', $fault: 'client', $metadata: { httpStatusCode: 401 } }));
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    for (let i = 0; i < 45; i++) await exporter.add({ account: account(i), region: REGION }, true, [plain(account(i))]);
    const outcome = await exporter.end();
    expect(outcome).toEqual({ outcome: 'failed', hubRegion: REGION, imported: 0, resolved: 0, failed: 45, failures: [{ id: '', code: 'InvalidAccessException', message: expect.stringContaining('not subscribed') }] });
    expect(hub.commandCalls(GetFindingsCommand)).toHaveLength(1);
    expect(imports).toHaveLength(0);

    hub.on(GetFindingsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    const throttled = await sweepExporter(config, aws(), REGION, NOW);
    await throttled.add({ account: account(1), region: REGION }, true, [plain(account(1))]);
    await expect(throttled.end()).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('refuses an inventory’s findings about other accounts once another account’s own inventory has come (the central inventories come first)', async () => {
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    await exporter.add({ account: CENTRAL, region: REGION }, true, [plain(account(1))]);
    await exporter.add({ account: CENTRAL, region: 'eu-west-1' }, true, [plain(account(1), 'eu-west-1')]);
    await exporter.add({ account: account(1), region: REGION }, true, [plain(account(1), REGION, 1)]);
    await expect(exporter.add({ account: CENTRAL, region: 'eu-west-2' }, true, [plain(account(2), 'eu-west-2')])).rejects.toThrow(/must come first/);
    // Its own findings, or findings with no target (missing inspections), may come in any order.
    await exporter.add({ account: CENTRAL, region: 'eu-west-2' }, true, []);
    await exporter.add(null, false, [plain(account(3))]);
    expect(await exporter.end()).toMatchObject({ outcome: 'exported', imported: 4 });
  });

  it('does nothing with the export off', async () => {
    const off = loadConfig({ AMIWARDEN_CENTRAL_ACCOUNT_ID: CENTRAL, AMIWARDEN_KMS_KEY_ARNS: `${REGION}=${KEY}` });
    const exporter = await sweepExporter(off, awsContext(off), REGION, NOW);
    await exporter.add({ account: account(1), region: REGION }, true, [plain(account(1))]);
    expect(await exporter.end()).toEqual({ outcome: 'disabled', hubRegion: null, imported: 0, resolved: 0, failed: 0, failures: [] });
    expect(hub.calls()).toHaveLength(0);
  });

  it('holds one group of accounts at a time, never the whole sweep (200 accounts)', async () => {
    const ACCOUNTS = 200;
    const PER_ACCOUNT = 5;
    const GONE_PER_ACCOUNT = 3;
    // Each account: 5 findings this run, 3 earlier ones that are gone.
    stored = Array.from({ length: ACCOUNTS }, (_, i) => Array.from({ length: GONE_PER_ACCOUNT }, (_, n) => earlier(plain(account(i), REGION, 100 + n)))).flat();
    const exporter = await sweepExporter(config, aws(), REGION, NOW);
    for (let i = 0; i < ACCOUNTS; i++) await exporter.add({ account: account(i), region: REGION }, true, Array.from({ length: PER_ACCOUNT }, (_, n) => plain(account(i), REGION, n)));
    const outcome = await exporter.end();
    // One group's findings and its earlier findings, at most: 20 x (5 + 3) = 160 of the sweep's 1,600.
    expect(exporter.peakRecordsHeld).toBe(GROUP_ACCOUNTS * (PER_ACCOUNT + GONE_PER_ACCOUNT));
    expect(outcome).toMatchObject({ outcome: 'exported', imported: ACCOUNTS * PER_ACCOUNT, resolved: ACCOUNTS * GONE_PER_ACCOUNT, failed: 0 });
    expect(gets).toHaveLength(ACCOUNTS / GROUP_ACCOUNTS);
  });
});

describe('a whole list at once (the launch-failure diagnosis)', () => {
  it('exports through the same groups, and resolves only the findings it names', async () => {
    const a = account(1);
    const named = plain(a, REGION, 0);
    const other = plain(a, REGION, 1);
    stored = [earlier(named), earlier(other)];
    const outcome = await exportFindings([], { producer: 'sweep', inspected: [{ account: a, region: REGION }], only: [named.id] }, config, awsContext(config), REGION, NOW);
    expect(archived().map((f) => f.Id)).toEqual([findingId('sweep', named.id)]);
    expect(gets.map(accountsOf)).toEqual([[a]]);
    expect(outcome).toMatchObject({ outcome: 'exported', resolved: 1 });
  });
});
