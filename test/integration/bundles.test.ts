/**
 * The functions as Lambda runs them: every handler bundled with bundling/esbuild.config.js (the
 * SDK's schema keys made literal, the credential chain cut to the environment, event streams left
 * out), then the workflows run on the emulator with those bundles in place of the sources. What
 * the bundling leaves out must be what Lambda never runs: this is where that is shown.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleFunctions } from '../../local/bundles';
import { FUNCTIONS } from '../../local/workflows';
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

const text = (key: string) => readFileSync(bundles[key]!, 'utf8');

describe('the Lambda bundles', () => {
  it('leave out the credential chain beyond the environment, event streams, and the EC2 schemas no function sends', () => {
    expect(Object.keys(bundles).sort()).toEqual(Object.values(FUNCTIONS).map((f) => f.key).sort());
    for (const key of Object.keys(bundles)) {
      // The default chain's own messages: its SSO, ini-file, process and metadata links are gone.
      expect({ key, chain: text(key).includes('AWS_PROFILE is set, skipping fromEnv provider') }).toEqual({ key, chain: false });
      expect({ key, streams: text(key).includes('"initialRequestMarker"') }).toEqual({ key, streams: false });
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
