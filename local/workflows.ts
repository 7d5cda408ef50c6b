/**
 * The deployed workflows as the local tools see them: each state machine file, the event pattern
 * that starts it, and the real handler behind each Lambda it names. serverless.yml deploys the same
 * files (a unit test keeps this table and serverless.yml in step).
 */
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');

type Handler = (payload: never) => Promise<unknown>;

/** Lambda logical ids (as in `Fn::GetAtt` in the ASL files) → the function key in serverless.yml and its handler module. */
export const FUNCTIONS: Record<string, { key: string; handler: string; load: () => Promise<{ handler: Handler }> }> = {
  DiagnoseLaunchFailureLambdaFunction: {
    key: 'diagnoseLaunchFailure',
    handler: 'functions/diagnose-launch-failure/handler.handler',
    load: () => import('../functions/diagnose-launch-failure/handler'),
  },
  GrantKeyAccessLambdaFunction: {
    key: 'grantKeyAccess',
    handler: 'functions/grant-key-access/handler.handler',
    load: () => import('../functions/grant-key-access/handler'),
  },
  VerifyKeyAccessLambdaFunction: {
    key: 'verifyKeyAccess',
    handler: 'functions/verify-key-access/handler.handler',
    load: () => import('../functions/verify-key-access/handler'),
  },
  RecordFailureLambdaFunction: {
    key: 'recordFailure',
    handler: 'functions/record-failure/handler.handler',
    load: () => import('../functions/record-failure/handler'),
  },
};

export interface WorkflowSpec {
  name: string;
  definition: string;
  /** The event pattern that starts it, if any. */
  pattern?: string;
}

export const WORKFLOWS: Record<string, WorkflowSpec> = {
  'launch-failure': {
    name: 'launch-failure',
    definition: 'statemachines/launch-failure.asl.json',
    pattern: 'events/launch-failure.pattern.json',
  },
};
