/**
 * The compliance sweep at organization scale, through the deployed state machine on the local
 * runner (its payload quota and Distributed Map included), accounts listed by Organizations as a
 * scheduled sweep lists them:
 *
 * - `emulator`: every member account x region has an Auto Scaling group on a launch template and is
 *   inspected by the real handler on the emulator; the central account has `amis` images.
 * - `stub`: each member inspection's batch goes through the function's own input checks (batchOf),
 *   then is answered by a stub that writes the inventory the real one
 *   would (one group on a central image) to the emulator's S3 and returns its counts, without the
 *   member's Auto Scaling, EC2, IAM and STS calls (the emulator is too slow for 5,000 x 17 of them).
 *   Everything else is real: the plan, the central inspections, the Map's S3 reads and writes, the
 *   report writer.
 *
 * The report writer runs in a process of its own (as in Lambda), so that its peak RSS is its own.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateLaunchTemplateCommand, CreateSnapshotCommand, CreateVolumeCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateRoleCommand, CreateServiceLinkedRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../emulator/accounts';
import { startEmulator, type Emulator } from '../emulator/index';
import { applyEnvironment, lambdaEnvironment } from '../local/environment';
import { EXTERNAL_ID, MEMBER_ROLE_NAME } from '../local/organization';
import { runWorkflow } from '../local/state-machine';
import { FUNCTIONS, ROOT } from '../local/workflows';
import { loadConfig } from '../core/config';
import { bundleFunctions, lambdaNode } from '../local/bundles';
import { inParallel } from '../services/in-parallel';
import { batchOf, memberKey, type BatchPayload } from '../services/sweep';
import { actionOf, centralLowerBound, memberAccountLowerBound, total, type CallCounts } from './lower-bound';
import { asFunction, functionMemoryMiB, memoryLimit, type MemoryLimit } from './memory-limit';

export interface SweepScaleEntry {
  accounts: number;
  regions: number;
  amis: number;
  apiCalls: number;
  lowerBound: number;
  maxStateBytes: number;
  reportPeakRssBytes: number;
  /**
   * The report writer's peaks sampled every 250 ms after a full collection (bench/live-memory.cjs):
   * its V8 heap in use, its live Buffers and ArrayBuffers, and the heap V8 kept committed.
   */
  reportPeakLiveHeapBytes: number;
  reportPeakLiveBuffersBytes: number;
  reportPeakHeapCommittedBytes: number;
  /**
   * The report writer's RSS sampled every 250 ms (before the sampler's collections): the median of
   * each quarter of its run, in order, of the invocation with the highest peak RSS. Level quarters
   * with a higher peak: the peak is a moment's, not growth.
   */
  reportRssQuarterMediansBytes: number[];
  /** The memory the report writer ran in: its function's memorySize as a memory cgroup, or none (bench/memory-limit.ts). */
  reportMemoryLimit: string;
  wallMs: number;
  memberInspections: 'emulator' | 'stub';
  storageCalls: number;
  lambdaInvocations: number;
  mapChildren: number;
  /** The most findings the report writer held at once (its own count, services/sweep.ts). */
  reportPeakFindingsHeld: number;
  /** The most report bytes the writer's uploads held unsent (its own count: `peakReportBytesHeld`). */
  reportPeakBytesHeld: number;
  callsByAction: CallCounts;
  boundByAction: CallCounts;
  /** Emulator entries: the member accounts' calls per target, and the central account's AssumeRole and DescribeAccount per account (the throughput model's inputs). */
  perTargetCalls: CallCounts;
  perAccountCentralCalls: CallCounts;
  /** Emulator entries: the mean time of a member inspection child (a batch), ms. */
  childMs: number | null;
  status: string;
}

export const ALL_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'sa-east-1',
];
const CENTRAL = '111111111111';
const HOME = 'us-east-1';
const BUCKET = 'amiwarden-bench-scale';


