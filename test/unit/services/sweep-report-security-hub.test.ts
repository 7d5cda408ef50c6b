/**
 * The report writer with the Security Hub export on (issue 16): it hands the exporter each
 * inventory's findings as it reads them, so that Security Hub is written a group of at most 20
 * accounts at a time while inventories are still being read, and what is resolved is what the
 * sweep inspected (the central account in each Region it inventoried, each member inspected; a
 * member whose role could not be assumed, or whose inspection left no inventory, keeps its
 * findings open). S3 and Security Hub are mocked
 * with the shapes they answer.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
import { s3Body } from '../cli/support';
import { fromSweepRow, toAsff } from '../../../core/asff';
import { loadConfig } from '../../../core/config';
import type { MemberInventory } from '../../../core/sweep';
import { awsContext } from '../../../services/aws-context';
import { targetsKey, writeReport } from '../../../services/sweep';

const s3 = mockClient(S3Client);
const hub = mockClient(SecurityHubClient);
const CENTRAL = '999999999999';
const REGION = 'us-east-1';
const KEY = `arn:aws:kms:${REGION}:${CENTRAL}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const BUCKET = 'amiwarden-reports-unit';
const RUN = 'local-unit-run';
const config = loadConfig({ AMIWARDEN_CENTRAL_ACCOUNT_ID: CENTRAL, AMIWARDEN_KMS_KEY_ARNS: `${REGION}=${KEY}`, AMIWARDEN_REPORT_BUCKET: BUCKET, AMIWARDEN_SECURITY_HUB: 'true' });
const ACCOUNTS = 300;
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => String(500_000_000_000 + i));
const UNAVAILABLE = accounts[7]!;
/** Its inspection left no inventory: a missing inspection, whose earlier findings stay open too. */
const MISSING = accounts[11]!;
const plan = { runId: RUN, mode: 'report' as const, dryRun: false, startedAt: '2026-12-01T06:00:00.000Z', accounts: ACCOUNTS, regions: [REGION] };
const memberKey = (account: string) => `inventories/${RUN}/members/${account}/${REGION}.json`;
const central = {
  region: REGION,
  keyArn: KEY,
  images: [{ imageId: 'ami-0123456789abcdef0', state: 'available', snapshots: [{ deviceName: '/dev/xvda', snapshotId: 'snap-0123456789abcdef0' }], tags: {}, launchableBy: [] }],
  snapshots: [{ snapshotId: 'snap-0123456789abcdef0', encrypted: true, kmsKeyId: KEY }],
  keys: [{ keyId: KEY, found: true, keyArn: KEY, keyManager: 'CUSTOMER', keyState: 'Enabled' }],
  grants: [],
  keyPolicy: null,
  shareAccounts: [],
};
const inventory = (account: string): MemberInventory =>
  account === UNAVAILABLE
    ? { account, region: REGION, status: 'member-role-unavailable', detail: 'AccessDenied', groups: [], activities: [], defaultEbsKey: null }
    : {
        account,
        region: REGION,
        status: 'inspected',
        detail: null,
        groups: [{ name: 'web', serviceLinkedRoleArn: `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`, serviceLinkedRoleExists: true, imageIds: ['ami-0123456789abcdef0'] }],
        activities: [],
        defaultEbsKey: null,
      };

/** A finding an earlier sweep left ACTIVE that this one no longer makes (a group since deleted). */
const earlierGone = (account: string): AwsSecurityFinding =>
  ({
    ...toAsff(
      fromSweepRow({ account, region: REGION, resource: 'autoScalingGroup/deleted', finding: 'missing-grant', severity: 'high', detail: 'no grant', action: 'create the grant' }, 'aws'),
      { importingAccount: CENTRAL, hubRegion: REGION, partition: 'aws', producer: 'sweep', now: new Date('2026-11-30T06:00:00.000Z') },
    ),
    Region: REGION,
    Workflow: { Status: 'NEW' },
  }) as unknown as AwsSecurityFinding;

const order: string[] = [];
let stored: AwsSecurityFinding[] = [];
let gets: GetFindingsCommandInput[] = [];
let imports: BatchImportFindingsCommandInput[] = [];
let updates: BatchUpdateFindingsCommandInput[] = [];
const objects = new Map<string, string>();

