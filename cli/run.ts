/**
 * remediate-asg, remediate-image, sweep: validate everything, start the workflow (deployed, or
 * --local on the emulator), follow it state by state, print the result.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { flag, parse, STACK_OPTIONS, stateMachineArn, str, type OptionSpec } from './args';
import { COMMON_HELP, helpText, STACK_HELP, type Command } from './command';
import type { CliContext, LocalExecutionResult } from './context';
import { aws, CliError, EXIT, UsageError } from './errors';
import { followExecution, printResult, progressPrinter, type ExecutionResult } from './execution';
import { style } from './output';
import { FORMAT_FIELD, printReportText, readReportAt, reportObject, type FetchedReport, type ReportFormat } from './report';
import { resolveStateMachine, stackTarget } from './stack';
import { printChildren } from './sweep-output';
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
  let input = spec.input(values, { local });
  const extras = spec.extras?.(values, { local }) ?? {};
  if (extras.report && noWait) throw new UsageError('--report cannot be used with --no-wait (the report exists once the sweep has ended)');
  const s = style(ctx.io.color);
  const onState = asJson ? () => undefined : progressPrinter(ctx.io, s);

  let result: ExecutionResult;
  let localResult: LocalExecutionResult | undefined;
  let report: FetchedReport | undefined;
  if (local) {
    for (const option of ['no-wait', 'state-machine-arn', 'stack', 'stack-region', 'profile']) {
      if (values[option] !== undefined) throw new UsageError(`--${option} cannot be used with --local`);
    }
    if (!asJson) ctx.io.out(s.bold(`${spec.command} (local): ${spec.workflow} ${JSON.stringify(input)}`));
    result = localResult = await ctx.local.run(spec.workflow, input, {
      onState,
      onNote: (text) => !asJson && ctx.io.out(s.dim(text)),
      verbose: flag(values, 'verbose'),
      onInterrupt: ctx.onInterrupt,
      ...(extras.report ? { report: extras.report } : {}),
    });
    input = localResult.input;
    report = localResult.report;
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
    if (extras.report && result.status === 'SUCCEEDED') {
      const url = reportUrl(result.output, extras.report);
      if (!url) throw new CliError(`the execution succeeded but its output names no ${extras.report} report: ${executionArn}`);
      const run = String((result.output as Record<string, unknown>).runId ?? executionArn.split(':').pop());
      report = await readReportAt(ctx.clients.s3({ ...target.client, region: sm.region }), url, extras.report, run);
    }
  }

  if (asJson) {
    const more = localResult ? { sandbox: localResult.sandbox, children: localResult.children } : {};
    const printed = report ? { report: { format: report.format, runId: report.runId, location: report.location, content: report.format === 'json' ? reportObject(report) : report.text } } : {};
    ctx.io.out(JSON.stringify({ command: spec.command, workflow: spec.workflow, local, input, ...result, ...more, ...printed }));
  } else {
    printResult(ctx.io, s, result, spec.printOutput);
    if (localResult?.children.length) printChildren(ctx.io, s, localResult.children);
    if (localResult?.sandbox.reportBucket && !report && result.status === 'SUCCEEDED') {
      ctx.io.out(s.dim(`  (the reports were in the emulator's bucket ${localResult.sandbox.reportBucket}, gone with it: add --report md|csv|json to print one)`));
    }
    if (report) {
      ctx.io.out('');
      ctx.io.out(s.dim(`${report.location}:`));
      printReportText(ctx.io, report);
    }
  }
  return result.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}

function reportUrl(output: unknown, format: ReportFormat): string | undefined {
  const reports = (output as { reports?: Record<string, unknown> } | undefined)?.reports;
  const url = reports?.[FORMAT_FIELD[format]];
  return typeof url === 'string' ? url : undefined;
}
