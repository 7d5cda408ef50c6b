/**
 * The sweep's API calls against their lower bound, on the emulator: a central account with many
 * AMIs over a few distinct keys, and members with Auto Scaling groups. The lower bound is what no
 * sweep can do without: one call per page of 1,000 images and of 1,000 snapshots, one DescribeKey
 * per distinct key, the key's grants and policy, and each member region's own pages. The naive
 * approach (describe each image, its snapshots and its key one by one) is the comparison.
 */
import { CreateSnapshotCommand, CreateVolumeCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../emulator/accounts';
import { startEmulator } from '../emulator/index';
import { applyEnvironment, lambdaEnvironment } from '../local/environment';
import { buildOrganization, HOME_REGION } from '../local/organization';
import { runWorkflow } from '../local/state-machine';
import { inParallel } from '../services/in-parallel';

export interface SweepCost {
  amis: number;
  accounts: number;
  regions: number;
  distinctKeys: number;
  apiCalls: number;
  lowerBound: number;
  naiveCalls: number;
  storageCalls: number;
  status: string;
}

const BUCKET = 'amiwarden-bench-reports';


export async function measureSweep(amis: number, onProgress: (done: number) => void = () => {}): Promise<SweepCost> {
  const emulator = await startEmulator();
  try {
    const org = await buildOrganization(emulator);
    const central = org.centralAccount;
    const ec2 = new EC2Client(clientConfig(emulator, central, HOME_REGION));
    const kms = new KMSClient(clientConfig(emulator, central, HOME_REGION));
    // A few distinct keys: the organization key, the AWS managed key, and two other customer keys.
    const keys = [org.keyArns[HOME_REGION]!, undefined, ...(await Promise.all([1, 2].map(async () => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!)))];
    const snapshots: string[] = [];
    for (const [i, key] of keys.entries()) {
      for (let j = 0; j < 5; j++) {
        const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${HOME_REGION}a`, Size: 8, Encrypted: true, ...(key ? { KmsKeyId: key } : {}) }));
        snapshots.push((await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId!, Description: `bench ${i}/${j}` }))).SnapshotId!);
      }
    }
    let done = 0;
    const existing = 1; // the sandbox's golden AMI
    await inParallel(Array.from({ length: amis - existing }, (_, i) => i), 6, async (i) => {
      await ec2.send(
        new RegisterImageCommand({
          Name: `bench-${i}`,
          RootDeviceName: '/dev/xvda',
          VirtualizationType: 'hvm',
          Architecture: 'x86_64',
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshots[i % snapshots.length]! } }],
        }),
      );
      if (++done % 500 === 0) onProgress(done);
    });
    await new S3Client({ ...clientConfig(emulator, central, HOME_REGION), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
    applyEnvironment(lambdaEnvironment(emulator, { centralAccount: central, keyArns: { [HOME_REGION]: org.keyArns[HOME_REGION]! }, createServiceLinkedRole: false, reportBucket: BUCKET }));

    await emulator.clearCalls();
    const accounts = org.members.map((m) => m.account);
    const report = await runWorkflow('compliance-sweep', { mode: 'report', accounts, regions: [HOME_REGION] });
    const calls = await emulator.calls();
    const storageCalls = calls.filter((c) => c.service === 's3').length;
    const apiCalls = calls.length - storageCalls;

    const pages = (n: number) => Math.max(1, Math.ceil(n / 1000));
    const distinctKeys = keys.length;
    const snapshotCount = snapshots.length + 1;
    // Central: images + snapshots pages, a DescribeKey per distinct key, ListGrants and GetKeyPolicy of the region's key.
    const centralFloor = pages(amis) + pages(snapshotCount) + distinctKeys + 2;
    // Each member region: AssumeRole, groups, launch templates, scaling activities, default EBS key, the role check.
    const memberFloor = accounts.length * 6;
    const lowerBound = centralFloor + memberFloor;
    const naiveCalls = amis * 3 + memberFloor; // DescribeImages + DescribeSnapshots + DescribeKey per AMI
    return {
      amis,
      accounts: accounts.length,
      regions: 1,
      distinctKeys,
      apiCalls,
      lowerBound,
      naiveCalls,
      storageCalls,
      status: `${report.status}/${(report.output as { summary?: { findings?: number } })?.summary?.findings ?? '-'} findings`,
    };
  } finally {
    await emulator.stop();
  }
}
