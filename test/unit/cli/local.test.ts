import { SFNClient } from '@aws-sdk/client-sfn';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { LocalExecutionResult, LocalRunOptions } from '../../../cli/context';
import { childClassifier } from '../../../cli/local';
import { runCli } from '../../../cli/main';
import { SANDBOX_MEMBERS, SANDBOX_REGIONS } from '../../../cli/workflows';
import { MEMBERS, REGIONS } from '../../../local/organization';
import { SWEEP_OUTPUT, testContext } from './support';

const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);

beforeEach(() => {
  sfn.reset();
  s3.reset();
});

const LOCAL_ARN = 'arn:aws:states:us-east-1:000000000000:execution:amiwarden-compliance-sweep:local-1';

function localResult(overrides: Partial<LocalExecutionResult>): LocalExecutionResult {
  return { executionArn: LOCAL_ARN, status: 'SUCCEEDED', durationMs: 2600, states: [], input: {}, sandbox: { planted: [] }, children: [], ...overrides };
}

describe('sweep --local', () => {
  it('sweeps the sandbox members by default, asks for the report, and prints the report on stdout, the summary and the remediations on stderr', async () => {
    const { ctx, io } = testContext();
    const run = jest.fn(async (_workflow: string, input: Record<string, unknown>, options: LocalRunOptions) => {
      options.onState({ type: 'entered', state: 'Start remediations', elapsedMs: 1800, target: 'sweep' });
      options.onState({ type: 'entered', state: 'Diagnose launch failure', elapsedMs: 1900, child: true, target: '111111111111 us-east-1 web' });
      return localResult({
        input,
        output: { ...SWEEP_OUTPUT, mode: 'enforce', remediationsStarted: 2 },
        sandbox: { planted: [{ imageId: 'ami-0aaaaaaaaaaaaaaaa', name: 'legacy-on-aws-ebs', encryption: 'aws/ebs' }], reportBucket: 'amiwarden-reports-sandbox' },
        children: [
          { workflow: 'launch-failure', executionArn: 'c1', status: 'SUCCEEDED', output: { status: 'remediated', cause: 'missing-grant', account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web' }, durationMs: 1000 },
          { workflow: 'reencrypt-and-share', executionArn: 'c2', status: 'SUCCEEDED', output: { status: 'reencrypted-and-shared', region: 'us-east-1', sourceImageId: 'ami-0aaaaaaaaaaaaaaaa', imageId: 'ami-0bbbbbbbbbbbbbbbb' }, durationMs: 1400 },
          { workflow: 'reencrypt-and-share', executionArn: 'c3', status: 'FAILED', error: { name: 'AwsCallError', cause: '{"errorMessage":"CopyImage failed: quota"}' }, durationMs: 300 },
        ],
        report: { format: 'md', runId: 'local-1', location: 's3://amiwarden-reports-sandbox/sweeps/local-1/report.md', text: '# amiwarden compliance sweep local-1\n\n**4 finding(s)**\n' },
      });
    });
    ctx.local.run = run;

    // A remediation failed: that needs a person.
    expect(await runCli(['sweep', '--local', '--mode', 'enforce', '--report', 'md'], ctx)).toBe(3);

    expect(run).toHaveBeenCalledWith('compliance-sweep', { mode: 'enforce', accounts: [...SANDBOX_MEMBERS] }, expect.objectContaining({ report: 'md' }));
    // `--report md`: stdout is the report alone; the summary and the remediations are for people, on stderr.
    expect(io.text()).toBe('# amiwarden compliance sweep local-1\n\n**4 finding(s)**');
    const text = io.stderr.join('\n');
    const progress = io.stderr.join('\n');
    expect(progress).toMatch(/\+\s+1\.8s\s+\[sweep\]\s+→ Start remediations/);
    expect(progress).toMatch(/\+\s+1\.9s\s+\[111111111111 us-east-1 web\]\s+→ Diagnose launch failure/);
    expect(io.stdout.some((l) => /^\+\s*\d/.test(l))).toBe(false);
    expect(text).toMatch(/missing-grant\s+high\s+2/);
    expect(text).toContain('4 finding(s): 2 high, 1 medium, 1 low');
    expect(text).toContain('Remediations (3, run to completion in this process)');
    expect(text).toMatch(/launch-failure\s+111111111111 us-east-1 web\s+SUCCEEDED\s+1\.0s\s+remediated \(missing-grant\)/);
    expect(text).toMatch(/reencrypt-and-share\s+ami-0aaaaaaaaaaaaaaaa us-east-1\s+SUCCEEDED\s+1\.4s\s+reencrypted-and-shared → ami-0bbbbbbbbbbbbbbbb/);
    expect(text).toMatch(/FAILED\s+0\.3s\s+AwsCallError: CopyImage failed: quota/);
    expect(sfn.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it('a report-mode sweep that found something exits 3, keeps its record locally, and puts sandbox and children in --json', async () => {
    const text = testContext();
    text.ctx.local.run = jest.fn(async (_w: string, input: Record<string, unknown>) => localResult({ input, output: SWEEP_OUTPUT, sandbox: { planted: [], reportBucket: 'amiwarden-reports-sandbox' } }));
    expect(await runCli(['sweep', '--local'], text.ctx)).toBe(3);
    expect(text.io.stdout[text.io.stdout.length - 1]).toMatch(/^Plan: /);
    expect(text.ctx.local.run).toHaveBeenCalledWith('compliance-sweep', expect.anything(), expect.objectContaining({ localDir: text.ctx.env.AMIWARDEN_LOCAL_DIR }));
    expect(text.ctx.local.run).toHaveBeenCalledWith('compliance-sweep', { mode: 'report', accounts: ['111111111111', '222222222222'] }, expect.not.objectContaining({ report: expect.anything() }));

    const json = testContext();
    json.ctx.local.run = jest.fn(async (_w: string, input: Record<string, unknown>) => localResult({ input, output: SWEEP_OUTPUT, sandbox: { planted: [], reportBucket: 'amiwarden-reports-sandbox' } }));
    expect(await runCli(['sweep', '--local', '--accounts', '222222222222', '--regions', 'eu-west-1', '--json'], json.ctx)).toBe(3);
    expect(json.io.stdout).toHaveLength(1);
    expect(JSON.parse(json.io.stdout[0]!)).toMatchObject({
      command: 'sweep',
      local: true,
      input: { mode: 'report', accounts: ['222222222222'], regions: ['eu-west-1'] },
      sandbox: { reportBucket: 'amiwarden-reports-sandbox' },
      children: [],
      output: { summary: { findings: 4 } },
    });
  });

  it('refuses a region the sandbox does not have (exit 2, nothing started)', async () => {
    const { ctx, io } = testContext();
    expect(await runCli(['sweep', '--local', '--regions', 'ap-south-1'], ctx)).toBe(2);
    expect(io.stderr).toEqual(['amiwarden: invalid --regions: the sandbox has us-east-1 and eu-west-1, not ap-south-1']);
    expect(ctx.local.run).not.toHaveBeenCalled();
  });

  it.each([
    ['remediate-asg', ['remediate-asg', '--local', '--region', 'ap-south-1']],
    ['remediate-image', ['remediate-image', '--local', '--image', 'ami-0123456789abcdef0', '--region', 'ap-south-1']],
  ])('%s refuses a region the sandbox does not have (exit 2, nothing started)', async (_name, argv) => {
    const { ctx, io } = testContext();
    expect(await runCli(argv, ctx)).toBe(2);
    expect(io.stderr).toEqual(['amiwarden: invalid --region: the sandbox has us-east-1 and eu-west-1, not ap-south-1']);
    expect(ctx.local.run).not.toHaveBeenCalled();
  });

  it('keeps its sandbox members and regions in step with local/organization.ts', () => {
    expect([...SANDBOX_MEMBERS]).toEqual(MEMBERS.map((m) => m.account));
    expect([...SANDBOX_REGIONS]).toEqual([...REGIONS]);
  });
});

describe('remediate-image --local', () => {
  it('leaves the image to the sandbox when --image is not given, and reports the one it planted', async () => {
    const { ctx, io } = testContext();
    ctx.local.run = jest.fn(async (_w: string, input: Record<string, unknown>) =>
      localResult({
        input: { ...input, imageId: 'ami-0cccccccccccccccc' },
        output: { status: 'reencrypted-and-shared' },
        sandbox: { planted: [{ imageId: 'ami-0cccccccccccccccc', name: 'sandbox-build-on-aws-ebs', encryption: 'aws/ebs' }] },
      }),
    );

    expect(await runCli(['remediate-image', '--local', '--json'], ctx)).toBe(0);

    expect(ctx.local.run).toHaveBeenCalledWith('reencrypt-and-share', { region: 'us-east-1', dryRun: false }, expect.anything());
    const out = JSON.parse(io.stdout[0]!);
    expect(out.input).toEqual({ region: 'us-east-1', dryRun: false, imageId: 'ami-0cccccccccccccccc' });
    expect(out.sandbox.planted).toEqual([{ imageId: 'ami-0cccccccccccccccc', name: 'sandbox-build-on-aws-ebs', encryption: 'aws/ebs' }]);
  });

  it('passes a given image through, and refuses another region for the planted one', async () => {
    const given = testContext();
    given.ctx.local.run = jest.fn(async (_w: string, input: Record<string, unknown>) => localResult({ input }));
    expect(await runCli(['remediate-image', '--local', '--image', 'ami-0123456789abcdef0', '--dry-run'], given.ctx)).toBe(0);
    expect(given.ctx.local.run).toHaveBeenCalledWith('reencrypt-and-share', { imageId: 'ami-0123456789abcdef0', region: 'us-east-1', dryRun: true }, expect.anything());

    const elsewhere = testContext();
    expect(await runCli(['remediate-image', '--local', '--region', 'eu-west-1'], elsewhere.ctx)).toBe(2);
    expect(elsewhere.io.stderr[0]).toMatch(/--region: the sandbox plants its image in us-east-1/);
    expect(elsewhere.ctx.local.run).not.toHaveBeenCalled();
  });

  it('still requires --image and --region in AWS', async () => {
    const { ctx, io } = testContext();
    expect(await runCli(['remediate-image', '--region', 'us-east-1'], ctx)).toBe(2);
    expect(io.stderr).toEqual(['amiwarden: --image is required']);
  });
});

describe('child executions in the local progress', () => {
  it('tells a child\'s states from the parent\'s by the execution that ran them, labels each with its target, and re-times children on the parent\'s clock', () => {
    let now = 1_000_000;
    const classify = childClassifier(() => now);
    const sweep = { workflow: 'compliance-sweep', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:amiwarden-compliance-sweep:p', input: { mode: 'enforce' } };
    const child = { workflow: 'launch-failure', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:amiwarden-launch-failure:c', input: { account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web' } };

    expect(classify({ type: 'entered', state: 'Take the request', elapsedMs: 0, execution: sweep })).toEqual({ type: 'entered', state: 'Take the request', elapsedMs: 0, target: 'sweep' });
    now += 200;
    // A Map iteration's item names its account and region.
    expect(classify({ type: 'entered', state: 'Inspect member account', elapsedMs: 200, input: { account: '222222222222', region: 'eu-west-1', runId: 'r' }, execution: sweep })).toMatchObject({ target: '222222222222 eu-west-1' });
    now += 1600;
    expect(classify({ type: 'entered', state: 'Start remediations', elapsedMs: 1800, execution: sweep })).toEqual({ type: 'entered', state: 'Start remediations', elapsedMs: 1800, target: 'sweep' });
    // A child started at +1800 ms: its own clock says 5, and it has a state named like one of the parent's.
    now += 5;
    expect(classify({ type: 'entered', state: 'Take the request', elapsedMs: 5, execution: child })).toEqual({ type: 'entered', state: 'Take the request', elapsedMs: 1805, child: true, target: '111111111111 us-east-1 web' });
    now += 100;
    expect(classify({ type: 'failed', state: 'Grant key access in member account', elapsedMs: 105, error: 'TransientAwsError', input: { request: child.input }, execution: child })).toEqual({
      type: 'failed',
      state: 'Grant key access in member account',
      elapsedMs: 1905,
      error: 'TransientAwsError',
      child: true,
      target: '111111111111 us-east-1 web',
    });
  });
});
