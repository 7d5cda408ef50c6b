import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCli } from '../../../cli/main';
import { EXECUTION_ARN, growingHistory, launchFailureHistory, REMEDIATED_OUTPUT, STATE_MACHINE_ARN, testContext } from './support';

const sfn = mockClient(SFNClient);
const cfn = mockClient(CloudFormationClient);

const ASG = ['--account', '111122223333', '--region', 'eu-west-1', '--asg', 'web'];
const STARTED = { executionArn: EXECUTION_ARN, startDate: new Date('2026-11-20T10:00:00Z') };

function stackWith(outputs: Record<string, string>) {
  return {
    Stacks: [
      {
        StackName: 'amiwarden-prod',
        StackStatus: 'UPDATE_COMPLETE' as const,
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue, Description: OutputKey })),
      },
    ],
  };
}

beforeEach(() => {
  sfn.reset();
  cfn.reset();
});

describe('remediate-asg against AWS', () => {
  it('starts the state machine named by the stack output with the manual input', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand, { StackName: 'amiwarden-prod' }).resolves(stackWith({ LaunchFailureStateMachineArn: STATE_MACHINE_ARN, EventBusArn: 'x' }));
    sfn.on(StartExecutionCommand).resolves(STARTED);
    const { ctx, io } = testContext();

    // Act
    const code = await runCli(['remediate-asg', ...ASG, '--dry-run', '--stack', 'amiwarden-prod', '--no-wait'], ctx);

    // Assess
    expect(code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input).toEqual({ account: '111122223333', region: 'eu-west-1', autoScalingGroupName: 'web', dryRun: true });
    expect(io.stdout).toEqual([EXECUTION_ARN]);
    expect(sfn).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
  });

  it('uses --state-machine-arn without reading the stack, and calls Step Functions in its region', async () => {
    sfn.on(StartExecutionCommand).resolves(STARTED);
    const { ctx } = testContext();

    expect(await runCli(['remediate-asg', ...ASG, '--state-machine-arn', STATE_MACHINE_ARN, '--no-wait'], ctx)).toBe(0);

    expect(cfn.calls()).toHaveLength(0);
    expect(await sfn.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  it('follows the execution state by state, with elapsed times, retries and the result', async () => {
    sfn.on(StartExecutionCommand).resolves(STARTED);
    let polls = 0;
    const { ctx, io, sleeps } = testContext({ sleep: async () => void (polls += 1) });
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(launchFailureHistory(), { step: 5, pageSize: 3, progress: () => polls }));

    const code = await runCli(['remediate-asg', ...ASG, '--state-machine-arn', STATE_MACHINE_ARN], ctx);

    expect(code).toBe(0);
    expect(sleeps).toEqual([]); // the custom sleep counted instead
    expect(polls).toBe(3); // 19 events, 5 more per poll: seen whole on the 4th read
    const lines = io.stdout.join('\n');
    expect(io.stderr[0]).toBe(`Started amiwarden-launch-failure-prod [111122223333 eu-west-1 web] ${EXECUTION_ARN}`);
    // Every state entered and exited once, in order, on stderr, labelled with its target, with its
    // elapsed time from the start and, once finished, how long it took.
    const progress = io.stderr.slice(1).map((l) => l.replace(/\s+/g, ' ').trim());
    expect(progress).toEqual([
      '+ 0.0s [111122223333 eu-west-1 web] → Diagnose launch failure',
      '+ 1.2s [111122223333 eu-west-1 web] ✓ Diagnose launch failure 1.2s',
      '+ 1.2s [111122223333 eu-west-1 web] → What caused the launch failure?',
      '+ 1.2s [111122223333 eu-west-1 web] ✓ What caused the launch failure? 0.0s',
      '+ 1.2s [111122223333 eu-west-1 web] → Grant key access in member account',
      '+ 1.9s [111122223333 eu-west-1 web] ✗ Grant key access in member account: TransientAwsError 0.7s',
      '+ 3.9s [111122223333 eu-west-1 web] ↻ Grant key access in member account: retrying',
      '+ 4.3s [111122223333 eu-west-1 web] ✓ Grant key access in member account 3.1s',
      '+ 4.3s [111122223333 eu-west-1 web] → Record remediation',
      '+ 4.3s [111122223333 eu-west-1 web] ✓ Record remediation 0.0s',
    ]);
    // stdout: the result only, what it did with every id, and the count line.
    expect(io.stdout.some((l) => /^\+\s*\d/.test(l))).toBe(false);
    expect(lines).toMatch(/SUCCEEDED in 4\.3s/);
    expect(lines).toContain('[111122223333 eu-west-1 web]  remediated (missing-grant)');
    expect(lines).toContain('+ created grant 4caeb5b67f6256 for AWSServiceRoleForAutoScaling');
    expect(io.stdout[io.stdout.length - 1]).toBe('Result: 1 created, 0 changed, 0 left as they were.');
    // Each poll asked only for what it had not seen: newest first, two pages of 3, stopping at known events.
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(8);
    for (const call of sfn.commandCalls(GetExecutionHistoryCommand)) expect(call.args[0].input).toMatchObject({ executionArn: EXECUTION_ARN, reverseOrder: true });
  });

  it('prints one JSON object with the result and each state for --json', async () => {
    sfn.on(StartExecutionCommand).resolves(STARTED);
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(launchFailureHistory(), { step: 100, pageSize: 100, progress: () => 0 }));
    const { ctx, io } = testContext();

    expect(await runCli(['remediate-asg', ...ASG, '--state-machine-arn', STATE_MACHINE_ARN, '--json'], ctx)).toBe(0);

    expect(io.stdout).toHaveLength(1);
    const result = JSON.parse(io.stdout[0]!);
    expect(result).toEqual({
      command: 'remediate-asg',
      workflow: 'launch-failure',
      local: false,
      input: { account: '111122223333', region: 'eu-west-1', autoScalingGroupName: 'web', dryRun: false },
      executionArn: EXECUTION_ARN,
      status: 'SUCCEEDED',
      output: REMEDIATED_OUTPUT,
      durationMs: 4313,
      counts: { create: 1, change: 0, leave: 0, attention: 0 },
      plan: false,
      exitCode: 0,
      states: [
        { name: 'Diagnose launch failure', startedAtMs: 30, durationMs: 1180, failedAttempts: 0 },
        { name: 'What caused the launch failure?', startedAtMs: 1211, durationMs: 1, failedAttempts: 0 },
        { name: 'Grant key access in member account', startedAtMs: 1213, durationMs: 3097, failedAttempts: 1, lastError: 'TransientAwsError' },
        { name: 'Record remediation', startedAtMs: 4311, durationMs: 1, failedAttempts: 0 },
      ],
    });
  });

  it('exits 1 and shows the error when the execution fails', async () => {
    sfn.on(StartExecutionCommand).resolves(STARTED);
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(launchFailureHistory('failed'), { step: 100, pageSize: 100, progress: () => 0 }));
    const { ctx, io } = testContext();

    expect(await runCli(['remediate-asg', ...ASG, '--state-machine-arn', STATE_MACHINE_ARN], ctx)).toBe(1);

    expect(io.text()).toMatch(/FAILED in 4\.4s/);
    expect(io.text()).toContain('AwsCallError: CreateGrant failed: AccessDeniedException: not authorized');
    expect(io.stderr.join('\n')).toContain('→ Launch-failure remediation failed');
  });

  it('--no-wait --json prints the execution ARN in one object', async () => {
    sfn.on(StartExecutionCommand).resolves(STARTED);
    const { ctx, io } = testContext();

    expect(await runCli(['remediate-asg', ...ASG, '--state-machine-arn', STATE_MACHINE_ARN, '--no-wait', '--json'], ctx)).toBe(0);

    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ command: 'remediate-asg', executionArn: EXECUTION_ARN, stateMachineArn: STATE_MACHINE_ARN });
  });
});

