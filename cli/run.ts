/**
 * remediate-asg, remediate-image, sweep: validate everything, start the workflow (deployed, or
 * --local on the emulator), follow it state by state, print the result.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { flag, jsonOutput, parse, STACK_OPTIONS, stateMachineArn, str, type OptionSpec } from './args';
import { COMMON_HELP, helpText, LOCAL_HELP, STACK_HELP, type Command } from './command';
import type { ChildExecution, CliContext, LocalExecutionResult } from './context';
import { aws, CliError, EXIT, UsageError } from './errors';
import { followExecution, printResult, progressPrinter, type ExecutionResult } from './execution';
import { seconds, style, type Output, type Style } from './output';
import { followStarted, readStartedRemediations, remediationResultsIn, type RemediationResults, type StartedRemediation } from './sweep-remediations';
import { countLine, noCounts, outcomeOf, printChildrenTable, printPlanOrResult, type Counts, type PrintContext } from './plan';
import { readSweepResults, type SweepResults } from './sweep-results';
import { localDir, saveExecution } from './local-store';
import { executionTarget } from './targets';
import { FORMAT_FIELD, printReportText, readReportAt, reportObject, type FetchedReport, type ReportFormat } from './report';
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
      LOCAL_HELP[1]!,
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
  const { values } = parse(argv, { ...spec.options, ...RUN_OPTIONS }, 0, command);
  if (flag(values, 'help')) {
    helpText(command).forEach((l) => ctx.io.out(l));
    return EXIT.ok;
  }
  const local = flag(values, 'local');
  const asJson = jsonOutput(values);
  const noWait = flag(values, 'no-wait');
  // Everything is checked before anything starts.
  let input = spec.input(values, { local });
  const extras = spec.extras?.(values, { local }) ?? {};
  if (extras.report && noWait) throw new UsageError('--report cannot be used with --no-wait (the report exists once the sweep has ended)');
  if (local) {
    for (const option of ['no-wait', 'state-machine-arn', 'stack', 'stack-region', 'profile']) {
      if (values[option] !== undefined) throw new UsageError(`--${option} cannot be used with --local`);
    }
  } else if (values['local-dir'] !== undefined) throw new UsageError('--local-dir is for --local');
  const dir = local ? localDir(str(values, 'local-dir'), ctx.env) : undefined;
  const s = style(ctx.io.color);
  // Progress and notes are for people, on stderr; stdout carries only the result (one JSON object with --json).
  const e = style(ctx.io.errColor ?? ctx.io.color);
  const onState = progressPrinter(ctx.io, e);
  const note = (text: string) => ctx.io.err(e.dim(text));
  const target = executionTarget(spec.workflow, input);

  let result: ExecutionResult;
  let localResult: LocalExecutionResult | undefined;
  let report: FetchedReport | undefined;
  let sweepResults: SweepResults | undefined;
  let executionArn: string | undefined;
  let deployedChildren: ChildExecution[] | undefined;
  let stopInterrupt: () => void = () => undefined;
  const interrupted = (what: string) => {
    ctx.io.err(`amiwarden: interrupted: ${what}`);
    if (asJson) ctx.io.out(JSON.stringify({ ok: false, command: spec.command, workflow: spec.workflow, local, input, status: 'INTERRUPTED', ...(executionArn ? { executionArn } : {}), error: { message: `interrupted: ${what}`, exitCode: EXIT.interrupted } }));
  };
  try {
    if (local) {
      note(`${spec.command} (local) [${target}]: ${spec.workflow} ${JSON.stringify(input)}`);
      stopInterrupt = ctx.onInterrupt(() => interrupted(`stopped the local ${spec.workflow} run [${target}] and the emulator; nothing runs on`));
      result = localResult = await ctx.local.run(spec.workflow, input, {
        onState,
        onNote: note,
        verbose: flag(values, 'verbose'),
        onInterrupt: ctx.onInterrupt,
        ...(extras.report ? { report: extras.report } : {}),
        ...(dir !== undefined ? { localDir: dir } : {}),
      });
      input = localResult.input;
      report = localResult.report;
      sweepResults = localResult.sweepResults;
      executionArn = localResult.executionArn;
      await keepLocalRecord(dir!, spec, localResult, ctx.now());
    } else {
      const explicit = str(values, 'state-machine-arn');
      const machine = explicit !== undefined ? stateMachineArn('state-machine-arn', explicit) : undefined;
      const stack = stackTarget(values, ctx);

      const sm = await resolveStateMachine(spec, stack, machine, ctx);
      const sfn = ctx.clients.sfn({ ...stack.client, region: sm.region });
      const started = await aws(`Starting ${sm.name}`, () => sfn.send(new StartExecutionCommand({ stateMachineArn: sm.arn, input: JSON.stringify(input) })));
      executionArn = started.executionArn!;
      if (noWait) {
        if (asJson) {
          ctx.io.out(JSON.stringify({ command: spec.command, workflow: spec.workflow, stateMachineArn: sm.arn, executionArn, startDate: started.startDate, input }));
        } else ctx.io.out(executionArn);
        return EXIT.ok;
      }
      ctx.io.err(`${e.bold('Started')} ${sm.name} ${e.cyan(`[${target}]`)} ${e.dim(executionArn)}`);
      const arn = executionArn;
      let followingChildren = false;
      stopInterrupt = ctx.onInterrupt(() =>
        interrupted(followingChildren ? `stopped following the remediations ${arn} started; they go on: amiwarden executions` : `stopped following ${arn}; the execution goes on: amiwarden show ${arn}`),
      );
      let remediationResults: RemediationResults | undefined;
      const onStateOutput = (_state: string, output: unknown) => {
        remediationResults = remediationResultsIn(output) ?? remediationResults;
      };
      result = await followExecution(sfn, executionArn, { onState, sleep: ctx.sleep, pollIntervalMs: ctx.pollIntervalMs, now: ctx.now, target, ...(spec.workflow === 'compliance-sweep' ? { onStateOutput } : {}) });
      const s3 = () => ctx.clients.s3({ ...stack.client, region: sm.region });
      const runOf = () => String((result.output as Record<string, unknown>).runId ?? arn.split(':').pop());
      if (extras.report && result.status === 'SUCCEEDED') {
        const url = reportUrl(result.output, extras.report);
        if (!url) throw new CliError(`the execution succeeded but its output names no ${extras.report} report: ${executionArn}`);
        report = await readReportAt(s3(), url, extras.report, runOf());
      }
      if (spec.workflow === 'compliance-sweep' && result.status === 'SUCCEEDED') {
        try {
          sweepResults = await readSweepResults(result.output, (url, run) => readReportAt(s3(), url, 'json', run || runOf()));
        } catch (error) {
          note(`(the findings could not be read for the plan: ${(error as Error).message})`);
        }
        if (remediationResults) {
          // The remediations it started (states:startExecution, not waited for): their ARNs from the map run's results, then each followed until it ends.
          let started: StartedRemediation[] | undefined;
          try {
            started = await readStartedRemediations(s3(), remediationResults);
          } catch (error) {
            // The sweep itself succeeded: say what could not be read, and where to look instead.
            note(`(the remediations it started could not be read: ${(error as Error).message}; \`amiwarden executions\` lists them)`);
          }
          if (started) {
            note(`following the ${started.length} remediation(s) the sweep started`);
            followingChildren = true;
            deployedChildren = await followStarted(sfn, started, {
              sleep: ctx.sleep,
              pollIntervalMs: ctx.pollIntervalMs,
              onEnd: (c) => {
                const took = e.dim(`  ${seconds(c.durationMs)}`);
                const mark = c.status === 'SUCCEEDED' ? e.green('✓') : e.red('✗');
                ctx.io.err(`${e.cyan(`[${executionTarget(c.workflow, c.input ?? c.output)}]`)}  ${mark} ${c.workflow} ${c.status}${c.error ? `: ${c.error.name}` : ''}${took}  ${e.dim(c.executionArn)}`);
              },
            });
          }
        }
      }
    }
  } finally {
    stopInterrupt();
  }

  const plan = isPlan(spec.workflow, input, result.output);
  const children = localResult?.children ?? deployedChildren ?? [];
  if (asJson) {
    // The counts and the exit code come from the same reading as for people.
    const counts = printPlanOrResult(nullOutput, s, spec.workflow, (result.output ?? {}) as Record<string, unknown>, { plan, ...(sweepResults ? { sweepResults } : {}), children });
    const exitCode = exitCodeFor(spec.workflow, result, counts, children, sweepResults, plan);
    const more = localResult ? { sandbox: localResult.sandbox, children, ...(localResult.savedReports ? { savedReports: localResult.savedReports } : {}) } : deployedChildren ? { children } : {};
    const printed = report ? { report: { format: report.format, runId: report.runId, location: report.location, content: report.format === 'json' ? reportObject(report) : report.text } } : {};
    ctx.io.out(JSON.stringify({ command: spec.command, workflow: spec.workflow, local, input, ...result, ...more, ...printed, counts, plan, exitCode }));
    return exitCode;
  }
  if (report) {
    // `--report md|csv|json > f`: the report alone on stdout (the data asked for); the summary, the plan and the count line go to stderr.
    const err = { out: (l: string) => ctx.io.err(l), err: (l: string) => ctx.io.err(l), color: ctx.io.errColor ?? false };
    const counts = printSummary(err, e, spec, result, { plan, ...(sweepResults ? { sweepResults } : {}), children }, localResult);
    printReportText(ctx.io, report);
    return exitCodeFor(spec.workflow, result, counts, children, sweepResults, plan);
  }
  const counts = printSummary(ctx.io, s, spec, result, { plan, ...(sweepResults ? { sweepResults } : {}), children }, localResult);
  return exitCodeFor(spec.workflow, result, counts, children, sweepResults, plan);
}

const nullOutput: Output = { out: () => undefined, err: () => undefined, color: false };

/** The record `executions --local` and `show --local` read (cli/local-store.ts). */
async function keepLocalRecord(dir: string, spec: WorkflowCommand, r: LocalExecutionResult, stoppedAt: number): Promise<void> {
  const { report: _report, sweepResults: _results, ...kept } = r;
  await saveExecution(dir, {
    ...kept,
    workflow: spec.workflow,
    name: r.executionArn.split(':').pop()!,
    startDate: new Date(stoppedAt - (r.durationMs ?? 0)).toISOString(),
    stopDate: new Date(stoppedAt).toISOString(),
  });
}

