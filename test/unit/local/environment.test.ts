/**
 * The local tools (sandbox, CLI, benchmark) run handlers in one Node process, outside jest: a new
 * environment must make the next invocation a cold start, or a handler keeps the configuration,
 * the endpoint and the sessions of the last one (the benchmark's sweep once ran against the
 * workflows' key that way). Shown in a process of its own, since jest's module registry is not Node's.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../../local/workflows';

const SCRIPT = `
const { applyEnvironment } = require('./local/environment');
const { FUNCTIONS } = require('./local/workflows');
const env = (account) => ({
  AMIWARDEN_CENTRAL_ACCOUNT_ID: account,
  AMIWARDEN_KMS_KEY_ARNS: 'us-east-1=arn:aws:kms:us-east-1:' + account + ':key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});
(async () => {
  const fn = FUNCTIONS.PlanSweepLambdaFunction;
  applyEnvironment(env('111111111111'));
  const first = await fn.load();
  const warm = await fn.load();
  applyEnvironment(env('222222222222'));
  const afterNewEnvironment = await fn.load();
  console.log(JSON.stringify({ warmIsSame: first === warm, newEnvironmentIsColdStart: first.handler !== afterNewEnvironment.handler }));
})();
`;

describe('applyEnvironment', () => {
  it('keeps a warm handler while the environment stays, and makes the next load a cold start when it changes', () => {
    const run = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['-e', SCRIPT], { cwd: ROOT, encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ warmIsSame: true, newEnvironmentIsColdStart: true });
  }, 30_000);
});