describe('workflows not deployed and AWS errors', () => {
  it('says in one line that remediate-image is not deployed when the stack has no output for it', async () => {
    cfn.on(DescribeStacksCommand).resolves(stackWith({ LaunchFailureStateMachineArn: STATE_MACHINE_ARN }));
    const { ctx, io } = testContext();

    expect(await runCli(['remediate-image', '--image', 'ami-0123456789abcdef0', '--region', 'us-east-1', '--stack', 'amiwarden-prod'], ctx)).toBe(1);

    expect(io.stderr).toEqual(['amiwarden: the reencrypt-and-share workflow is not deployed in this stack (amiwarden-prod has no ReencryptAndShareStateMachineArn output)']);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('starts the sweep with its mode and scope', async () => {
    cfn.on(DescribeStacksCommand).resolves(stackWith({ ComplianceSweepStateMachineArn: STATE_MACHINE_ARN.replace('launch-failure', 'compliance-sweep') }));
    sfn.on(StartExecutionCommand).resolves(STARTED);
    const { ctx } = testContext({ env: { AMIWARDEN_STACK: 'amiwarden-prod' } });

    expect(await runCli(['sweep', '--mode', 'enforce', '--accounts', '111122223333,444455556666', '--regions', 'us-east-1', '--no-wait'], ctx)).toBe(0);

    expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'amiwarden-prod' });
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({
      mode: 'enforce',
      accounts: ['111122223333', '444455556666'],
      regions: ['us-east-1'],
    });
  });

  it('starts a dry-run sweep: it finds and plans, and starts no remediation', async () => {
    cfn.on(DescribeStacksCommand).resolves(stackWith({ ComplianceSweepStateMachineArn: STATE_MACHINE_ARN.replace('launch-failure', 'compliance-sweep') }));
    sfn.on(StartExecutionCommand).resolves(STARTED);
    const { ctx } = testContext({ env: { AMIWARDEN_STACK: 'amiwarden-prod' } });

    expect(await runCli(['sweep', '--mode', 'enforce', '--dry-run', '--no-wait'], ctx)).toBe(0);

    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({ mode: 'enforce', dryRun: true });
  });

  it.each([
    ['a missing state machine', new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${STATE_MACHINE_ARN}'`, $metadata: {} }), /the state machine does not exist/],
    ['access denied', Object.assign(new Error('User: arn:aws:sts::999999999999:assumed-role/dev/me is not authorized to perform: states:StartExecution'), { name: 'AccessDeniedException' }), /access denied: User: .* states:StartExecution/],
    ['no credentials', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), /no AWS credentials found/],
    ['expired credentials', Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }), /credentials have expired/],
  ])('turns %s into one line and exit 1', async (_what, error, message) => {
    sfn.on(StartExecutionCommand).rejects(error);
    const { ctx, io } = testContext();

    expect(await runCli(['remediate-asg', ...ASG, '--state-machine-arn', STATE_MACHINE_ARN], ctx)).toBe(1);

    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(/^amiwarden: Starting amiwarden-launch-failure-prod: /);
    expect(io.stderr[0]).toMatch(message);
    expect(io.stderr[0]).not.toContain('\n');
  });

  it('says which stack does not exist', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id amiwarden-prod does not exist'), { name: 'ValidationError' }));
    const { ctx, io } = testContext();

    expect(await runCli(['remediate-asg', ...ASG, '--stack', 'amiwarden-prod', '--stack-region', 'eu-west-1'], ctx)).toBe(1);

    expect(io.stderr).toEqual(['amiwarden: stack amiwarden-prod does not exist in eu-west-1 (pass --stack and --stack-region, or --state-machine-arn)']);
  });
});

