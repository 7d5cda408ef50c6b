/**
 * The report writer at scale (issue 16): it reads the member inventories a listing page at a time
 * and a bounded number at once, never all of a large sweep together, and hands enforce mode's
 * remediations to the state machine as a list in S3, not in its result. S3 is mocked with the
 * shapes S3 returns.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3Body } from '../cli/support';
import { loadConfig } from '../../../core/config';
import { awsContext } from '../../../services/aws-context';
import { REPORT_READ_CONCURRENCY, remediationsKey, targetsKey, writeReport } from '../../../services/sweep';

const s3 = mockClient(S3Client);
const KEY = 'arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const BUCKET = 'amiwarden-reports-unit';
const RUN = 'local-unit-run';
const config = loadConfig({ AMIWARDEN_CENTRAL_ACCOUNT_ID: '999999999999', AMIWARDEN_KMS_KEY_ARNS: `us-east-1=${KEY}`, AMIWARDEN_REPORT_BUCKET: BUCKET, AMIWARDEN_SWEEP_MAX_CHANGES: '1000' });
const plan = (mode: 'report' | 'enforce') => ({ runId: RUN, mode, dryRun: false, startedAt: '2026-11-20T06:00:00.000Z', accounts: 2500, regions: ['us-east-1'] });
const accounts = Array.from({ length: 2500 }, (_, i) => String(500_000_000_000 + i));
const memberKey = (account: string) => `inventories/${RUN}/members/${account}/us-east-1.json`;
const central = {
  region: 'us-east-1',
  keyArn: KEY,
  images: [{ imageId: 'ami-0123456789abcdef0', state: 'available', snapshots: [{ deviceName: '/dev/xvda', snapshotId: 'snap-0123456789abcdef0' }], tags: {}, launchableBy: [] }],
  snapshots: [{ snapshotId: 'snap-0123456789abcdef0', encrypted: true, kmsKeyId: KEY }],
  keys: [{ keyId: KEY, found: true, keyArn: KEY, keyManager: 'CUSTOMER', keyState: 'Enabled' }],
  grants: [],
  keyPolicy: null,
  shareAccounts: [],
};
// Every member's group launches the central image without a grant: one finding and one remediation each.
const inventory = (account: string) => ({
  account,
  region: 'us-east-1',
  status: 'inspected',
  detail: null,
  groups: [{ name: 'web', serviceLinkedRoleArn: `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`, serviceLinkedRoleExists: true, imageIds: ['ami-0123456789abcdef0'] }],
  activities: [],
  defaultEbsKey: null,
});

let inFlight = 0;
let peak = 0;
let listCalls = 0;
const written: Record<string, string> = {};

beforeEach(() => {
  s3.reset();
  inFlight = 0;
  peak = 0;
  listCalls = 0;
  for (const k of Object.keys(written)) delete written[k];
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; ContinuationToken?: string }) => {
    if (input.Prefix.endsWith('/central/')) return { Contents: [{ Key: `inventories/${RUN}/central/us-east-1.json` }], IsTruncated: false, KeyCount: 1 };
    listCalls += 1;
    const start = Number(input.ContinuationToken ?? 0);
    const page = accounts.slice(start, start + 1000).map((a) => ({ Key: memberKey(a) }));
    const next = start + 1000 < accounts.length ? String(start + 1000) : undefined;
    return { Contents: page, KeyCount: page.length, IsTruncated: next !== undefined, ...(next ? { NextContinuationToken: next } : {}) };
  });
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    if (input.Key === targetsKey(RUN)) return { Body: s3Body(JSON.stringify(accounts.map((account) => ({ account, region: 'us-east-1' })))) };
    if (input.Key.includes('/central/')) return { Body: s3Body(JSON.stringify(central)) };
    const account = /members\/(\d{12})\//.exec(input.Key)?.[1];
    if (!account) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return { Body: s3Body(JSON.stringify(inventory(account))) };
  });
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    written[input.Key] = input.Body;
    return { ETag: '"x"' };
  });
});

describe('writeReport at scale', () => {
  it(`reads member inventories a listing page at a time, at most ${REPORT_READ_CONCURRENCY} at once`, async () => {
    const report = await writeReport(plan('report'), config, awsContext(config));

    expect(report.summary.findings).toBeGreaterThanOrEqual(2500); // every member's group: its finding reached the report
    expect(listCalls).toBe(3);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(REPORT_READ_CONCURRENCY);
  });

  it('in enforce mode, puts the remediations in S3 for the Map and returns only their count and key', async () => {
    const report = await writeReport(plan('enforce'), config, awsContext(config));

    expect(report.remediations).toBe(1000);
    expect(report.skippedRemediations).toBe(1500);
    expect(report.remediationsKey).toBe(remediationsKey(RUN));
    expect((JSON.parse(written[remediationsKey(RUN)]!) as unknown[]).length).toBe(1000);
    expect(JSON.stringify(report).length).toBeLessThan(2048);
  });

  it('refuses a run whose target list is missing, before writing anything', async () => {
    s3.on(GetObjectCommand, { Key: targetsKey(RUN) }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

    await expect(writeReport(plan('report'), config, awsContext(config))).rejects.toThrow(/no target list of the sweep/);
    expect(Object.keys(written)).toEqual([]);
  });
});