beforeEach(() => {
  s3.reset();
  hub.reset();
  order.length = 0;
  objects.clear();
  gets = [];
  imports = [];
  updates = [];
  stored = [earlierGone(CENTRAL), earlierGone(accounts[3]!), earlierGone(UNAVAILABLE), earlierGone(MISSING)];
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => {
    if (input.Prefix.endsWith('/central/')) return { Contents: [{ Key: `inventories/${RUN}/central/${REGION}.json` }], IsTruncated: false, KeyCount: 1 };
    const listed = accounts.filter((a) => a !== MISSING);
    return { Contents: listed.map((a) => ({ Key: memberKey(a) })), KeyCount: listed.length, IsTruncated: false };
  });
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    order.push(`GetObject ${input.Key}`);
    if (input.Key === targetsKey(RUN)) return { Body: s3Body(accounts.map((account) => `${JSON.stringify({ account, region: REGION })}\n`).join('')) };
    if (input.Key.includes('/central/')) return { Body: s3Body(JSON.stringify(central)) };
    const kept = objects.get(input.Key);
    if (kept !== undefined) return { Body: s3Body(kept) };
    const account = /members\/(\d{12})\//.exec(input.Key)?.[1];
    if (!account) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    return { Body: s3Body(JSON.stringify(inventory(account))) };
  });
  s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: unknown }) => {
    const body = input.Body;
    let text = '';
    if (typeof body === 'string') text = body;
    else if (body instanceof Uint8Array) text = Buffer.from(body).toString('utf8');
    else for await (const chunk of body as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString('utf8');
    objects.set(input.Key, text);
    return { ETag: '"x"' };
  });
  hub.on(GetFindingsCommand).callsFake((input: GetFindingsCommandInput) => {
    order.push('GetFindings');
    gets.push(input);
    const wanted = new Set((input.Filters?.ProductFields ?? []).map((f) => f.Value));
    return { Findings: stored.filter((f) => wanted.has(f.ProductFields?.['amiwarden/Account'])) };
  });
  hub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
    order.push('BatchImportFindings');
    imports.push(input);
    return { FailedCount: 0, SuccessCount: input.Findings!.length, FailedFindings: [] };
  });
  hub.on(BatchUpdateFindingsCommand).callsFake((input: BatchUpdateFindingsCommandInput) => {
    updates.push(input);
    return { ProcessedFindings: input.FindingIdentifiers, UnprocessedFindings: [] };
  });
});

describe('writeReport with the Security Hub export on', () => {
  it('exports a group of at most 20 accounts at a time while it still reads inventories, and resolves only what it inspected', async () => {
    const report = await writeReport(plan, config, awsContext(config));

    expect(report.securityHub).toEqual({ outcome: 'exported', hubRegion: REGION, imported: report.summary.findings, resolved: 2, failed: 0, failures: [] });
    // The central account and 300 members, in the order the writer read them: 16 groups.
    expect(gets.map((g) => g.Filters!.ProductFields!.length)).toEqual([...Array(15).fill(20), 1]);
    expect(gets[0]!.Filters!.ProductFields![0]!.Value).toBe(CENTRAL);
    // Written as read, not at the end: the first import comes before the last inventory is read.
    expect(order.indexOf('BatchImportFindings')).toBeGreaterThan(-1);
    expect(order.indexOf('BatchImportFindings')).toBeLessThan(order.lastIndexOf(`GetObject ${memberKey(accounts.at(-1)!)}`));
    // The central account's gone finding and an inspected member's are resolved; the member whose role was unavailable and the one without an inventory keep theirs.
    expect(updates.flatMap((u) => u.FindingIdentifiers!.map((i) => i.Id)).sort()).toEqual([earlierGone(CENTRAL).Id, earlierGone(accounts[3]!).Id].sort());
    const ids = new Set(imports.flatMap((i) => i.Findings!).filter((f) => f.RecordState === 'ACTIVE').map((f) => f.Id));
    // Every row of the report, once: 298 missing grants, the unavailable member role, the missing inspection.
    expect(ids.size).toBe(report.summary.findings);
    expect(report.summary.byFinding).toEqual({ 'missing-grant': ACCOUNTS - 2, 'member-role-unavailable': 1, 'member-inspection-failed': 1 });
  }, 60_000);
});
