/**
 * "Inspect member account": the batch it takes is the one the plan asked the Map for. A batch holds
 * whole accounts (services/sweep.ts targetsPerBatch): an account at every configured Region, more
 * targets than AMIWARDEN_SWEEP_BATCH_SIZE when the Regions outnumber it (17 Regions, batches of 10:
 * 17 targets), so the handler must take that many, and no more.
 */
import { CENTRAL, CMK_ARN, MEMBER, REGION, TEST_ENV } from '../../fixtures/aws';
import { largestBatch, targetsPerBatch } from '../../../services/sweep';
import { DEFAULT_SWEEP_BATCH_SIZE } from '../../../core/config';

const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1',
  'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'sa-east-1',
];

type Result = { targets: number; byStatus: Record<string, number> };

/** The handler with its own SDK clients mocked: the member role refuses, so no member call follows. */
async function inspect(items: { account: string; region: string }[]): Promise<{ result?: Result; error?: Error; puts: number }> {
  const env = { ...process.env };
  Object.assign(process.env, TEST_ENV, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AMIWARDEN_REGIONS: REGIONS.join(','),
    AMIWARDEN_REPORT_BUCKET: 'amiwarden-reports-test',
  });
  const restores: (() => void)[] = [];
  let puts = 0;
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
      ({ handler } = require('../../../functions/inspect-member-account/handler') as { handler: typeof handler });
    });
    return { result: await handler({ BatchInput: { runId: 'sweep-2026-12-04', execution: 'arn:aws:states:us-east-1:999999999999:execution:x:y' }, Items: items }), puts };
  } catch (error) {
    return { error: error as Error, puts };
  } finally {
    for (const restore of restores) restore();
    process.env = env;
  }
}

describe('Inspect member account: the batch size it takes', () => {
  const wholeAccount = REGIONS.map((region) => ({ account: MEMBER, region }));

  it('takes one account at each of 17 Regions, the batch the plan asks for when the Regions outnumber AMIWARDEN_SWEEP_BATCH_SIZE', async () => {
    expect(targetsPerBatch(DEFAULT_SWEEP_BATCH_SIZE, REGIONS.length)).toBe(17);
    const { result, error, puts } = await inspect(wholeAccount);

    expect(error).toBeUndefined();
    expect(result).toMatchObject({ targets: 17, byStatus: { 'member-role-unavailable': 17 } });
    expect(puts).toBe(1);
  });

  it('refuses one target more than the largest batch the plan can ask for, before any call', async () => {
    const { error, puts } = await inspect([...wholeAccount, { account: '222222222222', region: REGION }]);

    expect(error).toMatchObject({ name: 'InvalidInputError', field: 'Items' });
    expect(puts).toBe(0);
  });

  it('largestBatch is the largest batch any plan asks for: every batch size (1-100) and number of configured Regions (1-40), every sweep over some of them', () => {
    for (let size = 1; size <= 100; size++) {
      for (let configured = 1; configured <= 40; configured++) {
        const asked = Array.from({ length: configured }, (_, i) => targetsPerBatch(size, i + 1));
        const regions = REGIONS.concat(REGIONS, REGIONS).slice(0, configured);
        if (Math.max(...asked) !== largestBatch({ sweepBatchSize: size, regions })) throw new Error(`batch size ${size}, ${configured} Regions: plans ask for ${Math.max(...asked)}, largestBatch says ${largestBatch({ sweepBatchSize: size, regions })}`);
      }
    }
    expect(largestBatch({ sweepBatchSize: DEFAULT_SWEEP_BATCH_SIZE, regions: REGIONS })).toBe(17);
  });
});
