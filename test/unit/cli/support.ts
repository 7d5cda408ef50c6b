/** A CLI context for tests: captured output, real SDK clients (mocked with aws-sdk-client-mock), no waiting. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { sdkStreamMixin } from '@smithy/core/serde';
import { sdkClients, type CliContext, type LocalRunner } from '../../../cli/context';
import { memoryOutput } from '../../../cli/output';

export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:999999999999:stateMachine:amiwarden-launch-failure-prod';
export const EXECUTION_ARN = 'arn:aws:states:eu-west-1:999999999999:execution:amiwarden-launch-failure-prod:6b1e0a7c-2f1d-4f7e-9a55-0c3f1e2d4b5a';

export function testContext(overrides: Partial<CliContext> = {}) {
  const io = memoryOutput();
  const sleeps: number[] = [];
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const local: LocalRunner = {
    run: jest.fn(async () => {
      throw new Error('the local runner was not expected to run');
    }),
    sandboxKeyPolicy: jest.fn(async () => {
      throw new Error('the local runner was not expected to run');
    }),
  };
  const ctx: CliContext = {
    io,
    clients: sdkClients,
    // --local runs keep their records in a folder of their own per test.
    env: { AMIWARDEN_LOCAL_DIR: mkdtempSync(path.join(tmpdir(), 'amiwarden-local-')) },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    pollIntervalMs: 1000,
    readFile: async (path) => {
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    local,
    onInterrupt: () => () => undefined,
    ...overrides,
  };
  return { ctx, io, sleeps };
}

const t0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms);
const lambda = 'arn:aws:lambda:eu-west-1:999999999999:function:amiwarden-prod-grantKeyAccess';

export const REMEDIATED_OUTPUT = {
  workflow: 'launch-failure',
  status: 'remediated',
  cause: 'missing-grant',
  account: '111122223333',
  region: 'eu-west-1',
  autoScalingGroupName: 'web',
  grants: [{ grantId: '4caeb5b67f6256', granteePrincipal: 'arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling' }],
};

/** A launch-failure execution as GetExecutionHistory returns it, with one retried Lambda failure. */
export function launchFailureHistory(end: 'succeeded' | 'failed' = 'succeeded'): HistoryEvent[] {
  const events: Omit<HistoryEvent, 'id'>[] = [
    { type: 'ExecutionStarted', timestamp: at(0), executionStartedEventDetails: { input: '{"account":"111122223333"}', roleArn: 'arn:aws:iam::999999999999:role/sfn' } },
    { type: 'TaskStateEntered', timestamp: at(30), stateEnteredEventDetails: { name: 'Diagnose launch failure', input: '{}' } },
    { type: 'LambdaFunctionScheduled', timestamp: at(31), lambdaFunctionScheduledEventDetails: { resource: lambda, input: '{}', timeoutInSeconds: 60 } },
    { type: 'LambdaFunctionStarted', timestamp: at(40) },
    { type: 'LambdaFunctionSucceeded', timestamp: at(1200), lambdaFunctionSucceededEventDetails: { output: '{"cause":"missing-grant"}' } },
    { type: 'TaskStateExited', timestamp: at(1210), stateExitedEventDetails: { name: 'Diagnose launch failure', output: '{}' } },
    { type: 'ChoiceStateEntered', timestamp: at(1211), stateEnteredEventDetails: { name: 'What caused the launch failure?', input: '{}' } },
    { type: 'ChoiceStateExited', timestamp: at(1212), stateExitedEventDetails: { name: 'What caused the launch failure?', output: '{}' } },
    { type: 'TaskStateEntered', timestamp: at(1213), stateEnteredEventDetails: { name: 'Grant key access in member account', input: '{}' } },
    { type: 'LambdaFunctionScheduled', timestamp: at(1214), lambdaFunctionScheduledEventDetails: { resource: lambda, input: '{}', timeoutInSeconds: 60 } },
    { type: 'LambdaFunctionStarted', timestamp: at(1220) },
    {
      type: 'LambdaFunctionFailed',
      timestamp: at(1900),
      lambdaFunctionFailedEventDetails: { error: 'TransientAwsError', cause: '{"errorType":"TransientAwsError","errorMessage":"CreateGrant failed transiently (ThrottlingException); safe to retry"}' },
    },
    { type: 'LambdaFunctionScheduled', timestamp: at(3900), lambdaFunctionScheduledEventDetails: { resource: lambda, input: '{}', timeoutInSeconds: 60 } },
    { type: 'LambdaFunctionStarted', timestamp: at(3910) },
  ];
  if (end === 'succeeded') {
    events.push(
      { type: 'LambdaFunctionSucceeded', timestamp: at(4300), lambdaFunctionSucceededEventDetails: { output: '{"outcome":"granted"}' } },
      { type: 'TaskStateExited', timestamp: at(4310), stateExitedEventDetails: { name: 'Grant key access in member account', output: '{}' } },
      { type: 'PassStateEntered', timestamp: at(4311), stateEnteredEventDetails: { name: 'Record remediation', input: '{}' } },
      { type: 'PassStateExited', timestamp: at(4312), stateExitedEventDetails: { name: 'Record remediation', output: JSON.stringify(REMEDIATED_OUTPUT) } },
      { type: 'ExecutionSucceeded', timestamp: at(4313), executionSucceededEventDetails: { output: JSON.stringify(REMEDIATED_OUTPUT) } },
    );
  } else {
    events.push(
      { type: 'LambdaFunctionFailed', timestamp: at(4300), lambdaFunctionFailedEventDetails: { error: 'AwsCallError', cause: '{"errorMessage":"CreateGrant failed: AccessDeniedException"}' } },
      { type: 'TaskStateExited', timestamp: at(4310), stateExitedEventDetails: { name: 'Grant key access in member account', output: '{}' } },
      { type: 'FailStateEntered', timestamp: at(4400), stateEnteredEventDetails: { name: 'Launch-failure remediation failed', input: '{}' } },
      { type: 'ExecutionFailed', timestamp: at(4401), executionFailedEventDetails: { error: 'AwsCallError', cause: 'CreateGrant failed: AccessDeniedException: not authorized' } },
    );
  }
  return events.map((e, i) => ({ ...e, id: i + 1, previousEventId: i }) as HistoryEvent);
}

