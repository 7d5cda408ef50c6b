/**
 * The sweep's throughput model (bench/throughput.ts): its counts follow from the sweep's shape, checked
 * here against a count made by walking the batches as the Distributed Map forms them.
 */
import { QUOTAS, sweepThroughput } from '../../../bench/throughput';
import { targetsPerBatch } from '../../../services/sweep';

/** The batches ItemBatcher makes of the plan's targets (accounts, each with its regions side by side). */
function walk(accounts: number, regions: number, batch: number) {
  const targets = Array.from({ length: accounts * regions }, (_, i) => Math.floor(i / regions));
  const spans: number[] = [];
  for (let i = 0; i < targets.length; i += batch) spans.push(new Set(targets.slice(i, i + batch)).size);
  return { children: spans.length, sessions: spans.reduce((a, b) => a + b, 0), most: Math.max(...spans) };
}

const base = { batchSize: 10, maxConcurrency: 40, perChild: 5, perAccount: { 'sts:AssumeRole': 1, 'organizations:DescribeAccount': 1 }, perTarget: { 'ec2:DescribeLaunchTemplateVersions': 1, 'kms:CreateGrant(DryRun)': 1, 'autoscaling:DescribeAutoScalingGroups': 1 }, intervalSeconds: 86_400, childTimeoutSeconds: 200 };

describe('the sweep throughput model', () => {
  it.each([
    [5000, 17],
    [1000, 2],
    [7, 3],
    [3, 10],
  ])('%i accounts x %i regions: children, waves, sessions and the accounts a child spans, as the batches are made', (accounts, regions) => {
    const model = sweepThroughput({ ...base, accounts, regions });
    const walked = walk(accounts, regions, 10);

    expect(model.children).toBe(walked.children);
    expect(model.sessions).toBe(walked.sessions);
    expect(model.accountsPerChild).toBe(walked.most);
    expect(model.waves).toBe(Math.ceil(walked.children / 40));
    expect(model.memberPhaseRounds).toBe(model.waves * 2);
  });

  it('derives each central quota’s least time and the shortest target time that keeps it, and the schedule’s longest', () => {
    // A batch of whole accounts (services/sweep.ts targetsPerBatch): 17 targets, one account a child.
    const batchSize = targetsPerBatch(10, 17);
    const model = sweepThroughput({ ...base, batchSize, accounts: 5000, regions: 17 });
    const describe = model.central.find((c) => c.action === 'organizations:DescribeAccount')!;

    expect(batchSize).toBe(17);
    expect(model.sessions).toBe(5000);
    expect(describe.calls).toBe(5000);
    expect(describe.floorSeconds).toBeCloseTo(5000 / QUOTAS['organizations:DescribeAccount']!.perSecond);
    // 40 children at once, each starting one session in its 4 rounds of t (17 targets, 5 at a time).
    expect(model.roundsPerChild).toBe(4);
    expect(describe.minTargetSeconds).toBeCloseTo((40 * 1) / (20 * 4));
    expect(model.maxTargetSecondsForSchedule).toBeCloseTo(86_400 / (Math.ceil(5000 / 40) * 4));
    // A child's 4 rounds of t must end within its Lambda's timeout (200 s): tighter than the day.
    expect(model.maxTargetSecondsForChild).toBeCloseTo(200 / 4);
    expect(model.maxTargetSeconds).toBeCloseTo(Math.min(200 / 4, 86_400 / (Math.ceil(5000 / 40) * 4)));
    // A DryRun counts against the member's CreateGrant quota; Auto Scaling documents no rate.
    expect(model.member.map((m) => m.action).sort()).toEqual(['ec2:DescribeLaunchTemplateVersions', 'kms:CreateGrant(DryRun)']);
    // An account and Region is one target, inspected once: its calls fit the bucket (EC2) or one second's allowance (KMS), whatever t.
    expect(model.member.map((m) => [m.action, m.bucket, m.minTargetSeconds])).toEqual([
      ['ec2:DescribeLaunchTemplateVersions', 100, 0],
      ['kms:CreateGrant(DryRun)', null, 0],
    ]);
  });

  it('holds a member quota to its rate only where one target`s calls pass its bucket, or one second`s allowance where it has none', () => {
    const heavy = sweepThroughput({ ...base, batchSize: 17, accounts: 5000, regions: 17, perTarget: { 'ec2:DescribeSpotFleetRequests': 60, 'ec2:DescribeFleets': 100, 'kms:CreateGrant': 51 } });
    expect(heavy.member.map((m) => [m.action, m.bucket, m.minTargetSeconds])).toEqual([
      // 60 calls: past the bucket of 50, so at 3 per second a target must take 20 s.
      ['ec2:DescribeSpotFleetRequests', 50, 20],
      // 100 calls: the bucket of 100 holds them.
      ['ec2:DescribeFleets', 100, 0],
      // 51 calls: past one second's 50.
      ['kms:CreateGrant', null, 51 / 50],
    ]);
  });

  it.each([
    [10, 17, 17],
    [10, 2, 10],
    [10, 3, 9],
    [100, 17, 85],
    [1, 4, 4],
  ])('a batch of %i configured targets over %i regions holds %i: whole accounts, at least one', (configured, regions, expected) => {
    expect(targetsPerBatch(configured, regions)).toBe(expected);
    const model = sweepThroughput({ ...base, batchSize: expected, accounts: 333, regions });
    expect(model.sessions).toBe(333);
  });
});
