/**
 * Every malformed or hostile input of test/fixtures/hostile-inputs.ts, sent into a live world where
 * a real grant is missing (the bait: anything that slips through would create it), is refused with
 * a typed, named error — returned by the handler, or recorded by the state machine on its failure
 * path with the original input — or ends in a named outcome, and causes no mutating AWS call.
 */
import { HOSTILE_INPUTS, WORKFLOW_TARGETS, type HostileInput, type HostileTarget, type HostileWorld } from '../../fixtures/hostile-inputs';
import { runWorkflow } from '../../../local/state-machine';
import { HOME_REGION, MEMBERS, REGIONS } from '../../../local/organization';
import { copiesOf, failureRecords, grantsOn, launchPermissionsOf, mutatingCalls, useWorld, type World } from './support';

const world = useWorld();
let hostile: HostileWorld;

const HANDLERS: Record<Exclude<HostileTarget, 'launch-failure' | 'reencrypt-and-share' | 'compliance-sweep'>, () => Promise<unknown>> = {
  'diagnose-launch-failure': () => import('../../../functions/diagnose-launch-failure/handler'),
  'grant-key-access': () => import('../../../functions/grant-key-access/handler'),
  'verify-key-access': () => import('../../../functions/verify-key-access/handler'),
  'inspect-image': () => import('../../../functions/inspect-image/handler'),
  'copy-image': () => import('../../../functions/copy-image/handler'),
  'share-image': () => import('../../../functions/share-image/handler'),
  'grant-target-access': () => import('../../../functions/grant-target-access/handler'),
  'apply-original-image-policy': () => import('../../../functions/apply-original-image-policy/handler'),
  'plan-sweep': () => import('../../../functions/plan-sweep/handler'),
  'inspect-central-images': () => import('../../../functions/inspect-central-images/handler'),
  'inspect-member-account': () => import('../../../functions/inspect-member-account/handler'),
  'write-sweep-report': () => import('../../../functions/write-sweep-report/handler'),
};

/** What a workflow's output names as its outcome, and where its failure record keeps the original input. */
const WORKFLOW_SHAPES: Record<string, { outcome: (output: Record<string, unknown>) => unknown; original: (recorded: unknown) => unknown }> = {
  'launch-failure': { outcome: (o) => o.cause, original: (r) => r },
  'reencrypt-and-share': { outcome: (o) => o.classification, original: (r) => r },
  'compliance-sweep': { outcome: (o) => o.status ?? 'swept', original: (r) => r },
};

