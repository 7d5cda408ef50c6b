/**
 * What the functions write for CloudWatch: Powertools log lines that carry the Lambda context and
 * the invocation's keys (cleared after it), at the level Lambda or POWERTOOLS_LOG_LEVEL sets, and
 * one embedded-metric-format document per workflow outcome (functions/common/).
 */
import type { Context } from 'aws-lambda';
import { TEST_ENV } from '../../fixtures/aws';

const lambdaContext = (requestId: string): Context =>
  ({
    functionName: 'amiwarden-prod-verifyKeyAccess',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:999999999999:function:amiwarden-prod-verifyKeyAccess',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/amiwarden-prod-verifyKeyAccess',
    logStreamName: '2026/12/01/[$LATEST]0123',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

type Runtime = typeof import('../../../functions/common/runtime') & { errors: typeof import('../../../core/errors') };

/** Loads functions/common afresh (as a cold start) under `env`, runs `work`, and returns every line written. */
async function linesOf(env: Record<string, string | undefined>, work: (runtime: Runtime) => Promise<void>): Promise<Record<string, unknown>[]> {
  const saved = { ...process.env };
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    for (const key of ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_DEV']) delete process.env[key];
    // As Lambda sets it for an on-demand environment (Powertools reports cold_start only then).
    Object.assign(process.env, TEST_ENV, { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' });
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    let runtime!: Runtime;
    jest.isolateModules(() => {
      runtime = { ...(require('../../../functions/common/runtime') as Runtime), errors: require('../../../core/errors') as Runtime['errors'] };
    });
    await work(runtime);
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.env = saved;
  }
  return written.flatMap((chunk) => chunk.split('\n')).filter((line) => line.trim()).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the functions’ logs', () => {
  it('carry the Lambda context and the invocation’s keys, and the keys are cleared after each invocation', async () => {
    const lines = await linesOf({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true' }, async ({ startRuntime, invoke }) => {
      const rt = startRuntime('verify-key-access');
      await invoke(rt, lambdaContext('req-1'), { execution: 'exec-1', account: '111111111111' }, async () => rt.logger.info('first'));
      await invoke(rt, lambdaContext('req-2'), { execution: 'exec-2' }, async () => rt.logger.info('second'));
    });

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'first',
      service: 'amiwarden',
      function: 'verify-key-access',
      function_name: 'amiwarden-prod-verifyKeyAccess',
      function_request_id: 'req-1',
      cold_start: true,
      execution: 'exec-1',
      account: '111111111111',
    });
    expect(lines[1]).toMatchObject({ message: 'second', function_request_id: 'req-2', cold_start: false, execution: 'exec-2' });
    expect(lines[1]).not.toHaveProperty('account');
  });

  it('log an expected failure as a warning with its name, an unexpected one as an error, and re-throw both unchanged', async () => {
    const thrown: unknown[] = [];
    const lines = await linesOf({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true' }, async ({ startRuntime, invoke, errors }) => {
      const rt = startRuntime('verify-key-access');
      for (const error of [new errors.InvalidInputError('account', 'expected an account id'), new TypeError('boom')]) {
        await invoke(rt, lambdaContext('req'), {}, async () => {
          throw error;
        }).catch((e: unknown) => thrown.push(e));
      }
    });

    expect(thrown.map((e) => (e as Error).name)).toEqual(['InvalidInputError', 'TypeError']);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['WARN', 'InvalidInputError'],
      ['ERROR', 'Unexpected failure'],
    ]);
    expect(lines[1]).toMatchObject({ error: { name: 'TypeError', message: 'boom' } });
  });

  it.each([
    ['POWERTOOLS_LOG_LEVEL', { POWERTOOLS_LOG_LEVEL: 'WARN' }, ['WARN']],
    ['Lambda’s application log level, before POWERTOOLS_LOG_LEVEL', { AWS_LAMBDA_LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'DEBUG' }, []],
    ['INFO when neither is set', {}, ['INFO', 'WARN']],
  ])('take their level from %s', async (_source, env, levels) => {
    const lines = await linesOf({ ...env, POWERTOOLS_METRICS_DISABLED: 'true' }, async ({ startRuntime }) => {
      const rt = startRuntime('plan-sweep');
      rt.logger.debug('d');
      rt.logger.info('i');
      rt.logger.warn('w');
    });

    expect(lines.map((l) => l.level)).toEqual(levels);
  });
});

describe('the outcome metrics', () => {
  it('write one EMF document per outcome, with the workflow as a dimension', async () => {
    const lines = await linesOf({ POWERTOOLS_LOG_LEVEL: 'SILENT' }, async ({ startRuntime }) => {
      const rt = startRuntime('verify-key-access');
      rt.metrics.record('launch-failure', 'remediated');
      rt.metrics.record('not-a-workflow', 'failed');
    });

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'amiwarden', Dimensions: [expect.arrayContaining(['service', 'workflow'])], Metrics: [{ Name: 'remediated', Unit: 'Count' }] }] },
      service: 'amiwarden',
      workflow: 'launch-failure',
      remediated: 1,
    });
    expect(lines[1]).toMatchObject({ workflow: 'unknown', failed: 1 });
  });
});