describe('remediate-asg --local', () => {
  it('runs the workflow in-process with the sandbox defaults and prints the same progress', async () => {
    const { ctx, io } = testContext();
    ctx.local.run = jest.fn(async (_workflow, _input, options) => {
      options.onNote('emulator listening on http://127.0.0.1:5000 (pid 4242)');
      options.onState({ type: 'entered', state: 'Diagnose launch failure', elapsedMs: 2, target: '111111111111 us-east-1 web' });
      options.onState({ type: 'exited', state: 'Diagnose launch failure', elapsedMs: 310, target: '111111111111 us-east-1 web' });
      options.onNote('emulator stopped (pid 4242)');
      return { executionArn: 'arn:aws:states:us-east-1:000000000000:execution:amiwarden-launch-failure:local-1', status: 'SUCCEEDED' as const, output: REMEDIATED_OUTPUT, durationMs: 320, states: [], input: _input, sandbox: { planted: [] }, children: [] };
    });

    expect(await runCli(['remediate-asg', '--local'], ctx)).toBe(0);

    expect(ctx.local.run).toHaveBeenCalledWith(
      'launch-failure',
      { account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web', dryRun: false },
      expect.objectContaining({ verbose: false }),
    );
    const progress = io.stderr.join('\n');
    expect(progress).toMatch(/\+\s+0\.0s\s+\[111111111111 us-east-1 web\]\s+→ Diagnose launch failure/);
    expect(progress).toMatch(/\+\s+0\.3s\s+\[111111111111 us-east-1 web\]\s+✓ Diagnose launch failure\s+0\.3s/);
    expect(progress).toContain('emulator stopped (pid 4242)');
    expect(io.text()).toContain('remediated (missing-grant)');
    expect(io.text()).not.toContain('emulator');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('passes the second sandbox group through', async () => {
    const { ctx } = testContext();
    ctx.local.run = jest.fn(async () => ({ executionArn: 'local', status: 'FAILED' as const, error: { name: 'AwsCallError', cause: 'x' }, states: [], input: {}, sandbox: { planted: [] }, children: [] }));

    expect(await runCli(['remediate-asg', '--local', '--account', '222222222222', '--asg', 'batch', '--json'], ctx)).toBe(1);

    expect(ctx.local.run).toHaveBeenCalledWith('launch-failure', { account: '222222222222', region: 'us-east-1', autoScalingGroupName: 'batch', dryRun: false }, expect.anything());
  });
});