async function centralImages(emulator: Emulator, amis: number, keyArn: string): Promise<string[]> {
  const ec2 = new EC2Client(clientConfig(emulator, CENTRAL, HOME));
  const snapshots: string[] = [];
  for (const key of [keyArn, undefined]) {
    for (let j = 0; j < 5; j++) {
      const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${HOME}a`, Size: 8, Encrypted: true, ...(key ? { KmsKeyId: key } : {}) }));
      snapshots.push((await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }))).SnapshotId!);
    }
  }
  const images: string[] = [];
  await inParallel(Array.from({ length: amis }, (_, i) => i), 6, async (i) => {
    const out = await ec2.send(
      new RegisterImageCommand({
        Name: `scale-${i}`,
        RootDeviceName: '/dev/xvda',
        VirtualizationType: 'hvm',
        Architecture: 'x86_64',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshots[i % snapshots.length]! } }],
      }),
    );
    images.push(out.ImageId!);
  });
  return images;
}

/** The organization as Organizations lists it: the central (management) account and `n` members. */
async function organization(emulator: Emulator, n: number): Promise<string[]> {
  const org = new OrganizationsClient(clientConfig(emulator, CENTRAL, HOME));
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const accounts: string[] = [];
  await inParallel(Array.from({ length: n }, (_, i) => i), 4, async (i) => {
    const out = await org.send(new CreateAccountCommand({ AccountName: `member-${i}`, Email: `member-${i}@example.com` }));
    accounts.push(out.CreateAccountStatus!.AccountId!);
  });
  return accounts;
}

/** Each member: the member role (as the member stack makes it) and the Auto Scaling role; in each region a launch template on a central image and a group on it. */
async function memberGroups(emulator: Emulator, accounts: string[], regions: string[], imageId: string): Promise<void> {
  await inParallel(accounts, 6, async (account) => {
    const iam = new IAMClient(clientConfig(emulator, account, HOME));
    const trust = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } } };
    await iam.send(new CreateRoleCommand({ RoleName: MEMBER_ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [trust] }) }));
    await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
    for (const region of regions) {
      const ec2 = new EC2Client(clientConfig(emulator, account, region));
      const template = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' } }));
      await new AutoScalingClient(clientConfig(emulator, account, region)).send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'web',
          LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate!.LaunchTemplateId!, Version: '$Default' },
          MinSize: 0,
          MaxSize: 2,
          DesiredCapacity: 0,
          AvailabilityZones: [`${region}a`],
        }),
      );
    }
  });
}

const run = promisify(execFile);

let writerBundle: Promise<string> | undefined;
/** The report writer's bundle as it deploys (local/bundles.ts), built once per benchmark. */
function reportWriterBundle(): Promise<string> {
  writerBundle ??= bundleFunctions(path.join(ROOT, '.bench/sweep-scale-bundles')).then((bundles) => bundles.writeSweepReport!);
  return writerBundle;
}

interface WriterPeaks {
  maxRssBytes: number;
  heapBytes: number;
  buffersBytes: number;
  heapCommittedBytes: number;
  rssQuarterMediansBytes: number[];
}

/**
 * The report writer's deployed bundle in a process of its own, on the runtime's Node, in the memory
 * its function is given (as Lambda runs it: bench/report-writer-process.cjs, bench/memory-limit.ts);
 * its result, that process's peak RSS and what it held.
 */
async function reportWriterProcess(payload: unknown, limit: MemoryLimit): Promise<{ result: unknown } & WriterPeaks> {
  const [command, args] = limit.wrap(lambdaNode(), ['--expose-gc', path.join(ROOT, 'bench/report-writer-process.cjs'), await reportWriterBundle()]);
  let stdout: string;
  try {
    ({ stdout } = await run(command, args, {
      cwd: ROOT,
      // AMIWARDEN_BENCH_REPORT_HEAP_MB: a V8 old-space limit for that process (what it must fit in).
      // The function's own environment from serverless.yml (its allocator settings) in place of this one's.
      env: {
        ...asFunction(FUNCTIONS.WriteSweepReportLambdaFunction!.key, process.env),
        AMIWARDEN_BENCH_PAYLOAD: JSON.stringify(payload),
        ...(process.env.AMIWARDEN_BENCH_REPORT_HEAP_MB ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${Number(process.env.AMIWARDEN_BENCH_REPORT_HEAP_MB)}`.trim() } : {}),
      },
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const { signal } = error as { signal?: string };
    if (signal === 'SIGKILL') throw new Error(`the report writer was killed (SIGKILL) running in ${limit.describe}: it needs more memory than its function is given`);
    throw error;
  }
  const last = stdout.trim().split('\n').pop()!;
  const out = JSON.parse(last) as { result?: unknown; error?: { name: string; message: string } } & WriterPeaks;
  if (out.error) throw Object.assign(new Error(out.error.message), { name: out.error.name });
  // The line is the result and the peaks the process printed (bench/report-writer-process.cjs), as they are.
  return out as { result: unknown } & WriterPeaks;
}

