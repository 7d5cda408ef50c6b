/**
 * The compliance sweep's throughput model: how long a sweep of A accounts x R regions takes, and
 * how fast it calls each API whose quota it shares, from
 * - the sweep's shape (services/sweep.ts, core/config.ts, statemachines/compliance-sweep.asl.json):
 *   B targets per Map child (ItemBatcher, AMIWARDEN_SWEEP_BATCH_SIZE), at most C children at once
 *   (MaxConcurrencyPath, AMIWARDEN_SWEEP_MAX_CONCURRENCY), P targets of a batch inspected at once;
 * - the calls a sweep makes per account and per target, as the benchmark counted them on the
 *   emulator (bench/sweep-scale.ts);
 * - AWS's documented request quotas (QUOTAS, each with its page);
 * - t, the time one target's inspection takes. It is AWS's latency times the calls in sequence, not
 *   measured here (no AWS account); the model gives, instead of one guess, the range of t in which
 *   every quota is kept and the sweep fits its schedule, and t as the emulator measured it.
 *
 * A child inspects its B targets P at a time: it takes ceil(B/P) * t, which must end within the
 * member inspection's Lambda timeout (a longer child fails and is retried, then is a missing
 * inspection). The member phase takes
 * ceil(ceil(A*R/B) / C) waves of children. Member accounts' own calls (Auto Scaling, EC2, EKS, KMS's
 * DryRun, which KMS counts against the calling account) are spent against each member account's own
 * quotas, per Region: an account and Region is one target, inspected once a sweep, so its calls
 * there are one target's: within the quota whatever t while they fit its bucket (EC2 documents
 * one) or one second's allowance; only past that does their rate, a target's calls over t, count.
 * The central account's calls per member account (Organizations' DescribeAccount, STS AssumeRole: once per account) are spent against one
 * quota: C children at once, each starting the sessions of the accounts its batch spans.
 */
export interface Quota {
  perSecond: number;
  /** A token bucket's size, where AWS documents one (EC2): so many calls at once, whatever their rate. */
  bucket?: number;
  /** Whose quota: the central account's (shared by the whole sweep), or each member account's per Region. */
  scope: 'central' | 'member-region' | 'member';
  source: string;
  note: string;
}

