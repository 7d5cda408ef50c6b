/**
 * The sweep's API calls against their lower bound, on the emulator: a central account with many
 * AMIs over a few distinct keys, and members with Auto Scaling groups. The lower bound is what no
 * sweep can do without to read the facts the check catalogue judges, term by term in
 * bench/lower-bound.ts. The naive approach (describe each image, its snapshots and its key one by
 * one) is the comparison.
 */
import { CreateSnapshotCommand, CreateVolumeCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../emulator/accounts';
import { startEmulator } from '../emulator/index';
import { applyEnvironment, lambdaEnvironment } from '../local/environment';
import { loadConfig } from '../core/config';
import { buildOrganization, HOME_REGION, REGIONS, serviceLinkedRoleArnOf } from '../local/organization';
import { actionOf, centralLowerBound, memberAccountLowerBound, total, type CallCounts } from './lower-bound';
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
  /** Every call but S3's, by `service:action` (CreateGrant with DryRun as `kms:CreateGrant(DryRun)`). */
  callsByAction: CallCounts;
  /** The lower bound by `service:action` (bench/lower-bound.ts). */
  boundByAction: CallCounts;
  status: string;
}

const BUCKET = 'amiwarden-bench-reports';


/**
 * `regions`: the sandbox's Regions to sweep (the home Region by default; the members' groups and the
 * AMIs are in the home Region, the others hold only their organization key). `organization`: the
 * members join an organization that amiwarden is configured with, so that Organizations is asked
 * before each member session.
 */
export async function measureSweep(amis: number, onProgress: (done: number) => void = () => {}, options: { regions?: readonly string[]; organization?: boolean } = {}): Promise<SweepCost> {
  const regions = options.regions ?? [HOME_REGION];
  if (regions[0] !== HOME_REGION || regions.some((r) => !(REGIONS as readonly string[]).includes(r))) throw new Error(`the sweep benchmark sweeps the home Region first, then any of ${REGIONS.join(', ')}`);
  const emulator = await startEmulator();
  try {
    const org = await buildOrganization(emulator, { withOrganization: Boolean(options.organization) });
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
    const keyArns = Object.fromEntries(regions.map((r) => [r, org.keyArns[r]!]));
    applyEnvironment(lambdaEnvironment(emulator, { centralAccount: central, keyArns, createServiceLinkedRole: false, reportBucket: BUCKET, ...(org.organizationId ? { organizationId: org.organizationId } : {}) }));

    // The grants on each Region's organization key before the sweep (a fact of the world, for the bound).
    const grantees: Record<string, string[]> = {};
    for (const region of regions) {
      const regional = new KMSClient(clientConfig(emulator, central, region));
      grantees[region] = ((await regional.send(new ListGrantsCommand({ KeyId: keyArns[region]! }))).Grants ?? []).map((g) => g.GranteePrincipal ?? '');
    }
    await emulator.clearCalls();
    const accounts = org.members.map((m) => m.account);
    const report = await runWorkflow('compliance-sweep', { mode: 'report', accounts, regions: [...regions] });
    const calls = await emulator.calls();
    const storageCalls = calls.filter((c) => c.service === 's3').length;
    const apiCalls = calls.length - storageCalls;
    const callsByAction: CallCounts = {};
    for (const c of calls) if (c.service !== 's3') callsByAction[actionOf(c)] = (callsByAction[actionOf(c)] ?? 0) + 1;

    // The lower bound (bench/lower-bound.ts) for the world built above, its facts read from it.
    const distinctKeys = keys.length;
    const config = loadConfig(process.env);
    const shareAccounts = config.shareTargets.filter((t) => /^\d{12}$/.test(t) && t !== central).length;
    const boundByAction: CallCounts = {};
    for (const region of regions) {
      centralLowerBound(
        region === HOME_REGION
          ? { images: amis, snapshots: snapshots.length + 1 /* and the golden AMI's */, shareAccounts, distinctKeys, keyGrants: grantees[region]!.length }
          : { images: 0, snapshots: 0, shareAccounts, distinctKeys: 1 /* its organization key */, keyGrants: grantees[region]!.length },
        boundByAction,
      );
    }
    for (const m of org.members) {
      const defaultRole = serviceLinkedRoleArnOf({ ...m, slrSuffix: undefined });
      // One group in the home Region on the $Default version of a template of the golden AMI; its role exists.
      // The other Regions: no group, no image of theirs launched.
      memberAccountLowerBound(
        {
          serviceLinkedRoles: new Set([defaultRole, m.serviceLinkedRoleArn]).size,
          regions: regions.map((region) =>
            region === HOME_REGION
              ? { groups: 1, templateSelectors: 1, pinnedTemplates: 0, launchConfigurations: false, ungrantedLaunchingRoles: grantees[region]!.includes(m.serviceLinkedRoleArn) ? 0 : 1 }
              : { groups: 0, templateSelectors: 0, pinnedTemplates: 0, launchConfigurations: false, ungrantedLaunchingRoles: 0 },
          ),
        },
        { membershipCheck: Boolean(config.organizationId) },
        boundByAction,
      );
    }
    const lowerBound = total(boundByAction);
    const naiveCalls = amis * 3 + (lowerBound - total(centralLowerBound({ images: amis, snapshots: snapshots.length + 1, shareAccounts: 0, distinctKeys, keyGrants: grantees[HOME_REGION]!.length }))); // DescribeImages + DescribeSnapshots + DescribeKey per AMI
    return {
      amis,
      accounts: accounts.length,
      regions: regions.length,
      distinctKeys,
      apiCalls,
      lowerBound,
      boundByAction,
      naiveCalls,
      storageCalls,
      callsByAction,
      status: `${report.status}${report.error ? ` ${report.error.name}: ${report.error.cause}` : ''}/${(report.output as { summary?: { findings?: number } })?.summary?.findings ?? '-'} findings`,
    };
  } finally {
    await emulator.stop();
  }
}