export async function measureSweepScale(spec: { accounts: number; regions: number; amis: number; stub: boolean }, onProgress: (what: string) => void = () => {}): Promise<SweepScaleEntry> {
  const regions = ALL_REGIONS.slice(0, spec.regions);
  const emulator = await startEmulator();
  const limit = memoryLimit(`amiwarden-bench-${process.pid}`, functionMemoryMiB(FUNCTIONS.WriteSweepReportLambdaFunction!.key));
  try {
    const keyArns: Record<string, string> = {};
    for (const region of regions) keyArns[region] = (await new KMSClient(clientConfig(emulator, CENTRAL, region)).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    onProgress(`registering ${spec.amis} AMIs`);
    const images = await centralImages(emulator, spec.amis, keyArns[HOME]!);
    onProgress(`creating ${spec.accounts} accounts`);
    const accounts = await organization(emulator, spec.accounts);
    if (!spec.stub) {
      onProgress(`creating ${spec.accounts * regions.length} Auto Scaling groups`);
      await memberGroups(emulator, accounts, regions, images[0]!);
    }
    const s3 = new S3Client({ ...clientConfig(emulator, CENTRAL, HOME), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    applyEnvironment({
      ...lambdaEnvironment(emulator, { centralAccount: CENTRAL, keyArns, createServiceLinkedRole: false, reportBucket: BUCKET }),
      AMIWARDEN_SWEEP_MAX_CONCURRENCY: '40',
    });

    let peakRss = 0;
    let rssQuarters: number[] = [];
    const peaks = { heap: 0, buffers: 0, committed: 0 };
    let peakFindings = 0;
    let peakReportBytes = 0;
    const handlers: Record<string, (payload: unknown) => Promise<unknown>> = {
      WriteSweepReportLambdaFunction: async (payload) => {
        const { result, maxRssBytes, heapBytes, buffersBytes, heapCommittedBytes, rssQuarterMediansBytes } = await reportWriterProcess(payload, limit);
        if (maxRssBytes >= peakRss) rssQuarters = rssQuarterMediansBytes;
        peakRss = Math.max(peakRss, maxRssBytes);
        peaks.heap = Math.max(peaks.heap, heapBytes);
        peaks.buffers = Math.max(peaks.buffers, buffersBytes);
        peaks.committed = Math.max(peaks.committed, heapCommittedBytes);
        peakFindings = Math.max(peakFindings, (result as { peakFindingsHeld?: number } | null)?.peakFindingsHeld ?? 0);
        peakReportBytes = Math.max(peakReportBytes, (result as { peakReportBytesHeld?: number } | null)?.peakReportBytesHeld ?? 0);
        return result;
      },
    };
    // A member inspection's time, child by child (the throughput model's t: bench/throughput.ts).
    const childMs: number[] = [];
    if (!spec.stub) {
      // Loaded as the runner loads every handler: afresh after applyEnvironment, so each entry is a
      // cold start with its own configuration (its Regions), not the first entry's.
      const { handler } = (await FUNCTIONS.InspectMemberAccountLambdaFunction!.load()) as { handler: (payload: unknown) => Promise<unknown> };
      handlers.InspectMemberAccountLambdaFunction = async (payload) => {
        const started = Date.now();
        try {
          return await handler(payload);
        } finally {
          childMs.push(Date.now() - started);
        }
      };
    }
    if (spec.stub) {
      // The batch goes through the function's own input checks (its size included), then is answered without the member's calls.
      const config = loadConfig();
      handlers.InspectMemberAccountLambdaFunction = async (payload) => {
        const batch = batchOf(payload as BatchPayload, config);
        // The batch's inventories as one object, as the real inspection writes them (services/sweep.ts inspectMembers).
        const inventories = batch.targets.map(({ account, region }) => ({
          account,
          region,
          status: 'inspected',
          detail: null,
          groups: [{ name: 'web', serviceLinkedRoleArn: `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`, serviceLinkedRoleExists: true, imageIds: [images[0]!] }],
          activities: [],
          defaultEbsKey: null,
        }));
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: memberKey(batch.runId, batch.targets[0]!), Body: JSON.stringify(inventories) }));
        return { targets: batch.targets.length, byStatus: { inspected: batch.targets.length }, findings: 0 };
      };
    }

    await emulator.clearCalls();
    onProgress(`sweeping ${spec.accounts} x ${regions.length}`);
    const started = Date.now();
    const report = await runWorkflow('compliance-sweep', { source: 'aws.scheduler', account: CENTRAL, 'detail-type': 'Scheduled Event', detail: {} }, { handlers, s3 });
    const wallMs = Date.now() - started;
    const calls = await emulator.calls();
    const storageCalls = calls.filter((c) => c.service === 's3').length;
    const apiCalls = calls.filter((c) => c.service !== 's3' && c.service !== 'organizations').length;

    // The lower bound (bench/lower-bound.ts) for the world built above; Organizations' calls are
    // counted in neither. Central, per region: the home region holds the AMIs, on 10 snapshots of the
    // region's key (with the AWS managed key, 2 distinct keys); each other region is empty but for its key.
    const bound: CallCounts = {};
    for (const region of regions) {
      centralLowerBound(region === HOME ? { images: spec.amis, snapshots: 10, shareAccounts: 0, distinctKeys: 2, keyGrants: 0 } : { images: 0, snapshots: 0, shareAccounts: 0, distinctKeys: 1, keyGrants: 0 }, bound);
    }
    // Each member account: its default service-linked role; in each region one group on the $Default
    // template of the first AMI, a central image in the home region only, where no grant covers its role.
    if (!spec.stub) {
      for (let a = 0; a < accounts.length; a++) {
        memberAccountLowerBound(
          { serviceLinkedRoles: 1, regions: regions.map((region) => ({ groups: 1, templateSelectors: 1, pinnedTemplates: 0, launchConfigurations: false, ungrantedLaunchingRoles: region === HOME ? 1 : 0 })) },
          { membershipCheck: false },
          bound,
        );
      }
    }
    // Per target, the member accounts' own calls; per account, the central account's calls for its session.
    const perTarget: CallCounts = {};
    const perAccount: CallCounts = {};
    const targets = accounts.length * regions.length;
    if (!spec.stub) {
      for (const c of calls) {
        if (c.service === 's3') continue;
        const action = actionOf(c);
        if (c.account !== CENTRAL) perTarget[action] = (perTarget[action] ?? 0) + 1;
        else if (action === 'sts:AssumeRole' || action === 'organizations:DescribeAccount') perAccount[action] = (perAccount[action] ?? 0) + 1;
      }
      for (const action of Object.keys(perTarget)) perTarget[action] = perTarget[action]! / targets;
      for (const action of Object.keys(perAccount)) perAccount[action] = perAccount[action]! / accounts.length;
    }
    const callsByAction: CallCounts = {};
    for (const c of calls) if (c.service !== 's3' && c.service !== 'organizations') callsByAction[actionOf(c)] = (callsByAction[actionOf(c)] ?? 0) + 1;
    const output = report.output as { summary?: { findings?: number } } | undefined;
    return {
      accounts: accounts.length,
      regions: regions.length,
      amis: spec.amis,
      apiCalls,
      lowerBound: total(bound),
      maxStateBytes: report.maxStateBytes,
      reportPeakRssBytes: peakRss,
      reportPeakLiveHeapBytes: peaks.heap,
      reportPeakLiveBuffersBytes: peaks.buffers,
      reportPeakHeapCommittedBytes: peaks.committed,
      reportRssQuarterMediansBytes: rssQuarters,
      reportMemoryLimit: limit.describe,
      wallMs,
      memberInspections: spec.stub ? 'stub' : 'emulator',
      storageCalls,
      lambdaInvocations: report.lambdaInvocations,
      mapChildren: report.mapChildren,
      reportPeakFindingsHeld: peakFindings,
      reportPeakBytesHeld: peakReportBytes,
      callsByAction,
      boundByAction: bound,
      perTargetCalls: perTarget,
      perAccountCentralCalls: perAccount,
      childMs: childMs.length > 0 ? childMs.reduce((a, b) => a + b, 0) / childMs.length : null,
      status: `${report.status}${report.error ? ` ${report.error.name}: ${report.error.cause}` : ''}/${output?.summary?.findings ?? '-'} findings`,
    };
  } finally {
    await emulator.stop();
    limit.remove();
  }
}