/** Documented request quotas (defaults) of the calls the sweep makes; IAM, EKS and Auto Scaling document no rate. */
export const QUOTAS: Record<string, Quota> = {
  'sts:AssumeRole': { perSecond: 600, scope: 'central', source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html', note: '600 requests per second per account per Region, shared with GetCallerIdentity and others; only the calling account\'s' },
  'organizations:DescribeAccount': { perSecond: 20, scope: 'central', source: 'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html', note: '20 per second per account (burst 30), 24 per organization' },
  'organizations:ListAccounts': { perSecond: 8, scope: 'central', source: 'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html', note: '8 per second per account (burst 12)' },
  'ec2:Describe*': { perSecond: 20, bucket: 100, scope: 'member-region', source: 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html', note: 'non-mutating actions: a bucket of 100 tokens, refilled at 20 per second, per API, account and Region' },
  'ec2:DescribeSpotFleetRequests': { perSecond: 3, bucket: 50, scope: 'member-region', source: 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html', note: 'a bucket of 50, refilled at 3 per second' },
  'kms:CreateGrant': { perSecond: 50, scope: 'member-region', source: 'https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html', note: 'DryRun requests count; a cross-account request counts against the calling (member) account' },
  'states:child executions': { perSecond: 1000, scope: 'central', source: 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html', note: 'a Map Run dispatches Express child executions at up to 1,000 per second; at most 10,000 at once' },
  'securityhub:GetFindings': { perSecond: 3, scope: 'central', source: 'https://docs.aws.amazon.com/securityhub/1.0/APIReference/Welcome.html', note: 'RateLimit 3 per second, BurstLimit 6; BatchImportFindings and BatchUpdateFindings 10 (burst 30)' },
  's3:PutObject': { perSecond: 3500, scope: 'central', source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html', note: 'at least 3,500 PUT per second per partitioned prefix' },
};

/** Lambda's default concurrent executions per Region (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). */
export const LAMBDA_CONCURRENCY = 1000;

export interface ThroughputSpec {
  accounts: number;
  regions: number;
  batchSize: number;
  maxConcurrency: number;
  /** Targets of a batch inspected at once (services/sweep.ts). */
  perChild: number;
  /** Calls the sweep makes per member account (central-side: DescribeAccount, AssumeRole) and per target, by action (the benchmark's count). */
  perAccount: Record<string, number>;
  perTarget: Record<string, number>;
  /** The schedule interval, seconds (serverless.yml sweepSchedule: rate(1 day)). */
  intervalSeconds: number;
  /** The member inspection's Lambda timeout, seconds (serverless.yml): one child's attempt must end within it. */
  childTimeoutSeconds: number;
}

export interface ThroughputModel {
  targets: number;
  children: number;
  waves: number;
  /** Targets inspected one after another by one child: ceil(B/P). */
  roundsPerChild: number;
  /** Accounts a batch of B consecutive targets (an account's R regions side by side) spans, at most. */
  accountsPerChild: number;
  /** (child, account) pairs: the member sessions the sweep starts. */
  sessions: number;
  /** The member phase takes `memberPhaseRounds * t`. */
  memberPhaseRounds: number;
  /** The longest t with which the member phase still fits the schedule interval. */
  maxTargetSecondsForSchedule: number;
  /** The longest t with which one child's rounds still end within its Lambda's timeout. */
  maxTargetSecondsForChild: number;
  /** The longest t the sweep works with: the lesser of the two. */
  maxTargetSeconds: number;
  /** Per central-quota action: its calls, the least time the quota allows for them, and the shortest t that keeps its rate within the quota. */
  central: { action: string; calls: number; quotaPerSecond: number; floorSeconds: number; minTargetSeconds: number }[];
  /**
   * Per member-quota action: calls per target, which are all a sweep makes there (an account and
   * Region is one target, inspected once a sweep), and the shortest t that keeps them within the
   * account-Region quota: none (0) while they fit its bucket, or one second's allowance where it
   * documents no bucket; else one target's rate, calls over t.
   */
  member: { action: string; callsPerTarget: number; quotaPerSecond: number; bucket: number | null; minTargetSeconds: number }[];
  lambdaConcurrency: { used: number; quota: number };
}

const quotaOf = (called: string): [string, Quota] | null => {
  const action = called.replace('(DryRun)', '');
  if (QUOTAS[action]) return [action, QUOTAS[action]!];
  if (/^ec2:(Describe|Get)/.test(action) && action !== 'ec2:DescribeSpotFleetRequests') return ['ec2:Describe*', QUOTAS['ec2:Describe*']!];
  return null;
};

export function sweepThroughput(spec: ThroughputSpec): ThroughputModel {
  const targets = spec.accounts * spec.regions;
  const children = Math.ceil(targets / spec.batchSize);
  const waves = Math.ceil(children / spec.maxConcurrency);
  const roundsPerChild = Math.ceil(spec.batchSize / spec.perChild);
  // Child k holds targets [kB, kB + B): the accounts floor(kB/R) .. floor((kB + B - 1)/R). A session
  // is kept per account in a child's warm Lambda; an account split between two children has two.
  let sessions = 0;
  let accountsPerChild = 0;
  for (let k = 0; k < children; k++) {
    const first = k * spec.batchSize;
    const last = Math.min(targets, first + spec.batchSize) - 1;
    const spanned = Math.floor(last / spec.regions) - Math.floor(first / spec.regions) + 1;
    sessions += spanned;
    accountsPerChild = Math.max(accountsPerChild, spanned);
  }
  const memberPhaseRounds = waves * roundsPerChild;
  // Central: C children at once, each starting its accounts' sessions within one child's time (roundsPerChild * t).
  const central = Object.entries(spec.perAccount).flatMap(([action, perAccount]) => {
    const q = quotaOf(action);
    if (!q || q[1].scope !== 'central') return [];
    const calls = perAccount * sessions;
    return [{ action, calls, quotaPerSecond: q[1].perSecond, floorSeconds: calls / q[1].perSecond, minTargetSeconds: (spec.maxConcurrency * accountsPerChild * perAccount) / (q[1].perSecond * roundsPerChild) }];
  });
  // Children start at most C per child time: one child execution and one PutObject each.
  for (const action of ['s3:PutObject', 'states:child executions']) {
    const q = QUOTAS[action]!.perSecond;
    central.push({ action, calls: children, quotaPerSecond: q, floorSeconds: children / q, minTargetSeconds: spec.maxConcurrency / (q * roundsPerChild) });
  }
  // With the Security Hub export on, the report writer reads each group of at most 20 accounts'
  // earlier findings with one paged GetFindings (services/findings-export.ts), one group at a time:
  // at least ceil((A + 1) / 20) calls, the central account one of them.
  const groups = Math.ceil((spec.accounts + 1) / 20);
  central.push({ action: 'securityhub:GetFindings', calls: groups, quotaPerSecond: QUOTAS['securityhub:GetFindings']!.perSecond, floorSeconds: groups / QUOTAS['securityhub:GetFindings']!.perSecond, minTargetSeconds: 0 });
  // Member quotas are per action (a bucket each), per account and Region.
  const byBucket = new Map<string, { action: string; callsPerTarget: number; quotaPerSecond: number; bucket: number | null }>();
  for (const [action, perTarget] of Object.entries(spec.perTarget)) {
    const q = quotaOf(action);
    if (!q || q[1].scope !== 'member-region') continue;
    byBucket.set(action, { action, callsPerTarget: perTarget, quotaPerSecond: q[1].perSecond, bucket: q[1].bucket ?? null });
  }
  const member = [...byBucket.values()].map((m) => ({ ...m, minTargetSeconds: m.callsPerTarget <= (m.bucket ?? m.quotaPerSecond) ? 0 : m.callsPerTarget / m.quotaPerSecond }));
  const maxTargetSecondsForSchedule = spec.intervalSeconds / memberPhaseRounds;
  const maxTargetSecondsForChild = spec.childTimeoutSeconds / roundsPerChild;
  return {
    targets,
    children,
    waves,
    roundsPerChild,
    accountsPerChild,
    sessions,
    memberPhaseRounds,
    maxTargetSecondsForSchedule,
    maxTargetSecondsForChild,
    maxTargetSeconds: Math.min(maxTargetSecondsForSchedule, maxTargetSecondsForChild),
    central,
    member,
    lambdaConcurrency: { used: spec.maxConcurrency, quota: LAMBDA_CONCURRENCY },
  };
}
