/**
 * "Inspect member account": the batch it takes is the one the plan asked the Map for. A batch holds
 * whole accounts (services/sweep.ts targetsPerBatch): an account at every configured Region, more
 * targets than AMIWARDEN_SWEEP_BATCH_SIZE when the Regions outnumber it (17 Regions, batches of 10:
 * 17 targets), so the handler must take that many, and no more.
 */
import { CENTRAL, CMK_ARN, MEMBER, REGION, TEST_ENV } from '../../fixtures/aws';
import { batchOf, largestBatch, targetsPerBatch, type SweepTarget } from '../../../services/sweep';
import { DEFAULT_SWEEP_BATCH_SIZE } from '../../../core/config';
import { ALL_REGIONS } from '../../../bench/sweep-scale';

const REGIONS = [REGION, ...ALL_REGIONS.filter((r) => r !== REGION)];

type Result = { targets: number; byStatus: Record<string, number> };

/** The handler with its own SDK clients mocked: the member role refuses, so no member call follows. */
async function inspect(items: { account: string; region: string }[]): Promise<{ result?: Result; error?: Error; puts: number; memberSessionCalls: number }> {
  const env = { ...process.env };
  Object.assign(process.env, TEST_ENV, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AMIWARDEN_REGIONS: REGIONS.join(','),
    AMIWARDEN_REPORT_BUCKET: 'amiwarden-reports-test',
    AMIWARDEN_SWEEP_BATCH_SIZE: String(DEFAULT_SWEEP_BATCH_SIZE),
  });
  const restores: (() => void)[] = [];
  let puts = 0;
  const sessionCalls: (() => number)[] = [];
  try {
    let handler!: (payload: unknown) => Promise<Result>;
    jest.isolateModules(() => {
      const { mockClient } = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
      const { sdkStreamMixin } = require('@smithy/core/serde') as typeof import('@smithy/core/serde');
      const { Readable } = require('node:stream') as typeof import('node:stream');
      const s3sdk = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
      const org = require('@aws-sdk/client-organizations') as typeof import('@aws-sdk/client-organizations');
      const sts = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
      const s3 = mockClient(s3sdk.S3Client);
      s3.on(s3sdk.GetObjectCommand).callsFake((input: { Key: string }) => {
        const region = /central\/([a-z0-9-]+)\.json$/.exec(input.Key)![1]!;
        const central = { region, keyArn: CMK_ARN, images: [], snapshots: [], keys: [], grants: [], keyPolicy: null, shareAccounts: [] };
        return { $metadata: { httpStatusCode: 200 }, Body: sdkStreamMixin(Readable.from([Buffer.from(JSON.stringify(central))])) };
      });
      s3.on(s3sdk.PutObjectCommand).callsFake(() => {
        puts += 1;
        return { $metadata: { httpStatusCode: 200 }, ETag: '"e"' };
      });
      const organizations = mockClient(org.OrganizationsClient);
      organizations.on(org.DescribeAccountCommand).resolves({ $metadata: { httpStatusCode: 200 }, Account: { Id: MEMBER, State: 'ACTIVE', Status: 'ACTIVE' } });
      const assume = mockClient(sts.STSClient);
      assume.on(sts.AssumeRoleCommand).rejects(Object.assign(new Error(`User: arn:aws:sts::${CENTRAL}:assumed-role/x/y is not authorized to perform: sts:AssumeRole`), { name: 'AccessDenied', Code: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
      restores.push(() => s3.restore(), () => organizations.restore(), () => assume.restore());
      sessionCalls.push(() => organizations.calls().length + assume.calls().length);
      ({ handler } = require('../../../functions/inspect-member-account/handler') as { handler: typeof handler });
    });
    const result = await handler({ BatchInput: { runId: 'sweep-2026-12-04', execution: 'arn:aws:states:us-east-1:999999999999:execution:x:y' }, Items: items });
    return { result, puts, memberSessionCalls: sessionCalls[0]!() };
  } catch (error) {
    return { error: error as Error, puts, memberSessionCalls: sessionCalls[0]?.() ?? 0 };
  } finally {
    for (const restore of restores) restore();
    process.env = env;
  }
}

describe('Inspect member account: the batch size it takes', () => {
  const wholeAccount = REGIONS.map((region) => ({ account: MEMBER, region }));

  it('takes one account at each of 17 Regions, the batch the plan asks for when the Regions outnumber AMIWARDEN_SWEEP_BATCH_SIZE', async () => {
    expect(targetsPerBatch(DEFAULT_SWEEP_BATCH_SIZE, REGIONS.length)).toBe(17);
    const { result, error, puts, memberSessionCalls } = await inspect(wholeAccount);

    expect(error).toBeUndefined();
    expect(result).toMatchObject({ targets: 17, byStatus: { 'member-role-unavailable': 17 } });
    expect(puts).toBe(1);
    // The account's membership check and its AssumeRole were asked (and refused, each Region trying again).
    expect(memberSessionCalls).toBeGreaterThanOrEqual(2);
  });

  it('refuses one target more than the largest batch the plan can ask for, before any call', async () => {
    const { error, puts, memberSessionCalls } = await inspect([...wholeAccount, { account: '222222222222', region: REGION }]);

    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'Items' });
    expect([puts, memberSessionCalls]).toEqual([0, 0]);
  });

  it('refuses a batch no plan makes, before any call: 11 accounts at one Region (a plan over one Region puts 10 in a batch), or a target twice', async () => {
    const spread = await inspect(Array.from({ length: 11 }, (_, i) => ({ account: String(222_222_222_200 + i), region: REGION })));
    const twice = await inspect([{ account: MEMBER, region: REGION }, { account: MEMBER, region: REGION }]);

    expect(spread.error).toMatchObject({ name: 'InvalidInputError', field: 'Items' });
    expect(twice.error).toMatchObject({ name: 'InvalidInputError', field: 'Items[1]' });
    expect([spread.puts, spread.memberSessionCalls, twice.puts, twice.memberSessionCalls]).toEqual([0, 0, 0, 0]);
  });
});

