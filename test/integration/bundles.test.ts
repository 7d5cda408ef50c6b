/**
 * The functions as Lambda runs them: every handler bundled with bundling/esbuild.config.js (what
 * serverless-esbuild deploys: the stock SDK clients and Powertools, the SDK's schema keys made
 * literal), then the workflows run on the emulator with those bundles in place of the sources,
 * each invocation in a Node.js process of the deployed runtime's version.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import bundling from '../../bundling/esbuild.config';
import { bundleFunctions } from '../../local/bundles';
import { FUNCTIONS, ROOT } from '../../local/workflows';
import { runWorkflow } from '../../local/state-machine';
import { bundledHandler, lambdaNode, lambdaNodeMajor } from '../support/bundled-handlers';
import { failureRecords, grantsOn, mutatingCalls, useWorld } from './reliability/support';

const world = useWorld();
let dir: string;
let bundles: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'amiwarden-bundles-'));
  bundles = await bundleFunctions(dir);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every Lambda of the workflows, served by its bundle in a process of its own with the world's environment. */
function bundled(): Record<string, (payload: unknown) => Promise<unknown>> {
  return Object.fromEntries(Object.entries(FUNCTIONS).map(([logicalId, fn]) => [logicalId, bundledHandler(bundles[fn.key]!)]));
}

/** The functions' bundling options, for a script of the test's own (esbuild's, without the packaging-only ones). */
function bundleOptionsForScripts() {
  const { exclude: _packagingOnly, ...options } = bundling.bundleOptions();
  return { ...options, sourcemap: false, logLevel: 'error' as const };
}

const text = (key: string) => readFileSync(bundles[key]!, 'utf8');

/** The AWS services each function calls (the SDK client of each, as its protocol names it), besides STS for its credentials. */
// Organizations: the central account's membership checks (sharing, publishing, the sweep's plan,
// grant repair) and, in the functions that act in member accounts, the check before each
// AssumeRole. STS's own client comes with the member sessions (MEMBER_ACCESS); every bundle also
// holds the STS of the SDK's default credential chain, which Lambda's environment credentials
// never reach.
const SERVICES: Record<string, string[]> = {
  // Security Hub: loaded only when AMIWARDEN_SECURITY_HUB=true (a dynamic import), but in the bundle.
  diagnoseLaunchFailure: ['autoscaling', 'ec2', 'iam', 'kms', 'organizations', 'securityhub'],
  grantKeyAccess: ['iam', 'kms', 'organizations'],
  verifyKeyAccess: ['kms'],
  inspectImage: ['ec2', 'kms'],
  copyImage: ['ec2'],
  shareImage: ['ec2', 'organizations'],
  grantTargetAccess: ['autoscaling', 'iam', 'kms', 'organizations'],
  publishImage: ['ec2', 'organizations', 'ram', 'ssm'],
  // Organizations: only the member sessions' check before its AssumeRole.
  updateLaunchTemplates: ['ec2', 'kms', 'organizations'],
  applyOriginalImagePolicy: ['ec2'],
  planSweep: ['organizations', 's3'],
  inspectCentralImages: ['ec2', 'kms', 's3'],
  // kms: the DryRun of the member role's CreateGrant (it creates nothing). eks: the member's managed node groups.
  inspectMemberAccount: ['autoscaling', 'ec2', 'eks', 'iam', 'kms', 's3', 'organizations'],
  writeSweepReport: ['s3', 'securityhub'],
  recordFailure: ['s3', 'sqs'],
  repairGrants: ['iam', 'kms', 'organizations'],
};
/** The functions given member sessions (adapters/sts.ts): the only ones that assume the member role. */
const MEMBER_ACCESS = ['diagnoseLaunchFailure', 'grantKeyAccess', 'grantTargetAccess', 'inspectMemberAccount', 'repairGrants', 'updateLaunchTemplates'];
const CLIENTS = ['autoscaling', 'ec2', 'eks', 'iam', 'kms', 'organizations', 'ram', 's3', 'securityhub', 'sqs', 'ssm'];

