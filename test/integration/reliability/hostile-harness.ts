/**
 * The world the hostile-input corpus (test/fixtures/hostile-inputs.ts) is sent into, and how one
 * row is sent and judged: shared by the corpus itself (hostile-inputs.test.ts) and by the mutation
 * tests that prove its checks can fail (hostile-mutants.test.ts).
 *
 * The world: the sandbox organization, one share target, a real grant missing everywhere (the bait:
 * anything that slips through would create it), and an account outside the organization that has
 * everything a member has, a member role that trusts amiwarden included, so that only amiwarden's
 * own organization check keeps it out.
 */
import { HOSTILE_INPUTS, WORKFLOW_TARGETS, type HostileInput, type HostileTarget, type HostileWorld } from '../../fixtures/hostile-inputs';
import { runWorkflow, type RunOptions } from '../../../local/state-machine';
import { HOME_REGION, MEMBERS, REGIONS } from '../../../local/organization';
import { failureRecords, mutatingCalls, useWorld, type World } from './support';

export { HOSTILE_INPUTS };

/** Not in the organization, but built as a member is (its member role trusts amiwarden). */
export const TRUSTING_OUTSIDER = '123456789012';

export const HANDLERS: Record<Exclude<HostileTarget, 'launch-failure' | 'reencrypt-and-share' | 'compliance-sweep'>, () => Promise<unknown>> = {
  'diagnose-launch-failure': () => import('../../../functions/diagnose-launch-failure/handler'),
  'grant-key-access': () => import('../../../functions/grant-key-access/handler'),
  'verify-key-access': () => import('../../../functions/verify-key-access/handler'),
  'inspect-image': () => import('../../../functions/inspect-image/handler'),
  'copy-image': () => import('../../../functions/copy-image/handler'),
  'share-image': () => import('../../../functions/share-image/handler'),
  'grant-target-access': () => import('../../../functions/grant-target-access/handler'),
  'update-launch-templates': () => import('../../../functions/update-launch-templates/handler'),
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

const FAILED: Record<string, string> = { 'launch-failure': 'LaunchFailureRemediationFailed', 'reencrypt-and-share': 'ReencryptAndShareFailed', 'compliance-sweep': 'ComplianceSweepFailed' };

/** The field an InvalidInputError names, read back from its message ("Invalid input <field>: …"). */
const fieldOf = (message: string) => /^Invalid input (\S+):/.exec(message)?.[1];

type Handler = (payload: unknown) => Promise<unknown>;

/**
 * Deliberately broken code: wraps a real handler (of a Lambda the row reaches, or of the workflow's
 * states) so that it runs something else too. `handlers` replaces the workflow's Lambdas by logical id.
 */
export interface Mutant {
  wrap: (real: Handler) => Handler;
}

export function useHostileWorld() {
  const world = useWorld();
  let hostile: HostileWorld | undefined;

  beforeAll(async () => {
    // One share target: the other member is in the organization (its role trusts amiwarden) but is not a target.
    const w: World = await world.build({ shareTargets: [MEMBERS[0]!.account], withOrganization: true, trustingOutsiders: [TRUSTING_OUTSIDER] });
    const [first, second] = w.org.members;
    const central = w.org.centralAccount;
    hostile = {
      centralAccount: central,
      member: first!.account,
      memberSlr: first!.serviceLinkedRoleArn,
      otherMember: second!.account,
      otherMemberSlr: second!.serviceLinkedRoleArn,
      outsider: TRUSTING_OUTSIDER,
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
    expect(w.org.organizationId).toMatch(/^o-/);
  }, 60_000);

  beforeEach(async () => world.emulator().clearCalls());

  const get = () => {
    if (!hostile) throw new Error('hostile world not built');
    return hostile;
  };

  async function send(entry: HostileInput, mutant?: Mutant): Promise<{ error?: { name: string; message: string }; outcome?: string }> {
    const input = entry.input(get());
    if (WORKFLOW_TARGETS.includes(entry.target)) {
      const shape = WORKFLOW_SHAPES[entry.target]!;
      const options: RunOptions = mutant ? { handlers: await mutatedWorkflowHandlers(mutant) } : {};
      const report = await runWorkflow(entry.target, input, options);
      if (report.status === 'SUCCEEDED') return { outcome: String(shape.outcome(report.output as Record<string, unknown>)) };
      // Over Step Functions' payload quota the execution never starts: no state ran, nothing to record.
      if (report.error?.name === 'States.DataLimitExceeded' && report.path.length === 0) return { error: { name: report.error.name, message: report.error.cause } };
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
    const { handler: real } = (await HANDLERS[entry.target as keyof typeof HANDLERS]()) as { handler: Handler };
    const handler = mutant ? mutant.wrap(real) : real;
    try {
      const result = (await handler(input)) as { cause?: string; outcome?: string; classification?: string };
      return { outcome: (result.outcome ?? result.cause ?? result.classification)! };
    } catch (error) {
      return { error: { name: (error as Error).name, message: (error as Error).message } };
    }
  }

  /** The row's response is what it expects: the outcome, or the typed error and the field it names. */
  function expectResponse(entry: HostileInput, result: Awaited<ReturnType<typeof send>>): void {
    if ('outcome' in entry.expected) {
      expect(result).toEqual({ outcome: entry.expected.outcome });
    } else if ('stepFunctions' in entry.expected) {
      expect(result.error?.name).toBe(entry.expected.stepFunctions);
    } else {
      expect(result.error?.name).toBe(entry.expected.error);
      if (entry.expected.field) expect(fieldOf(result.error!.message)).toBe(entry.expected.field);
    }
  }

  /** The check every row must pass: refused as expected, and no mutating AWS call. */
  async function refusedAsExpected(entry: HostileInput, mutant?: Mutant): Promise<void> {
    const result = await send(entry, mutant);
    expectResponse(entry, result);
    expect(mutatingCalls(await world.emulator().calls())).toEqual([]);
  }

  return { world, hostile: get, send, expectResponse, refusedAsExpected };
}

/** Every Lambda of every workflow, wrapped by the mutant (record-failure included: some refusals reach no other Lambda). */
async function mutatedWorkflowHandlers(mutant: Mutant): Promise<Record<string, Handler>> {
  const { FUNCTIONS } = await import('../../../local/workflows');
  const handlers: Record<string, Handler> = {};
  for (const [logicalId, fn] of Object.entries(FUNCTIONS)) {
    const real = async (payload: unknown) => ((await fn.load()).handler as Handler)(payload);
    handlers[logicalId] = mutant.wrap(real);
  }
  return handlers;
}