describe('batchOf takes every batch a plan makes, and largestBatch is the largest of them', () => {
  /** The plan's targets, account by account over the sweep's Regions, cut as ItemBatcher cuts them (planSweep). */
  const batches = (accounts: number, regions: string[], size: number): SweepTarget[][] => {
    const targets = Array.from({ length: accounts }, (_, a) => regions.map((region) => ({ account: String(100_000_000_000 + a), region }))).flat();
    const per = targetsPerBatch(size, regions.length);
    return Array.from({ length: Math.ceil(targets.length / per) }, (_, b) => targets.slice(b * per, (b + 1) * per));
  };

  const SIZES = [...Array.from({ length: 30 }, (_, i) => i + 1), 50, 99, 100];

  it('for each batch size (1-30, 50, 99, 100), number of configured Regions (1-17) and sweep over the first of them', () => {
    for (const size of SIZES) {
      for (let configured = 1; configured <= REGIONS.length; configured++) {
        const config = { sweepBatchSize: size, regions: REGIONS.slice(0, configured) };
        let largest = 0;
        for (let swept = 1; swept <= configured; swept++) {
          for (const items of batches(size + 1, config.regions.slice(0, swept), size)) {
            largest = Math.max(largest, items.length);
            const { targets } = batchOf({ BatchInput: { runId: 'sweep-2026-12-04' }, Items: items }, config);
            if (targets.length !== items.length) throw new Error(`batch size ${size}, ${configured} Regions, ${swept} swept: ${items.length} items, ${targets.length} taken`);
          }
        }
        if (largest !== largestBatch(config)) throw new Error(`batch size ${size}, ${configured} Regions: plans ask for ${largest}, largestBatch says ${largestBatch(config)}`);
      }
    }
    expect(largestBatch({ sweepBatchSize: DEFAULT_SWEEP_BATCH_SIZE, regions: REGIONS })).toBe(17);
  });
});
