import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCli } from '../../../cli/main';
import { EXECUTION_ARN, growingHistory, launchFailureHistory, REMEDIATED_OUTPUT, STATE_MACHINE_ARN, testContext } from './support';

const sfn = mockClient(SFNClient);
const cfn = mockClient(CloudFormationClient);
const SWEEP_ARN = STATE_MACHINE_ARN.replace('launch-failure', 'compliance-sweep');

beforeEach(() => {
  sfn.reset();
  cfn.reset();
});

const item = (name: string, status: string, start: string, stop?: string, machine = STATE_MACHINE_ARN) => ({
  executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${name}`,
  stateMachineArn: machine,
  name,
  status: status as 'SUCCEEDED',
  startDate: new Date(start),
  ...(stop ? { stopDate: new Date(stop) } : {}),
});

describe('executions', () => {
  it('lists every deployed workflow, newest first, filtered by status', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'amiwarden-dev',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: 'LaunchFailureStateMachineArn', OutputValue: STATE_MACHINE_ARN },
            { OutputKey: 'ComplianceSweepStateMachineArn', OutputValue: SWEEP_ARN },
          ],
        },
      ],
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: STATE_MACHINE_ARN }).resolves({ executions: [item('a', 'FAILED', '2026-11-20T10:00:00Z', '2026-11-20T10:00:04Z')] });
    sfn.on(ListExecutionsCommand, { stateMachineArn: SWEEP_ARN }).resolves({ executions: [item('b', 'FAILED', '2026-11-20T11:00:00Z', '2026-11-20T11:02:30Z', SWEEP_ARN)] });
    const { ctx, io } = testContext();

    expect(await runCli(['executions', '--status', 'failed'], ctx)).toBe(0);

    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'FAILED', maxResults: 20 });
    expect(io.stdout[0]).toMatch(/^STARTED\s+WORKFLOW\s+STATUS\s+DURATION\s+EXECUTION$/);
    expect(io.stdout[1]).toMatch(/^2026-11-20 11:00:00Z\s+compliance-sweep\s+FAILED\s+2m30s\s+arn:.*:b$/);
    expect(io.stdout[2]).toMatch(/^2026-11-20 10:00:00Z\s+launch-failure\s+FAILED\s+4\.0s\s+arn:.*:a$/);
  });

  it('prints one JSON object with --json', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [item('a', 'RUNNING', '2026-11-20T10:00:00Z')] });
    const { ctx, io } = testContext();

    expect(await runCli(['executions', '--state-machine-arn', STATE_MACHINE_ARN, '--workflow', 'launch-failure', '--json'], ctx)).toBe(0);

    expect(cfn.calls()).toHaveLength(0);
    expect(JSON.parse(io.stdout.join(''))).toEqual({
      executions: [{ workflow: 'launch-failure', name: 'a', status: 'RUNNING', startDate: '2026-11-20T10:00:00.000Z', executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:a` }],
    });
  });

  it('says when the asked-for workflow is not deployed', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'amiwarden-dev', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }] });
    const { ctx, io } = testContext();

    expect(await runCli(['executions', '--workflow', 'compliance-sweep'], ctx)).toBe(1);
    expect(io.stderr).toEqual(['amiwarden: the compliance-sweep workflow is not deployed in this stack (amiwarden-dev has no ComplianceSweepStateMachineArn output)']);
  });
});

describe('show', () => {
  it('shows the input, each state with its timing and failed attempts, and the result', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION_ARN,
      stateMachineArn: STATE_MACHINE_ARN,
      name: '6b1e0a7c',
      status: 'SUCCEEDED',
      startDate: new Date('2026-11-20T10:00:00.000Z'),
      stopDate: new Date('2026-11-20T10:00:04.313Z'),
      input: '{"account":"111122223333","region":"eu-west-1","autoScalingGroupName":"web","dryRun":false}',
      output: JSON.stringify(REMEDIATED_OUTPUT),
    });
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory(launchFailureHistory(), { step: 100, pageSize: 7, progress: () => 0 }));
    const { ctx, io } = testContext();

    expect(await runCli(['show', EXECUTION_ARN], ctx)).toBe(0);

    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(3); // 19 events, pages of 7
    const text = io.text();
    expect(text).toContain('input  {"account":"111122223333"');
    expect(text).toMatch(/\+1\.2s\s+Grant key access in member account\s+3\.1s\s+1 \(TransientAwsError\)/);
    expect(text).toMatch(/SUCCEEDED in 4\.3s/);
    // What it did, per target with its ids, not the output field by field.
    expect(text).toContain('[111122223333 eu-west-1 web]  remediated (missing-grant)');
    expect(text).toContain('+ created grant 4caeb5b67f6256 for AWSServiceRoleForAutoScaling');
    expect(io.stdout[io.stdout.length - 1]).toBe('Result: 1 created, 0 changed, 0 left as they were.');
  });

  it('reads the execution in its own region', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION_ARN, stateMachineArn: STATE_MACHINE_ARN, status: 'RUNNING', startDate: new Date() });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const { ctx, io } = testContext();

    expect(await runCli(['show', EXECUTION_ARN, '--json'], ctx)).toBe(0);

    expect(await sfn.call(0).thisValue.config.region()).toBe('eu-west-1');
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ executionArn: EXECUTION_ARN, status: 'RUNNING', states: [] });
  });
});