/**
 * Serves GetExecutionHistory like Step Functions: the execution grows by `step` events per poll
 * (a poll = one sleep), pages of at most `pageSize`, newest first when reverseOrder is set.
 */
export function growingHistory(all: HistoryEvent[], options: { step: number; pageSize: number; progress: () => number }) {
  return (input: { reverseOrder?: boolean; nextToken?: string; maxResults?: number }) => {
    const visible = all.slice(0, Math.min(all.length, options.step * (options.progress() + 1)));
    const ordered = input.reverseOrder ? [...visible].reverse() : visible;
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const size = Math.min(options.pageSize, input.maxResults ?? 1000);
    const events = ordered.slice(start, start + size);
    return { events, ...(start + size < ordered.length ? { nextToken: String(start + size) } : {}) };
  };
}

/** A GetObject Body as the SDK returns it in Node: a stream with transformToString(). */
export function s3Body(text: string) {
  return sdkStreamMixin(Readable.from([Buffer.from(text, 'utf8')]));
}

const RUN = '2026-11-20-daily';
const url = (ext: string) => `s3://amiwarden-reports-prod/sweeps/${RUN}/report.${ext}`;

/** A compliance sweep's output (the "Record sweep" state). */
export const SWEEP_OUTPUT = {
  workflow: 'compliance-sweep',
  runId: RUN,
  mode: 'report',
  dryRun: false,
  accounts: 2,
  regions: ['us-east-1', 'eu-west-1'],
  summary: {
    findings: 4,
    byFinding: { 'ami-unencrypted': 1, 'missing-grant': 2, 'default-ebs-key-aws-managed': 1 },
    bySeverity: { high: 2, medium: 1, low: 1 },
    accounts: 2,
    regions: 2,
  },
  reports: { json: url('json'), csv: url('csv'), markdown: url('md') },
  remediationsStarted: 0,
  remediationsSkipped: 0,
};
