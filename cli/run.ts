/**
 * remediate-asg, remediate-image, sweep: validate everything, start the workflow (deployed, or
 * --local on the emulator), follow it state by state, print the result.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { flag, parse, STACK_OPTIONS, stateMachineArn, str, type OptionSpec } from './args';
import { COMMON_HELP, helpText, STACK_HELP, type Command } from './command';
import type { CliContext } from './context';
import { aws, EXIT, UsageError } from './errors';
import { followExecution, printResult, progressPrinter, type ExecutionResult } from './execution';
import { style } from './output';
import { resolveStateMachine, stackTarget } from './stack';
import type { WorkflowCommand } from './workflows';

const RUN_OPTIONS = {
  ...STACK_OPTIONS,
  'state-machine-arn': { type: 'string' },
  'no-wait': { type: 'boolean' },
  local: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const satisfies OptionSpec;

export function workflowCommand(spec: WorkflowCommand): Command {
  const command: Command = {
    name: spec.command,
    summary: spec.summary,
    usage: `amiwarden ${spec.command} [options]`,
    options: [
      ...spec.help,
      ['--no-wait', 'print the execution ARN at once instead of following it'],
      ['--local', 'run on the local emulator (sandbox organization) instead of AWS'],
      ['--verbose', 'with --local: also the handlers\' logs'],
      ['--state-machine-arn ARN', `the state machine (default: the stack output ${spec.outputKey})`],
      ...STACK_HELP,
      ...COMMON_HELP,
    ],
    examples: spec.examples,
    run: (argv, ctx) => runWorkflowCommand(spec, command, argv, ctx),
  };
  return command;
}

async function runWorkflowCommand(spec: WorkflowCommand, command: Command, argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { ...spec.options, ...RUN_OPTIONS });
  if (flag(values, 'help')) {
    helpText(command).forEach((l) => ctx.io.out(l));
    return EXIT.ok;
  }
  const local = flag(values, 'local');
  const asJson = flag(values, 'json');
  const noWait = flag(values, 'no-wait');
  // Everything is checked before anything starts.
  const input = spec.input(values, { local });
  const s = style(ctx.io.color);
  const onState = asJson ? () => undefined : progressPrinter(ctx.io, s);

  let result: ExecutionResult;
  if (local) {
    for (const option of ['no-wait', 'state-machine-arn', 'stack', 'stack-region', 'profile']) {
      if (values[option] !== undefined) throw new UsageError(`--${option} cannot be used with --local`);
    }
    if (!asJson) ctx.io.out(s.bold(`${spec.command} (local): ${spec.workflow} ${JSON.stringify(input)}`));
    result = await ctx.local.run(spec.workflow, input, {
      onState,
      onNote: (text) => !asJson && ctx.io.out(s.dim(text)),
      verbose: flag(values, 'verbose'),
      onInterrupt: ctx.onInterrupt,
    });
  } else {
    const explicit = str(values, 'state-machine-arn');
    const machine = explicit !== undefined ? stateMachineArn('state-machine-arn', explicit) : undefined;
    const target = stackTarget(values, ctx);

    const sm = await resolveStateMachine(spec, target, machine, ctx);
    const sfn = ctx.clients.sfn({ ...target.client, region: sm.region });
    const started = await aws(`Starting ${sm.name}`, () => sfn.send(new StartExecutionCommand({ stateMachineArn: sm.arn, input: JSON.stringify(input) })));
    const executionArn = started.executionArn!;
    if (noWait) {
      if (asJson) {
        ctx.io.out(JSON.stringify({ command: spec.command, workflow: spec.workflow, stateMachineArn: sm.arn, executionArn, startDate: started.startDate, input }));
      } else ctx.io.out(executionArn);
      return EXIT.ok;
    }
    if (!asJson) {
      ctx.io.out(`${s.bold('Started')} ${sm.name} ${s.dim(executionArn)}`);
    }
    const stopFollowing = ctx.onInterrupt(() => ctx.io.err(`stopped following; the execution goes on: amiwarden show ${executionArn}`));
    try {
      result = await followExecution(sfn, executionArn, { onState, sleep: ctx.sleep, pollIntervalMs: ctx.pollIntervalMs, now: ctx.now });
    } finally {
      stopFollowing();
    }
  }

  if (asJson) ctx.io.out(JSON.stringify({ command: spec.command, workflow: spec.workflow, local, input, ...result }));
  else printResult(ctx.io, s, result);
  return result.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}
