/**
 * The deployed workflows as the local tools see them: each state machine file, the event pattern
 * that starts it, and the real handler behind each Lambda it names. serverless.yml deploys the same
 * files (a unit test keeps this table and serverless.yml in step).
 */
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');

type Handler = (payload: never) => Promise<unknown>;

/**
 * Handlers are loaded with require, as Lambda loads a CommonJS bundle, so that forgetHandlers()
 * can make the next load a cold start that reads the environment again.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadHandler = async (module: string): Promise<{ handler: Handler }> => require(module) as { handler: Handler };

/** The code a handler loads: what a new environment must load afresh. */
const HANDLER_CODE = ['functions', 'services', 'adapters', 'core'].map((dir) => path.join(ROOT, dir) + path.sep);

/**
 * Forgets every loaded handler and the code behind it: the next invocation is a cold start that
 * reads the environment again (local/environment.ts applyEnvironment calls it). Under jest, whose
 * module registry this does not reach, jest.resetModules() does the same.
 */
export function forgetHandlers(): void {
  for (const file of Object.keys(require.cache)) {
    if (HANDLER_CODE.some((dir) => file.startsWith(dir))) delete require.cache[file];
  }
}

/** A deployed function: its key in serverless.yml, its handler (as serverless.yml names it), and how to load it. */
const lambda = (key: string, dir: string) => ({
  key,
  handler: `functions/${dir}/handler.handler`,
  load: () => loadHandler(path.join(ROOT, 'functions', dir, 'handler')),
});

/** Lambda logical ids (as in `Fn::GetAtt` in the ASL files) → the function key in serverless.yml and its handler module. */
export const FUNCTIONS: Record<string, { key: string; handler: string; load: () => Promise<{ handler: Handler }> }> = {
  DiagnoseLaunchFailureLambdaFunction: lambda('diagnoseLaunchFailure', 'diagnose-launch-failure'),
  GrantKeyAccessLambdaFunction: lambda('grantKeyAccess', 'grant-key-access'),
  VerifyKeyAccessLambdaFunction: lambda('verifyKeyAccess', 'verify-key-access'),
  InspectImageLambdaFunction: lambda('inspectImage', 'inspect-image'),
  CopyImageLambdaFunction: lambda('copyImage', 'copy-image'),
  ShareImageLambdaFunction: lambda('shareImage', 'share-image'),
  PublishImageLambdaFunction: lambda('publishImage', 'publish-image'),
  UpdateLaunchTemplatesLambdaFunction: lambda('updateLaunchTemplates', 'update-launch-templates'),
  GrantTargetAccessLambdaFunction: lambda('grantTargetAccess', 'grant-target-access'),
  ApplyOriginalImagePolicyLambdaFunction: lambda('applyOriginalImagePolicy', 'apply-original-image-policy'),
  PlanSweepLambdaFunction: lambda('planSweep', 'plan-sweep'),
  InspectCentralImagesLambdaFunction: lambda('inspectCentralImages', 'inspect-central-images'),
  InspectMemberAccountLambdaFunction: lambda('inspectMemberAccount', 'inspect-member-account'),
  WriteSweepReportLambdaFunction: lambda('writeSweepReport', 'write-sweep-report'),
  RepairGrantsLambdaFunction: lambda('repairGrants', 'repair-grants'),
  RecordFailureLambdaFunction: lambda('recordFailure', 'record-failure'),
};

export interface WorkflowSpec {
  name: string;
  /** The state machine's logical id in serverless.yml (`id:`), what `{"Ref": …}` names. */
  stateMachineId: string;
  definition: string;
  /** The event pattern that starts it, if any. */
  pattern?: string;
  /** Further patterns that start it too (one rule each). */
  extraPatterns?: string[];
}

export const WORKFLOWS: Record<string, WorkflowSpec> = {
  'launch-failure': {
    name: 'launch-failure',
    stateMachineId: 'LaunchFailureStateMachine',
    definition: 'statemachines/launch-failure.asl.json',
    pattern: 'events/launch-failure.pattern.json',
    extraPatterns: ['events/fleet-error.pattern.json'],
  },
  'reencrypt-and-share': {
    name: 'reencrypt-and-share',
    stateMachineId: 'ReencryptAndShareStateMachine',
    definition: 'statemachines/reencrypt-and-share.asl.json',
    pattern: 'events/new-image.pattern.json',
    extraPatterns: ['events/image-available.pattern.json'],
  },
  'compliance-sweep': {
    name: 'compliance-sweep',
    stateMachineId: 'ComplianceSweepStateMachine',
    definition: 'statemachines/compliance-sweep.asl.json',
    pattern: 'events/member-stack-created.pattern.json',
  },
};
