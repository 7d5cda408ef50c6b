/**
 * The functions as Lambda runs them: every handler bundled with bundling/esbuild.config.js (the
 * SDK's schema keys made literal, its versions and errors written compactly, the credential chain
 * cut to the environment, event streams and config files left out, the lite KMS, STS, IAM, S3,
 * Organizations, Auto Scaling and launch-template clients in place of the SDK's), then the workflows run on
 * the emulator with those bundles in place of the sources. What the bundling leaves out must be
 * what Lambda never runs: this is where that is shown.
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
import { bundledHandler } from '../support/bundled-handlers';
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

describe('the Lambda bundles', () => {
  it('leave out the credential chain beyond the environment, event streams, the config-file reader, and the EC2 schemas no function sends', () => {
    expect(Object.keys(bundles).sort()).toEqual(Object.values(FUNCTIONS).map((f) => f.key).sort());
    for (const key of Object.keys(bundles)) {
      // The default chain's own messages: its SSO, ini-file, process and metadata links are gone.
      expect({ key, chain: text(key).includes('AWS_PROFILE is set, skipping fromEnv provider') }).toEqual({ key, chain: false });
      expect({ key, streams: text(key).includes('"initialRequestMarker"') }).toEqual({ key, streams: false });
      // The SDK's shared config files are not read (no node:fs/promises); the workflows below still
      // run, their settings from the environment.
      expect({ key, configFiles: text(key).includes('require("node:fs/promises")') }).toEqual({ key, configFiles: false });
    }
    // Only the functions that read launch templates carry DescribeLaunchTemplateVersions; no
    // function carries a schema of an operation it never sends (AcceptAddressTransfer: before the
    // schema keys were made literal, every EC2 bundle carried it).
    expect(text('diagnoseLaunchFailure')).toContain('"DescribeLaunchTemplateVersions"');
    for (const key of ['shareImage', 'copyImage', 'inspectImage', 'applyOriginalImagePolicy']) {
      expect({ key, launchTemplates: text(key).includes('"DescribeLaunchTemplateVersions"') }).toEqual({ key, launchTemplates: false });
    }
    for (const key of Object.keys(bundles)) expect({ key, unused: text(key).includes('"AcceptAddressTransferRequest"') }).toEqual({ key, unused: false });
  });

  it('send KMS, STS, IAM, S3, Organizations, Auto Scaling and launch-template requests with the lite clients, not the SDK clients', () => {
    // The SDK clients' protocol settings name their namespaces; the lite clients do not.
    for (const key of Object.keys(bundles)) {
      for (const service of ['kms', 'sts', 'iam', 's3', 'organizations', 'autoscaling']) {
        expect({ key, sdkClient: text(key).includes(`"com.amazonaws.${service}"`) }).toEqual({ key, sdkClient: false });
      }
      expect({ key, templateSchema: text(key).includes('"ResponseLaunchTemplateData"') }).toEqual({ key, templateSchema: false });
    }
    expect(text('grantKeyAccess')).toContain('TrentService.');
    expect(text('writeSweepReport')).toContain('list-type');
  });

  it("carry the clients' versions and modeled errors in their compact form", () => {
    // recordFailure sends SQS requests: its 28 modeled error classes are made by a factory, not
    // declared one by one (each generated class sets its prototype; 5 calls are the SDK's own).
    const record = text('recordFailure');
    expect(record).toContain('"com.amazonaws.sqs"');
    expect(record.split('setPrototypeOf(this,').length - 1).toBeLessThan(10);
    expect(record).not.toContain('com.amazonaws.sqs#QueueDoesNotExist');
    // A client's package.json: its version, not its scripts or dependencies.
    for (const key of Object.keys(bundles)) expect({ key, packageJson: /"devDependencies"|"@aws-sdk\/types"/.test(text(key)) }).toEqual({ key, packageJson: false });
  });

  it("raise the service's modeled errors as the SDK's own classes, from compact classes", async () => {
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
          const seen = (e, Ctor, Base) => ({ name: e.name, ctor: e.constructor.name, own: e instanceof Ctor, base: e instanceof Base, fault: e.$fault, status: e.$metadata.httpStatusCode, shapeId: e.constructor.shapeId, message: typeof e.message });
          (async () => {
            const out = {};
            await new SQSClient({}).send(new GetQueueUrlCommand({ QueueName: 'amiwarden-no-such-queue' })).catch((e) => (out.sqs = seen(e, QueueDoesNotExist, SQSServiceException)));
            process.stdout.write(JSON.stringify(out));
          })();`,
      },
      outfile: probe,
    });
    const run = spawnSync(process.execPath, [probe], { env: process.env, encoding: 'utf8' });

    expect(JSON.parse(run.stdout)).toEqual({
      sqs: { name: 'QueueDoesNotExist', ctor: 'QueueDoesNotExist', own: true, base: true, fault: 'client', status: 400, shapeId: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'string' },
    });
    expect(readFileSync(probe, 'utf8')).not.toContain('com.amazonaws.sqs#QueueDoesNotExist');
  });

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
    expect(byFinding['asg-missing-grant']).toBeUndefined();
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