function isPlan(workflow: string, input: Record<string, unknown>, output: unknown): boolean {
  const o = (output ?? {}) as Record<string, unknown>;
  if (input.dryRun === true || o.dryRun === true || o.status === 'planned') return true;
  return workflow === 'compliance-sweep' && o.mode !== 'enforce';
}

/** Status line, the workflow's summary (sweep), its plan or result per target, the children, the count line. */
function printSummary(io: Output, s: Style, spec: WorkflowCommand, result: ExecutionResult, pc: PrintContext, localResult: LocalExecutionResult | undefined): Counts {
  // Not the output field by field: the plan or result below reads it.
  printResult(io, s, result, spec.printOutput ?? (() => undefined));
  let counts = noCounts();
  const unread = spec.workflow === 'compliance-sweep' && !pc.sweepResults;
  if (result.status === 'SUCCEEDED' && result.output && typeof result.output === 'object' && !unread) {
    io.out('');
    io.out(s.bold(pc.plan ? 'Plan (nothing was changed):' : 'What it did:'));
    counts = printPlanOrResult(io, s, spec.workflow, result.output as Record<string, unknown>, pc);
  }
  if (pc.children?.length) {
    io.out('');
    io.out(s.bold(`Remediations (${pc.children.length}, ${localResult ? 'run to completion in this process' : 'followed until each ended'})`));
    printChildrenTable(io, s, pc.children);
  }
  if (localResult?.savedReports) io.out(s.dim(`reports: ${localResult.savedReports.md}, .csv, .json (amiwarden report --local)`));
  if (result.status === 'SUCCEEDED') {
    io.out('');
    if (unread) {
      // The findings could not be read: the counts the sweep's output gives.
      const o = result.output as { summary?: { findings?: number }; remediationsStarted?: number } | undefined;
      io.out(s.bold(`${pc.plan ? 'Plan' : 'Result'}: ${o?.summary?.findings ?? '?'} finding(s), ${o?.remediationsStarted ?? 0} remediation(s) started.`));
    } else {
      const mode = (result.output as { mode?: unknown } | undefined)?.mode;
      io.out(s.bold(countLine(counts, pc.plan, spec.workflow === 'compliance-sweep' ? { enforce: mode === 'enforce' } : undefined)));
    }
  }
  return counts;
}

function exitCodeFor(workflow: string, result: ExecutionResult, counts: Counts, children: ChildExecution[], sweepResults: SweepResults | undefined, plan: boolean): number {
  const code = outcomeOf(result, counts, children);
  if (code !== EXIT.ok || workflow !== 'compliance-sweep' || result.status !== 'SUCCEEDED') return code;
  // A sweep that only found (report mode, or a dry run) leaves every finding to a person or to an enforce run.
  const findings = sweepResults?.findings.length ?? Number(((result.output as Record<string, unknown>)?.summary as { findings?: number } | undefined)?.findings ?? 0);
  return plan && findings > 0 ? EXIT.attention : EXIT.ok;
}

function reportUrl(output: unknown, format: ReportFormat): string | undefined {
  const reports = (output as { reports?: Record<string, unknown> } | undefined)?.reports;
  const url = reports?.[FORMAT_FIELD[format]];
  return typeof url === 'string' ? url : undefined;
}
