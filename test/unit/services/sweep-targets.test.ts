/**
 * The sweep's target list (issue 16): "Plan sweep" writes the account x region targets as JSON Lines
 * in inventory order (the order S3 lists the member inventories in), a part at a time, and the report
 * writer reads them a line at a time beside the inventories, so that neither step holds the list:
 * a planned target passed over before the next inventory is a missing inspection. S3 is mocked with
 * the shapes S3 returns, and keeps what is written to it.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../core/config';
import { InvalidInputError } from '../../../core/errors';
import type { MemberInventory } from '../../../core/sweep';
import { awsContext } from '../../../services/aws-context';
import { inventoryOrder, planSweep, targetsKey, writeReport, type SweepTarget } from '../../../services/sweep';
import { s3Body } from '../cli/support';
import { keepWrites } from './s3-bucket';

const s3 = mockClient(S3Client);
const KEY = 'arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const BUCKET = 'amiwarden-reports-unit';
const RUN = 'local-targets-run';
const config = loadConfig({ AMIWARDEN_CENTRAL_ACCOUNT_ID: '999999999999', AMIWARDEN_KMS_KEY_ARNS: `us-east-1=${KEY}`, AMIWARDEN_REGIONS: 'us-east-1,eu-west-1,ap-south-1', AMIWARDEN_REPORT_BUCKET: BUCKET });
const objects = new Map<string, Buffer>();
const calls: string[] = [];

const lines = (key: string) => objects.get(key)!.toString('utf8').split('\n').filter((l) => l !== '');

beforeEach(() => {
  s3.reset();
  objects.clear();
  calls.length = 0;
  keepWrites(s3, BUCKET, objects, calls);
});

describe('Plan sweep: the target list', () => {
  it('is JSON Lines in inventory order (accounts, then each account’s regions side by side), each account once, the central account never', async () => {
    const plan = await planSweep(
      { mode: 'report', accounts: ['333333333333', '111111111111', '999999999999', '222222222222', '111111111111'], regions: ['us-east-1', 'eu-west-1', 'ap-south-1'], dryRun: false, trigger: 'manual' },
      RUN,
      config,
      awsContext(config),
    );

    const written = lines(targetsKey(RUN)).map((l) => JSON.parse(l) as SweepTarget);
    expect(written).toEqual(
      ['111111111111', '222222222222', '333333333333'].flatMap((account) => ['ap-south-1', 'eu-west-1', 'us-east-1'].map((region) => ({ account, region }))),
    );
    // The order S3 lists `members/<account>/<region>.json` in.
    const keys = written.map((t) => `members/${t.account}/${t.region}.json`);
    expect([...keys].sort()).toEqual(keys);
    // A batch holds whole accounts: 3 of the 10 targets a batch may hold (AMIWARDEN_SWEEP_BATCH_SIZE).
    expect(plan).toMatchObject({ accounts: 3, targetCount: 9, targetsKey: targetsKey(RUN), regions: ['us-east-1', 'eu-west-1', 'ap-south-1'], batchSize: 9 });
  });

  it('streams a large list a part at a time (a multipart upload), never one object built whole', async () => {
    // 6,000 accounts x 3 regions: 18,000 lines, about 900 KB; 40,000 x 3 passes a 5 MiB part.
    const accounts = Array.from({ length: 40_000 }, (_, i) => String(100_000_000_000 + ((i * 7919) % 40_000)));
    const plan = await planSweep({ mode: 'report', accounts, regions: ['us-east-1', 'eu-west-1', 'ap-south-1'], dryRun: false, trigger: 'manual' }, RUN, config, awsContext(config));

    expect(plan.targetCount).toBe(120_000);
    expect(calls).toContain(`CreateMultipartUpload ${targetsKey(RUN)}`);
    expect(calls.filter((c) => c === `UploadPart ${targetsKey(RUN)}`).length).toBeGreaterThan(1);
    expect(calls).not.toContain(`PutObject ${targetsKey(RUN)}`);
    const written = lines(targetsKey(RUN)).map((l) => JSON.parse(l) as SweepTarget);
    expect(written.length).toBe(120_000);
    for (let i = 1; i < written.length; i++) if (inventoryOrder(written[i - 1]!, written[i]!) >= 0) throw new Error(`line ${i + 1} is not after line ${i}`);
  });
});

describe('Write sweep report: the target list read beside the inventories', () => {
  const ACCOUNTS = Array.from({ length: 3000 }, (_, i) => String(400_000_000_000 + i));
  const central = { region: 'us-east-1', keyArn: KEY, images: [], snapshots: [], keys: [], grants: [], keyPolicy: null, shareAccounts: [] };
  const inventory = (account: string): MemberInventory => ({ account, region: 'us-east-1', status: 'inspected', detail: null, groups: [], activities: [], defaultEbsKey: null });
  const reportPlan = { runId: RUN, mode: 'report' as const, dryRun: false, startedAt: '2026-11-20T06:00:00.000Z', accounts: ACCOUNTS.length, regions: ['us-east-1'] };
  let produced = 0;
  let producedAtFirstInventory = -1;

  /** The targets' body, made a line at a time as the reader pulls it (counted). */
  function targetsBody(list: string[]) {
    produced = 0;
    return sdkStreamMixin(
      Readable.from(
        (function* () {
          for (const line of list) {
            produced += 1;
            yield Buffer.from(`${line}\n`, 'utf8');
          }
        })(),
        { highWaterMark: 4 },
      ),
    );
  }

  function world(targets: string[], inventoried: string[]) {
    producedAtFirstInventory = -1;
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; ContinuationToken?: string }) => {
      if (input.Prefix.endsWith('/central/')) return { Contents: [{ Key: `inventories/${RUN}/central/us-east-1.json` }], IsTruncated: false, KeyCount: 1 };
      const start = Number(input.ContinuationToken ?? 0);
      const page = inventoried.slice(start, start + 1000).map((a) => ({ Key: `inventories/${RUN}/members/${a}/us-east-1.json` }));
      const next = start + 1000 < inventoried.length ? String(start + 1000) : undefined;
      return { Contents: page, KeyCount: page.length, IsTruncated: next !== undefined, ...(next ? { NextContinuationToken: next } : {}) };
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key === targetsKey(RUN)) return { Body: targetsBody(targets) };
      if (input.Key.includes('/central/')) return { Body: s3Body(JSON.stringify(central)) };
      const stored = objects.get(input.Key);
      if (stored) return { Body: s3Body(stored.toString('utf8')) };
      const account = /members\/(\d{12})\//.exec(input.Key)?.[1];
      if (!account) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
      if (producedAtFirstInventory < 0) producedAtFirstInventory = produced;
      return { Body: s3Body(JSON.stringify(inventory(account))) };
    });
  }
  const line = (account: string, region = 'us-east-1') => JSON.stringify({ account, region });

  it('finds the targets that left no inventory without reading the list ahead of the inventories', async () => {
    // Every seventh account's inspection left nothing.
    const inventoried = ACCOUNTS.filter((_, i) => i % 7 !== 3);
    world(ACCOUNTS.map((a) => line(a)), inventoried);

    const report = await writeReport(reportPlan, config, awsContext(config));

    expect(report.summary.byFinding['member-inspection-failed']).toBe(ACCOUNTS.length - inventoried.length);
    const rows = objects.get(`sweeps/${RUN}/report.csv`)!.toString('utf8').split('\n').filter((r) => r.includes('member-inspection-failed'));
    expect(rows.map((r) => r.split(',')[0]!.replace(/"/g, ''))).toEqual(ACCOUNTS.filter((_, i) => i % 7 === 3));
    // When the first member inventory was asked for, the reader had pulled what a line reader reads
    // ahead (Node's readline queues up to 1,024 lines), not the 3,000 of the list.
    expect(producedAtFirstInventory).toBeGreaterThan(0);
    expect(producedAtFirstInventory).toBeLessThan(1100);
  });

  it.each([
    ['out of inventory order', (t: string[]) => [t[1]!, t[0]!, ...t.slice(2)]],
    ['with a target twice', (t: string[]) => [t[0]!, t[0]!, ...t.slice(1)]],
    ['with a target in a region outside the plan', (t: string[]) => [...t.slice(0, 5), line('400000000005', 'eu-west-1'), ...t.slice(6)]],
    ['with a line that is not JSON', (t: string[]) => [...t.slice(0, 2500), '{"account":', ...t.slice(2501)]],
    ['with a target that is not an account', (t: string[]) => [line('not-an-account'), ...t.slice(1)]],
  ])('refuses a target list %s, and publishes nothing', async (_name, corrupt) => {
    world(corrupt(ACCOUNTS.map((a) => line(a))), ACCOUNTS);

    const refused = await writeReport(reportPlan, config, awsContext(config)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as Error).message).toMatch(/the target list of the sweep local-targets-run .*(not in inventory order|outside the plan's regions|not JSON)/);
    expect([...objects.keys()].filter((k) => k.startsWith('sweeps/'))).toEqual([]);
  });
});
