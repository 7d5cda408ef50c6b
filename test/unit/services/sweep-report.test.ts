/**
 * The report writer at scale (issue 16): it reads the member inventories a listing page at a time
 * and a bounded number at once, never all of a large sweep together; it writes each inventory's
 * findings out before it reads further (multipart uploads, a part at a time), so that what it holds
 * does not grow with the organization; and it hands enforce mode's remediations to the state
 * machine as a list in S3, not in its result. S3 is mocked with the shapes S3 returns, and keeps
 * what is written to it (single PutObject or multipart upload) so that the writer reads it back.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { s3Body } from '../cli/support';
import { keepWrites } from './s3-bucket';
import { loadConfig } from '../../../core/config';
import { awsContext } from '../../../services/aws-context';
import { PART_BYTES } from '../../../adapters/s3';
import { centralFindings, memberFindings, toCsv, toMarkdown, summarize, type CentralInventory, type Finding, type MemberInventory } from '../../../core/sweep';
import { findingsKey, REPORT_READ_CONCURRENCY, remediationsKey, targetsKey, writeReport } from '../../../services/sweep';

const s3 = mockClient(S3Client);
const KEY = 'arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const BUCKET = 'amiwarden-reports-unit';
const RUN = 'local-unit-run';
const config = loadConfig({ AMIWARDEN_CENTRAL_ACCOUNT_ID: '999999999999', AMIWARDEN_KMS_KEY_ARNS: `us-east-1=${KEY}`, AMIWARDEN_REPORT_BUCKET: BUCKET, AMIWARDEN_SWEEP_MAX_CHANGES: '1000' });
const plan = (mode: 'report' | 'enforce') => ({ runId: RUN, mode, dryRun: false, startedAt: '2026-11-20T06:00:00.000Z', accounts: 2500, regions: ['us-east-1'] });
const accounts = Array.from({ length: 2500 }, (_, i) => String(500_000_000_000 + i));
const memberKey = (account: string) => `inventories/${RUN}/members/${account}/us-east-1.json`;
/** The target list as the plan writes it: JSON Lines, in inventory order. */
const targetLines = (list: string[]) => list.map((account) => `${JSON.stringify({ account, region: 'us-east-1' })}\n`).join('');
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
const inventory = (account: string, groups = 1): MemberInventory => ({
  account,
  region: 'us-east-1',
  status: 'inspected',
  detail: null,
  groups: Array.from({ length: groups }, (_, g) => ({
    name: g === 0 ? 'web' : `web-${g}`,
    serviceLinkedRoleArn: `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    serviceLinkedRoleExists: true,
    imageIds: ['ami-0123456789abcdef0'],
  })),
  activities: [],
  defaultEbsKey: null,
});

let inFlight = 0;
let peak = 0;
let listCalls = 0;
let groupsPerMember = 1;
/** What the bucket holds, and each S3 call in order (`Operation key`). */
const objects = new Map<string, Buffer>();
const calls: string[] = [];
const text = (key: string) => objects.get(key)?.toString('utf8');

beforeEach(() => {
  s3.reset();
  inFlight = 0;
  peak = 0;
  listCalls = 0;
  groupsPerMember = 1;
  objects.clear();
  calls.length = 0;
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; ContinuationToken?: string }) => {
    if (input.Prefix.endsWith('/central/')) return { Contents: [{ Key: `inventories/${RUN}/central/us-east-1.json` }], IsTruncated: false, KeyCount: 1 };
    listCalls += 1;
    const start = Number(input.ContinuationToken ?? 0);
    const page = accounts.slice(start, start + 1000).map((a) => ({ Key: memberKey(a) }));
    const next = start + 1000 < accounts.length ? String(start + 1000) : undefined;
    return { Contents: page, KeyCount: page.length, IsTruncated: next !== undefined, ...(next ? { NextContinuationToken: next } : {}) };
  });
  s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    calls.push(`GetObject ${input.Key}`);
    if (input.Key === targetsKey(RUN)) return { Body: s3Body(targetLines(accounts)) };
    if (input.Key.includes('/central/')) return { Body: s3Body(JSON.stringify(central)) };
    const stored = objects.get(input.Key);
    if (stored) return { Body: s3Body(stored.toString('utf8')) };
    const account = /members\/(\d{12})\//.exec(input.Key)?.[1];
    if (!account) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return { Body: s3Body(JSON.stringify(inventory(account, groupsPerMember))) };
  });
  keepWrites(s3, BUCKET, objects, calls, { partDelayMs: 2 });
});

/** The findings the old writer, holding them all, built its reports from (same order). */
function expectedFindings(groups: number): Finding[] {
  return [
    ...centralFindings(central as unknown as CentralInventory, config, { scope: { centralAccountId: config.centralAccountId, partition: config.partition, accounts: null, organizationalUnits: [] }, policy: config.staleGrantPolicy, at: plan('report').startedAt, history: [] }),
    ...accounts.flatMap((a) => memberFindings(inventory(a, groups), [central as unknown as CentralInventory], config, { newAccount: false })),
  ];
}

describe('writeReport at scale', () => {
  it(`reads member inventories a listing page at a time, at most ${REPORT_READ_CONCURRENCY} at once`, async () => {
    const report = await writeReport(plan('report'), config, awsContext(config));

    expect(report.summary.findings).toBeGreaterThanOrEqual(2500); // every member's group: its finding reached the report
    expect(listCalls).toBe(3);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(REPORT_READ_CONCURRENCY);
  }, 60_000);

  it('writes the reports the old writer wrote (same CSV, Markdown and JSON, byte for byte)', async () => {
    const report = await writeReport(plan('report'), config, awsContext(config));

    const findings = expectedFindings(1);
    const summary = summarize(findings, 2500, 1);
    expect(report.summary).toEqual(summary);
    expect(text(`sweeps/${RUN}/report.csv`)).toBe(toCsv(findings));
    expect(text(`sweeps/${RUN}/report.md`)).toBe(toMarkdown(findings, summary, plan('report')));
    expect(text(`sweeps/${RUN}/report.json`)).toBe(JSON.stringify({ runId: RUN, mode: 'report', startedAt: plan('report').startedAt, summary, findings }, null, 2));
    expect(JSON.parse(text('sweeps/latest.json')!)).toEqual({ runId: RUN, ...report.reports });
  }, 60_000);

  it('holds one inventory’s findings at a time and sends the reports to S3 a part at a time while it still reads inventories', async () => {
    // 2,500 members x 6 groups: 15,000 findings, several 5 MiB parts of each report.
    groupsPerMember = 6;
    const report = await writeReport(plan('report'), config, awsContext(config));

    expect(report.summary.findings).toBe(expectedFindings(6).length);
    // The counted structure: the writer never held more findings than one inventory makes (its 6 groups' and its account's).
    const perInventory = memberFindings(inventory(accounts[0]!, 6), [central as unknown as CentralInventory], config).length;
    expect(report.peakFindingsHeld).toBeLessThanOrEqual(perInventory);
    // Its writers' own count of report bytes held unsent: two open at a time, each at most two 5 MiB parts.
    expect(report.peakReportBytesHeld).toBeGreaterThan(PART_BYTES);
    expect(report.peakReportBytesHeld).toBeLessThanOrEqual(2 * 2 * PART_BYTES);
    // The CSV and the findings went to S3 in parts before the last inventory was read: written as found, not at the end.
    const lastRead = calls.lastIndexOf(`GetObject ${memberKey(accounts.at(-1)!)}`);
    for (const key of [`sweeps/${RUN}/report.csv`, findingsKey(RUN)]) {
      const firstPart = calls.indexOf(`UploadPart ${key}`);
      expect(firstPart).toBeGreaterThan(-1);
      expect(firstPart).toBeLessThan(lastRead);
    }
    for (const key of [`sweeps/${RUN}/report.csv`, `sweeps/${RUN}/report.json`, `sweeps/${RUN}/report.md`, findingsKey(RUN)]) {
      expect(calls.filter((c) => c === `UploadPart ${key}`).length).toBeGreaterThan(1);
      expect(calls).toContain(`CompleteMultipartUpload ${key}`);
    }
    expect(text(`sweeps/${RUN}/report.csv`)!.split('\n').length - 2).toBe(report.summary.findings);
    expect((JSON.parse(text(`sweeps/${RUN}/report.json`)!) as { findings: unknown[] }).findings.length).toBe(report.summary.findings);
  }, 60_000);

  it('in enforce mode, puts the remediations in S3 for the Map and returns only their count and key', async () => {
    const report = await writeReport(plan('enforce'), config, awsContext(config));

    expect(report.remediations).toBe(1000);
    expect(report.skippedRemediations).toBe(1500);
    expect(report.remediationsKey).toBe(remediationsKey(RUN));
    expect((JSON.parse(text(remediationsKey(RUN))!) as unknown[]).length).toBe(1000);
    expect(JSON.stringify(report).length).toBeLessThan(2048);
  }, 60_000);

  it('reads a batch’s object (the inventories of one Map child) as well as one inventory’s', async () => {
    // Half the listed objects hold a batch of two targets: the account listed and the next one (not listed itself).
    const listed = accounts.filter((_, i) => i % 2 === 0);
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => {
      if (input.Prefix.endsWith('/central/')) return { Contents: [{ Key: `inventories/${RUN}/central/us-east-1.json` }], IsTruncated: false, KeyCount: 1 };
      return { Contents: listed.slice(0, 1000).map((a) => ({ Key: memberKey(a) })), KeyCount: 1000, IsTruncated: false };
    });
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      if (input.Key === targetsKey(RUN)) return { Body: s3Body(targetLines(accounts.slice(0, 2000))) };
      if (input.Key.includes('/central/')) return { Body: s3Body(JSON.stringify(central)) };
      const stored = objects.get(input.Key);
      if (stored) return { Body: s3Body(stored.toString('utf8')) };
      const account = /members\/(\d{12})\//.exec(input.Key)?.[1];
      if (!account) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
      const next = String(Number(account) + 1);
      return { Body: s3Body(JSON.stringify(Number(account) % 4 === 0 ? [inventory(account), inventory(next)] : inventory(account))) };
    });

    const report = await writeReport({ ...plan('report'), accounts: 2000 }, config, awsContext(config));

    // 1,000 objects: 500 batches of two and 500 single inventories; the 500 targets in neither are missing inspections.
    expect(report.summary.byFinding['missing-grant']).toBe(1500);
    expect(report.summary.byFinding['member-inspection-failed']).toBe(500);
  }, 60_000);

  it('an inventory it cannot read fails the report: the uploads under way are aborted, nothing is published', async () => {
    groupsPerMember = 6; // the CSV and the findings are multipart uploads by the time the read fails
    const failing = memberKey(accounts[2450]!);
    s3.on(GetObjectCommand, { Key: failing }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));

    await expect(writeReport(plan('report'), config, awsContext(config))).rejects.toThrow(/s3:GetObject failed: AccessDenied/);
    for (const key of [`sweeps/${RUN}/report.csv`, findingsKey(RUN)]) {
      expect(calls).toContain(`CreateMultipartUpload ${key}`);
      expect(calls).toContain(`AbortMultipartUpload ${key}`);
      expect(calls).not.toContain(`CompleteMultipartUpload ${key}`);
    }
    expect([...objects.keys()]).toEqual([]);
  }, 60_000);

  it('refuses a run whose target list is missing, before writing anything', async () => {
    s3.on(GetObjectCommand, { Key: targetsKey(RUN) }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

    await expect(writeReport(plan('report'), config, awsContext(config))).rejects.toThrow(/no target list of the sweep/);
    expect([...objects.keys()]).toEqual([]);
    expect(calls.filter((c) => !c.startsWith('GetObject'))).toEqual([]);
  });
});