beforeAll(async () => {
  // One share target: the other member is in the organization (its role trusts amiwarden) but is not a target.
  const w: World = await world.build({ shareTargets: [MEMBERS[0]!.account] });
  const [first, second] = w.org.members;
  const central = w.org.centralAccount;
  hostile = {
    centralAccount: central,
    member: first!.account,
    memberSlr: first!.serviceLinkedRoleArn,
    otherMember: second!.account,
    otherMemberSlr: second!.serviceLinkedRoleArn,
    outsider: '123456789012',
    region: HOME_REGION,
    unconfiguredRegion: 'ap-south-1',
    autoScalingGroupName: first!.autoScalingGroupName,
    keyArn: w.org.keyArns[HOME_REGION]!,
    otherRegionKeyArn: w.org.keyArns[REGIONS[1]]!,
    unmanagedKeyArn: `arn:aws:kms:${HOME_REGION}:${central}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
    awsManagedImageId: w.awsManagedImageId,
    goldenImageId: w.org.goldenImageId,
    unknownImageId: 'ami-0123456789abcdef0',
    shareTarget: first!.account,
    runId: 'local-hostile-run',
  };
  expect(w.shareTargets).toEqual([first!.account]);
}, 30_000);

beforeEach(async () => world.emulator().clearCalls());

const FAILED: Record<string, string> = { 'launch-failure': 'LaunchFailureRemediationFailed', 'reencrypt-and-share': 'ReencryptAndShareFailed', 'compliance-sweep': 'ComplianceSweepFailed' };

/** The field an InvalidInputError names, read back from its message ("Invalid input <field>: …"). */
const fieldOf = (message: string) => /^Invalid input (\S+):/.exec(message)?.[1];

async function send(entry: HostileInput): Promise<{ error?: { name: string; message: string }; outcome?: string }> {
  const input = entry.input(hostile);
  if (WORKFLOW_TARGETS.includes(entry.target)) {
    const shape = WORKFLOW_SHAPES[entry.target]!;
    const report = await runWorkflow(entry.target, input);
    if (report.status === 'SUCCEEDED') return { outcome: String(shape.outcome(report.output as Record<string, unknown>)) };
    expect(report.error?.name).toBe(FAILED[entry.target]);
    const records = (await failureRecords(world.get())).filter((r) => r.execution === report.executionArn);
    expect(records).toHaveLength(1);
    const record = records[0]!;
    // The original input is kept with the failure (cut only beyond what SQS takes).
    if (JSON.stringify(input ?? null).length < 200_000) {
      expect(shape.original(record.input)).toEqual(input);
    }
    return { error: { name: record.error.name, message: record.error.cause } };
  }
  const { handler } = (await HANDLERS[entry.target as keyof typeof HANDLERS]()) as { handler: (p: unknown) => Promise<unknown> };
  try {
    const result = (await handler(input)) as { cause?: string; outcome?: string; classification?: string };
    return { outcome: (result.outcome ?? result.cause ?? result.classification)! };
  } catch (error) {
    return { error: { name: (error as Error).name, message: (error as Error).message } };
  }
}

describe('hostile and malformed input changes nothing', () => {
  it('the corpus holds at least 60 inputs across every target', () => {
    expect(HOSTILE_INPUTS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(HOSTILE_INPUTS.map((h) => h.target))).toEqual(new Set([...WORKFLOW_TARGETS, ...Object.keys(HANDLERS)]));
    expect(new Set(HOSTILE_INPUTS.map((h) => `${h.target}: ${h.name}`)).size).toBe(HOSTILE_INPUTS.length);
  });

  const refusedAsExpected = async (entry: HostileInput) => {
    const result = await send(entry);

    if ('outcome' in entry.expected) {
      expect(result).toEqual({ outcome: entry.expected.outcome });
    } else {
      expect(result.error?.name).toBe(entry.expected.error);
      if (entry.expected.field) expect(fieldOf(result.error!.message)).toBe(entry.expected.field);
    }
    expect(mutatingCalls(await world.emulator().calls())).toEqual([]);
  };

  const settled = HOSTILE_INPUTS.filter((h) => !h.knownGap);
  it.each(settled.map((h) => [`${h.target}: ${h.name}`, h] as const))('%s', async (_label, entry) => refusedAsExpected(entry), 20_000);

  describe('known gaps: refused and changing nothing, but not yet as expected (each fails here once fixed: then drop its knownGap)', () => {
    const gaps = HOSTILE_INPUTS.filter((h) => h.knownGap);
    it.each(gaps.map((h) => [`${h.target}: ${h.name}`, h] as const))('%s still changes nothing and fails the execution', async (_label, entry) => {
      const report = await runWorkflow(entry.target, entry.input(hostile));

      expect(report.status).toBe('FAILED');
      expect(report.error?.name).toMatch(/^States\./);
      expect(mutatingCalls(await world.emulator().calls())).toEqual([]);
    }, 20_000);
    it.failing.each(gaps.map((h) => [`${h.target}: ${h.name} (${h.knownGap})`, h] as const))('%s', async (_label, entry) => refusedAsExpected(entry), 20_000);
  });

  it('after the whole corpus, the bait is untouched: no grant exists on any key, the aws/ebs AMI has no copy, nothing is shared further', async () => {
    for (const region of REGIONS) expect(await grantsOn(world.get(), undefined, region)).toEqual([]);
    expect(await copiesOf(world.get(), hostile.awsManagedImageId)).toEqual([]);
    expect(await launchPermissionsOf(world.get(), hostile.awsManagedImageId)).toEqual([]);
    expect(await launchPermissionsOf(world.get(), hostile.goldenImageId)).toEqual(world.get().org.members.map((m) => m.account).sort());
  });
});
