/**
 * What a first-time user meets: "did you mean" for a mistyped command or option, --local on every
 * command (with the local folder a --local run leaves behind), --output, one exit-code scheme, and
 * Ctrl-C saying what it stopped (one JSON object with --json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { recommendedKeyPolicyStatements } from '../../../core/key-policy';
import type { LocalExecutionResult, LocalRunOptions } from '../../../cli/context';
import { interruptHandlers } from '../../../cli/context';
import { saveReports } from '../../../cli/local-store';
import { runCli } from '../../../cli/main';
import { STATE_MACHINE_ARN, SWEEP_OUTPUT, testContext } from './support';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

const LOCAL_ARN = 'arn:aws:states:us-east-1:000000000000:execution:amiwarden-launch-failure:local-42';
const REMEDIATED = { workflow: 'launch-failure', status: 'remediated', cause: 'missing-grant', account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web', grants: [] };
const localResult = (input: Record<string, unknown>, over: Partial<LocalExecutionResult> = {}): LocalExecutionResult => ({
  executionArn: LOCAL_ARN,
  status: 'SUCCEEDED',
  output: REMEDIATED,
  durationMs: 300,
  states: [{ name: 'Diagnose launch failure', startedAtMs: 0, durationMs: 200, failedAttempts: 0 }],
  input,
  sandbox: { planted: [] },
  children: [],
  ...over,
});

describe('did you mean', () => {
  it.each([
    [['swep', '--local'], /unknown command "swep": did you mean sweep\?/],
    [['remediate-imag'], /did you mean remediate-image\?/],
    [['sweep', '--locl'], /Unknown option '--locl': did you mean --local\?; `amiwarden sweep --help` lists the options/],
    [['remediate-asg', '--dryrun'], /did you mean --dry-run\?/],
    [['check-key-policy', '--organisation-id', 'o-a1b2c3d4e5'], /did you mean --organization-id\?/],
    [['executions', '--stauts', 'FAILED'], /did you mean --status\?/],
  ])('%j → exit 2 with a suggestion', async (argv, message) => {
    const { ctx, io } = testContext();
    expect(await runCli(argv, ctx)).toBe(2);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(message);
    expect(io.stdout).toEqual([]);
  });

  it('suggests nothing for something far from every name', async () => {
    const { ctx, io } = testContext();
    expect(await runCli(['sweep', '--zzzzzzzz'], ctx)).toBe(2);
    expect(io.stderr[0]).not.toContain('did you mean');
  });
});

describe('--local on every command', () => {
  it('a local run keeps its record: executions --local lists it, show --local shows it', async () => {
    const { ctx, io } = testContext();
    ctx.local.run = jest.fn(async (_w: string, input: Record<string, unknown>) => localResult(input));
    expect(await runCli(['remediate-asg', '--local'], ctx)).toBe(0);
    const dir = ctx.env.AMIWARDEN_LOCAL_DIR!;
    expect(JSON.parse(readFileSync(path.join(dir, 'executions', 'local-42.json'), 'utf8'))).toMatchObject({ workflow: 'launch-failure', executionArn: LOCAL_ARN, status: 'SUCCEEDED', output: REMEDIATED });

    io.stdout.length = 0;
    expect(await runCli(['executions', '--local', '--json'], ctx)).toBe(0);
    expect(JSON.parse(io.stdout[0]!).executions).toEqual([expect.objectContaining({ workflow: 'launch-failure', status: 'SUCCEEDED', executionArn: LOCAL_ARN })]);

    io.stdout.length = 0;
    expect(await runCli(['executions', '--local', '--output', 'table'], ctx)).toBe(0);
    expect(io.stdout[0]).toMatch(/^STARTED\s+WORKFLOW\s+STATUS\s+DURATION\s+EXECUTION$/);
    expect(io.stdout[1]).toContain(LOCAL_ARN);

    io.stdout.length = 0;
    expect(await runCli(['show', '--local', LOCAL_ARN], ctx)).toBe(0);
    expect(io.text()).toMatch(/Diagnose launch failure\s+0\.2s/);

    const missing = testContext({ env: ctx.env });
    expect(await runCli(['show', '--local', LOCAL_ARN.replace('local-42', 'local-43')], missing.ctx)).toBe(1);
    expect(missing.io.stderr[0]).toMatch(/no local execution local-43/);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('report --local reads what a local sweep kept, long after the emulator is gone; --output table lists the findings', async () => {
    const { ctx, io } = testContext();
    const dir = ctx.env.AMIWARDEN_LOCAL_DIR!;
    const findings = [
      { account: '111111111111', region: 'us-east-1', resource: 'autoScalingGroup/web', finding: 'missing-grant', severity: 'high', detail: 'd', action: 'a', remediation: { workflow: 'launch-failure', input: {} } },
      { account: '111111111111', region: 'eu-west-1', resource: '111111111111', finding: 'default-ebs-key-aws-managed', severity: 'low', detail: 'd', action: 'a', remediation: null },
    ];
    const report = (format: 'md' | 'csv' | 'json', text: string) => ({ format, runId: 'local-7', location: `s3://b/sweeps/local-7/report.${format}`, text });
    await saveReports(dir, 'local-7', { md: report('md', '# sweep local-7\n'), csv: report('csv', 'account,region\n'), json: report('json', JSON.stringify({ runId: 'local-7', findings })) });

    expect(await runCli(['report', '--local'], ctx)).toBe(0);
    expect(io.stdout).toEqual(['# sweep local-7']);

    io.stdout.length = 0;
    expect(await runCli(['report', '--local', 'local-7', '--format', 'csv'], ctx)).toBe(0);
    expect(io.stdout).toEqual(['account,region']);

    io.stdout.length = 0;
    expect(await runCli(['report', '--local', '--output', 'table'], ctx)).toBe(0);
    expect(io.stdout[0]).toMatch(/^ACCOUNT\s+REGION\s+RESOURCE\s+FINDING\s+SEVERITY\s+REMEDIATION$/);
    expect(io.stdout[1]).toMatch(/missing-grant\s+high\s+launch-failure/);
    expect(io.stdout[2]).toMatch(/default-ebs-key-aws-managed\s+low\s+needs a person/);

    const empty = testContext();
    expect(await runCli(['report', '--local'], empty.ctx)).toBe(1);
    expect(empty.io.stderr[0]).toMatch(/no local sweep report yet .*run `amiwarden sweep --local` first/);
  });

  it('key-policy --local prints the same statements (it calls nothing)', async () => {
    const { ctx, io } = testContext();
    expect(await runCli(['key-policy', '--local', '--organization-id', 'o-a1b2c3d4e5', '--json'], ctx)).toBe(0);
    expect(JSON.parse(io.stdout[0]!)).toEqual({ Statement: recommendedKeyPolicyStatements('o-a1b2c3d4e5') });
  });

  it('check-key-policy --local checks the sandbox key for its members, in its organization', async () => {
    const { ctx, io } = testContext();
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: recommendedKeyPolicyStatements('o-sandbox0001') });
    ctx.local.sandboxKeyPolicy = jest.fn(async (options) => {
      options.onNote('emulator stopped (pid 1)');
      return { keyArn: 'arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab', policy, members: ['111111111111', '222222222222'], organizationId: 'o-sandbox0001' };
    });
    expect(await runCli(['check-key-policy', '--local', '--json'], ctx)).toBe(0);
    const audit = JSON.parse(io.stdout[0]!);
    expect(audit.members.map((m: { account: string; verdict: string }) => [m.account, m.verdict])).toEqual([
      ['111111111111', 'allowed'],
      ['222222222222', 'allowed'],
    ]);
    expect(io.stderr).toEqual(['emulator stopped (pid 1)']);

    const refused = testContext();
    expect(await runCli(['check-key-policy', '--local', '--key', 'arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab'], refused.ctx)).toBe(2);
  });

  it('refuses --local-dir without --local, and the options that reach AWS with it', async () => {
    for (const argv of [['executions', '--local-dir', 'x'], ['executions', '--local', '--stack', 'amiwarden-prod'], ['show', '--local', '--profile', 'p', LOCAL_ARN], ['remediate-asg', '--local-dir', 'x', ...['--account', '111111111111', '--region', 'us-east-1', '--asg', 'web']]]) {
      const { ctx, io } = testContext();
      expect(await runCli(argv, ctx)).toBe(2);
      expect(io.stderr[0]).toMatch(/--local/);
    }
  });
});

describe('--output', () => {
  it('--output json is --json; --output table is for people; anything else is refused', async () => {
    const a = testContext();
    a.ctx.local.run = jest.fn(async (_w: string, input: Record<string, unknown>) => localResult(input));
    expect(await runCli(['remediate-asg', '--local', '--output', 'json'], a.ctx)).toBe(0);
    expect(a.io.stdout).toHaveLength(1);
    expect(JSON.parse(a.io.stdout[0]!)).toMatchObject({ command: 'remediate-asg', status: 'SUCCEEDED', exitCode: 0 });

    for (const argv of [['executions', '--output', 'xml'], ['executions', '--output', 'table', '--json']]) {
      const { ctx, io } = testContext();
      expect(await runCli(argv, ctx)).toBe(2);
      expect(io.stderr[0]).toMatch(/--output/);
    }
  });
});

describe('exit codes', () => {
  const imageHistory = (output: object): HistoryEvent[] =>
    [
      { type: 'ExecutionStarted', timestamp: new Date(0), executionStartedEventDetails: { input: '{}', roleArn: 'arn:aws:iam::999999999999:role/sfn' } },
      { type: 'ExecutionSucceeded', timestamp: new Date(100), executionSucceededEventDetails: { output: JSON.stringify(output) } },
    ].map((e, i) => ({ ...e, id: i + 1 }) as HistoryEvent);
  const EXECUTION = 'arn:aws:states:eu-west-1:999999999999:execution:amiwarden-reencrypt-and-share-prod:x';
  const IMAGE = ['remediate-image', '--image', 'ami-0123456789abcdef0', '--region', 'eu-west-1', '--state-machine-arn', STATE_MACHINE_ARN.replace('launch-failure', 'reencrypt-and-share')];

  it('a nonexistent --image is not exit 0: the workflow succeeds with a finding, and that needs a person (3)', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(0) });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: imageHistory({ workflow: 'reencrypt-and-share', status: 'finding', classification: 'not-found', region: 'eu-west-1', imageId: 'ami-0123456789abcdef0', finding: 'The image ami-0123456789abcdef0 in eu-west-1 does not exist or is not visible to the central account' }).reverse(),
    });
    const { ctx, io } = testContext();
    expect(await runCli(IMAGE, ctx)).toBe(3);
    expect(io.text()).toContain('! The image ami-0123456789abcdef0 in eu-west-1 does not exist');
    expect(io.stdout[io.stdout.length - 1]).toBe('Result: 0 created, 0 changed, 0 left as they were; 1 needs a person.');
  });

  it('an image already on the organization key and shared is done (0)', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(0) });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: imageHistory({ workflow: 'reencrypt-and-share', status: 'shared', classification: 'organization-key', region: 'eu-west-1', sourceImageId: 'ami-0123456789abcdef0', imageId: 'ami-0123456789abcdef0', sharing: { imageId: 'ami-0123456789abcdef0', outcome: 'already-shared', added: [], alreadyShared: [{ UserId: '111111111111' }] }, grants: [] }).reverse(),
    });
    const { ctx, io } = testContext();
    expect(await runCli(IMAGE, ctx)).toBe(0);
    expect(io.stdout[io.stdout.length - 1]).toBe('Result: 0 created, 0 changed, 1 left as they were.');
  });

  it('usage names every code', async () => {
    const { ctx, io } = testContext();
    await runCli(['--help'], ctx);
    expect(io.text()).toContain('Exit codes: 0 done (or nothing to do), 1 failed, 2 bad input, 3 found something that needs a person, 130 interrupted.');
  });
});

describe('Ctrl-C', () => {
  it('runs the newest handler first (the emulator stops before the command says what stopped), then exits 130', () => {
    const listeners: Record<string, (s: NodeJS.Signals) => void> = {};
    const order: string[] = [];
    const proc = {
      on: (event: string, fn: (s: NodeJS.Signals) => void) => void (listeners[event] = fn),
      removeListener: (event: string) => void delete listeners[event],
      exit: (code: number) => void order.push(`exit ${code}`),
    };
    const register = interruptHandlers(proc as never);
    register(() => order.push('command'));
    const removeEmulator = register(() => order.push('emulator'));
    listeners.SIGINT!('SIGINT');
    expect(order).toEqual(['emulator', 'command', 'exit 130']);
    removeEmulator();
    order.length = 0;
    listeners.SIGTERM!('SIGTERM');
    expect(order).toEqual(['command', 'exit 143']);
  });

  it('--local --json: says what it stopped on stderr and still prints one JSON object', async () => {
    const handlers: (() => void)[] = [];
    const { ctx, io } = testContext({ onInterrupt: (h) => (handlers.push(h), () => undefined) });
    ctx.local.run = jest.fn(async (_w: string, _input: Record<string, unknown>, options: LocalRunOptions) => {
      options.onInterrupt(() => options.onNote('emulator stopped (pid 7)'));
      // Ctrl-C now: the handlers run newest first, as interruptHandlers runs them.
      [...handlers].reverse().forEach((h) => h());
      // …and the process exits (interruptHandlers): the run never ends.
      return new Promise<never>(() => undefined);
    });
    void runCli(['sweep', '--local', '--json'], ctx);
    await new Promise((resolve) => setImmediate(resolve));
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ ok: false, command: 'sweep', status: 'INTERRUPTED', error: { exitCode: 130 } });
    expect(io.stderr).toContain('emulator stopped (pid 7)');
    expect(io.stderr).toContain('amiwarden: interrupted: stopped the local compliance-sweep run [sweep] and the emulator; nothing runs on');
  });
});

it('keeps SWEEP_OUTPUT a report-mode output (the fixtures the exit codes read)', () => {
  expect(SWEEP_OUTPUT.mode).toBe('report');
});

describe("the README's first AWS example", () => {
  it('without a region for the stack says exactly what it needs: --stack-region (not --region)', async () => {
    const { ctx, io } = testContext();
    // What the SDK throws when no region is configured anywhere.
    ctx.clients = { ...ctx.clients, cloudFormation: () => ({ send: async () => Promise.reject(new Error('Region is missing')), config: { region: async () => Promise.reject(new Error('Region is missing')) } }) as never };
    expect(await runCli(['remediate-asg', '--account', '111111111111', '--region', 'us-east-1', '--asg', 'web', '--dry-run'], ctx)).toBe(1);
    expect(io.stderr).toEqual([
      "amiwarden: Reading the outputs of stack amiwarden-dev: no AWS region for the central stack: pass --stack-region REGION, the region it is deployed in (--region is the resource's own), or set AWS_REGION",
    ]);
  });
});