describe('the Lambda bundles', () => {
  it('run on the Node.js of the deployed runtime', () => {
    const version = spawnSync(lambdaNode(), ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();

    expect(Number(version.split('.')[0])).toBe(lambdaNodeMajor());
  });

  it('hold the stock SDK client of each service the function calls and of no other (besides the credential chain’s STS), the member sessions only where a function acts in member accounts, the Powertools logger and metrics, and no EC2 schema the function never sends', () => {
    expect(Object.keys(bundles).sort()).toEqual(Object.keys(SERVICES).sort());
    for (const key of Object.keys(bundles)) {
      const held = CLIENTS.filter((service) => text(key).includes(`"com.amazonaws.${service}"`));
      expect({ key, held }).toEqual({ key, held: [...SERVICES[key]!].sort() });
      expect({ key, sts: text(key).includes('"com.amazonaws.sts"') }).toEqual({ key, sts: true });
      // The member sessions' own refusal code (adapters/sts.ts): there, and only there, an AssumeRole of the member role.
      expect({ key, memberSessions: text(key).includes('"NoCredentials"') }).toEqual({ key, memberSessions: MEMBER_ACCESS.includes(key) });
      // Powertools' own field names: the Logger's context keys, the Metrics' EMF envelope.
      expect({ key, logger: text(key).includes('function_request_id'), metrics: text(key).includes('CloudWatchMetrics') }).toEqual({ key, logger: true, metrics: true });
      // The schema-keys workaround at work: before it, every EC2 bundle carried every EC2 schema.
      expect({ key, unused: text(key).includes('"AcceptAddressTransferRequest"') }).toEqual({ key, unused: false });
    }
  });

  it("raise the service's modeled errors as the SDK's own classes", async () => {
    await world.build();
    // The same bundling, for a script that provokes an SQS modeled error on the emulator.
    const probe = path.join(dir, 'modeled-errors.js');
    await build({
      ...bundleOptionsForScripts(),
      stdin: {
        resolveDir: ROOT,
        loader: 'ts',
        contents: `
          import { GetQueueUrlCommand, SQSClient, QueueDoesNotExist, SQSServiceException } from '@aws-sdk/client-sqs';
          const seen = (e, Ctor, Base) => ({ name: e.name, own: e instanceof Ctor, base: e instanceof Base, fault: e.$fault, status: e.$metadata.httpStatusCode, shapeId: e.constructor.shapeId, message: typeof e.message });
          (async () => {
            const out = {};
            await new SQSClient({}).send(new GetQueueUrlCommand({ QueueName: 'amiwarden-no-such-queue' })).catch((e) => (out.sqs = seen(e, QueueDoesNotExist, SQSServiceException)));
            process.stdout.write(JSON.stringify(out));
          })();`,
      },
      outfile: probe,
    });
    const run = spawnSync(lambdaNode(), [probe], { env: process.env, encoding: 'utf8' });

    expect(JSON.parse(run.stdout)).toEqual({
      sqs: { name: 'QueueDoesNotExist', own: true, base: true, fault: 'client', status: 400, shapeId: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'string' },
    });
  }, 30_000);

  it('run an enforcing sweep that fixes every grant and re-encrypts the aws/ebs AMI; a second sweep finds neither again', async () => {
    const w = await world.build();
    const handlers = bundled();

    const enforced = await runWorkflow('compliance-sweep', { mode: 'enforce', accounts: w.org.members.map((m) => m.account) }, { handlers });

    expect(enforced.status).toBe('SUCCEEDED');
    expect(enforced.children.map((c) => `${c.workflow}:${c.status}`).sort()).toEqual([
      'launch-failure:SUCCEEDED',
      'launch-failure:SUCCEEDED',
      'reencrypt-and-share:SUCCEEDED',
    ]);
    for (const member of w.org.members) expect(await grantsOn(w, member.serviceLinkedRoleArn)).toHaveLength(1);
    const copies = (await w.emulator.calls()).filter((c) => c.action === 'CopyImage' && c.status === 200);
    expect(copies).toHaveLength(1);

    const again = await runWorkflow('compliance-sweep', { mode: 'report', accounts: w.org.members.map((m) => m.account) }, { handlers });
    const byFinding = (again.output as { summary: { byFinding: Record<string, number> } }).summary.byFinding;
    expect(byFinding['missing-grant']).toBeUndefined();
    expect(byFinding['ami-aws-managed-key']).toBeUndefined();
  }, 180_000);

  it('record a failed execution on the failure queue, and change nothing for bad input', async () => {
    const w = await world.build();

    const run = await runWorkflow('launch-failure', { account: 'not-an-account', region: 'us-east-1', autoScalingGroupName: 'web' }, { handlers: bundled() });

    expect(run.status).toBe('FAILED');
    const records = await failureRecords(w);
    expect(records).toEqual([expect.objectContaining({ workflow: 'launch-failure', error: expect.objectContaining({ name: 'InvalidInputError' }) })]);
    expect(mutatingCalls(await w.emulator.calls())).toEqual([]);
  }, 60_000);
});
