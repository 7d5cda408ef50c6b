import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CENTRAL, MEMBER, REGION, failure, useEmulator } from './support';

describe('fault injection in each service wire protocol, and the call log', () => {
  const emulator = useEmulator();

  beforeEach(async () => emulator.get().reset());

  it('KMS: count=3 throttles the next 3 matching calls with ThrottlingException (HTTP 400), then succeeds', async () => {
    const kms = new KMSClient(emulator.config(MEMBER));
    await emulator.get().setFaults([{ service: 'kms', action: 'ListKeys', account: MEMBER, error: 'ThrottlingException', count: 3 }]);

    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await failure(kms.send(new ListKeysCommand({}))));
    const ok = await kms.send(new ListKeysCommand({}));

    expect(errors.map((e) => [e.name, e.message, e.$metadata?.httpStatusCode])).toEqual(Array(3).fill(['ThrottlingException', 'Rate exceeded', 400]));
    expect(ok.Keys).toEqual([]);
  });

  it('a rule scoped to an action or account leaves other calls alone', async () => {
    await emulator.get().setFaults([{ service: 'kms', action: 'ListKeys', account: MEMBER, error: 'ThrottlingException', count: 5 }]);

    await expect(new KMSClient(emulator.config(CENTRAL)).send(new ListKeysCommand({}))).resolves.toBeDefined();
    await expect(new KMSClient(emulator.config(MEMBER)).send(new CreateKeyCommand({}))).resolves.toBeDefined();
  });

  it('EC2: RequestLimitExceeded with HTTP 503 in the EC2 query error shape', async () => {
    await emulator.get().setFaults([{ service: 'ec2', error: 'RequestLimitExceeded', count: 1 }]);
    const ec2 = new EC2Client(emulator.config(CENTRAL));

    const error = await failure(ec2.send(new DescribeInstancesCommand({})));

    expect([error.name, error.message, error.$metadata?.httpStatusCode]).toEqual(['RequestLimitExceeded', 'Request limit exceeded.', 503]);
    await expect(ec2.send(new DescribeInstancesCommand({}))).resolves.toHaveProperty('Reservations', []);
  });

  it('STS: Throttling (HTTP 400) in the awsQuery error shape', async () => {
    await emulator.get().setFaults([{ service: 'sts', error: 'Throttling', count: 1 }]);
    const sts = new STSClient(emulator.config(MEMBER));

    const error = await failure(sts.send(new GetCallerIdentityCommand({})));

    expect([error.name, error.message, error.$metadata?.httpStatusCode]).toEqual(['Throttling', 'Rate exceeded', 400]);
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toHaveProperty('Account', MEMBER);
  });

  it('rate rules are deterministic for a seed', async () => {
    const outcomes = async () => {
      await emulator.get().setFaults([{ service: 'kms', rate: 0.5, seed: 42, error: 'ThrottlingException' }]);
      const kms = new KMSClient(emulator.config(CENTRAL));
      const results: boolean[] = [];
      for (let i = 0; i < 10; i++) results.push(await kms.send(new ListKeysCommand({})).then(() => true, () => false));
      return results;
    };

    const first = await outcomes();
    const second = await outcomes();

    expect(second).toEqual(first);
    expect(first).toContain(true);
    expect(first).toContain(false);
  });

  it('clearFaults stops injection', async () => {
    await emulator.get().setFaults([{ service: 'kms', error: 'ThrottlingException' }]);
    await emulator.get().clearFaults();

    await expect(new KMSClient(emulator.config(CENTRAL)).send(new ListKeysCommand({}))).resolves.toBeDefined();
  });

  it('the call log records every AWS request (faulted ones too) with service, action, account, region and status', async () => {
    await emulator.get().setFaults([{ service: 'kms', action: 'CreateKey', error: 'ThrottlingException', count: 1 }]);
    const kms = new KMSClient(emulator.config(MEMBER));
    await failure(kms.send(new CreateKeyCommand({})));
    await kms.send(new CreateKeyCommand({}));
    await new EC2Client(emulator.config(CENTRAL)).send(new DescribeInstancesCommand({}));

    expect(await emulator.get().calls()).toEqual([
      { service: 'kms', action: 'CreateKey', account: MEMBER, region: REGION, status: 400 },
      { service: 'kms', action: 'CreateKey', account: MEMBER, region: REGION, status: 200 },
      { service: 'ec2', action: 'DescribeInstances', account: CENTRAL, region: REGION, status: 200 },
    ]);

    await emulator.get().clearCalls();
    expect(await emulator.get().calls()).toEqual([]);
  });

  it('the call log names every S3 REST request by its S3 action (S3 has no Action parameter or X-Amz-Target)', async () => {
    const bucket = 'amiwarden-calls';
    // An IP endpoint: the SDK (and the lite client) address the bucket in the path.
    const s3 = new S3Client(emulator.config(CENTRAL));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sweeps/latest.json', Body: '{}' }));
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sweeps/latest.json' })).then((o) => o.Body?.transformToString());
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sweeps/latest.json' }));
    await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'sweeps/' }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'sweeps/copy.json', CopySource: `${bucket}/sweeps/latest.json` }));
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'sweeps/copy.json', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'sweeps/copy.json' }));
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'sweeps/latest.json' }] } }));

    expect((await emulator.get().calls()).map((c) => [c.service, c.action, c.account, c.status])).toEqual(
      ['CreateBucket', 'PutObject', 'GetObject', 'HeadObject', 'ListObjectsV2', 'CopyObject', 'PutObjectTagging', 'DeleteObject', 'DeleteObjects'].map((action) => [
        's3',
        action,
        CENTRAL,
        action === 'DeleteObject' ? 204 : 200,
      ]),
    );
  });

  it('reset clears faults and the call log', async () => {
    await emulator.get().setFaults([{ service: 'kms', error: 'ThrottlingException' }]);
    await emulator.get().reset();

    await expect(new KMSClient(emulator.config(CENTRAL)).send(new ListKeysCommand({}))).resolves.toBeDefined();
    expect((await emulator.get().calls()).map((c) => c.action)).toEqual(['ListKeys']);
  });
});
