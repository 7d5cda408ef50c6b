/** executions: the recent executions of the deployed workflows; show: one execution, state by state. */
import { ListExecutionsCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { executionArn, flag, jsonOutput, oneOf, parse, positiveInt, profileName, STACK_OPTIONS, stateMachineArn, str, type Values } from './args';
import { COMMON_HELP, helpText, LOCAL_HELP, STACK_HELP, type Command } from './command';
import { listExecutions, localDir, readExecutionRecord } from './local-store';
import { countLine, printPlanOrResult } from './plan';
import { printSweepOutput } from './sweep-output';
import type { CliContext } from './context';
import { aws, CliError, EXIT, UsageError } from './errors';
import { printResult, readExecution, statusColour } from './execution';
import { seconds, style, table } from './output';
import { resolveStateMachine, stackOutputs, stackTarget } from './stack';
import { WORKFLOW_COMMANDS, workflowByName, type WorkflowCommand } from './workflows';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

export const executionsCommand: Command = {
  name: 'executions',
  summary: 'list recent executions of the deployed workflows, newest first',
  usage: 'amiwarden executions [options]',
  options: [
    ['--workflow NAME', `only this workflow (${WORKFLOW_COMMANDS.map((w) => w.workflow).join(', ')}); default: every deployed one`],
    ['--status STATUS', `only executions in this status (${STATUSES.join(', ')})`],
    ['--max N', 'at most N executions (default 20, up to 1000)'],
    ['--state-machine-arn ARN', 'list this state machine instead of the stack\'s'],
    ...STACK_HELP,
    ...LOCAL_HELP,
    ...COMMON_HELP,
  ],
  examples: ['amiwarden executions --stack amiwarden-prod --status FAILED', 'amiwarden executions --workflow launch-failure --max 5 --json', 'amiwarden executions --local'],
  async run(argv, ctx) {
    const { values } = parse(argv, { ...STACK_OPTIONS, workflow: { type: 'string' }, status: { type: 'string' }, max: { type: 'string' }, 'state-machine-arn': { type: 'string' } }, 0, this);
    if (flag(values, 'help')) return help(this, ctx);
    const asJson = jsonOutput(values);
    const workflow = str(values, 'workflow') !== undefined ? workflowByName(str(values, 'workflow')!) : undefined;
    const status = str(values, 'status') !== undefined ? oneOf('status', str(values, 'status')!.toUpperCase(), STATUSES) : undefined;
    const max = str(values, 'max') !== undefined ? positiveInt('max', str(values, 'max'), 1000) : 20;
    const local = localOption(values, ctx, ['stack', 'stack-region', 'profile', 'state-machine-arn']);
    if (local !== undefined) {
      const records = (await listExecutions(local)).filter((r) => (!workflow || r.workflow === workflow.workflow) && (!status || r.status === status));
      return printExecutions(ctx, asJson, status, records.slice(0, max).map((r) => ({ workflow: r.workflow, name: r.name, status: r.status, startDate: r.startDate, stopDate: r.stopDate, executionArn: r.executionArn })));
    }
    const explicit = str(values, 'state-machine-arn') !== undefined ? stateMachineArn('state-machine-arn', str(values, 'state-machine-arn')) : undefined;
    const target = stackTarget(values, ctx);

    const machines: { workflow: string; arn: string; region: string }[] = [];
    if (explicit) machines.push({ workflow: workflow?.workflow ?? explicit.name, arn: explicit.arn, region: explicit.region });
    else {
      const outputs = await stackOutputs(ctx.clients.cloudFormation(target.client), target.stack);
      const wanted: WorkflowCommand[] = workflow ? [workflow] : WORKFLOW_COMMANDS.filter((w) => outputs[w.outputKey]);
      if (wanted.length === 0) throw new CliError(`no amiwarden workflow is deployed in stack ${target.stack}`);
      for (const w of wanted) {
        const sm = await resolveStateMachine(w, target, undefined, ctx, outputs);
        machines.push({ workflow: w.workflow, arn: sm.arn, region: sm.region });
      }
    }

    const rows: (ExecutionListItem & { workflow: string })[] = [];
    for (const m of machines) {
      const sfn = ctx.clients.sfn({ ...target.client, region: m.region });
      const listed = await aws(`Listing executions of ${m.arn.split(':').pop()}`, () =>
        sfn.send(new ListExecutionsCommand({ stateMachineArn: m.arn, maxResults: max, ...(status ? { statusFilter: status } : {}) })),
      );
      rows.push(...(listed.executions ?? []).map((e) => ({ ...e, workflow: m.workflow })));
    }
    rows.sort((a, b) => time(b.startDate) - time(a.startDate));
    const shown = rows.slice(0, max);

    return printExecutions(
      ctx,
      asJson,
      status,
      shown.map((e) => ({ workflow: e.workflow, name: e.name, status: e.status, startDate: iso(e.startDate), stopDate: iso(e.stopDate), executionArn: e.executionArn })),
    );
  },
};

interface ListedExecution {
  workflow: string;
  name?: string;
  status?: string;
  startDate?: string;
  stopDate?: string;
  executionArn?: string;
}

function printExecutions(ctx: CliContext, asJson: boolean, status: string | undefined, shown: ListedExecution[]): number {
  if (asJson) {
    ctx.io.out(JSON.stringify({ executions: shown }));
    return EXIT.ok;
  }
  const s = style(ctx.io.color);
  if (shown.length === 0) {
    ctx.io.err(`no executions${status ? ` with status ${status}` : ''}`);
    return EXIT.ok;
  }
  table(
    ['STARTED', 'WORKFLOW', 'STATUS', 'DURATION', 'EXECUTION'],
    shown.map((e) => [
      e.startDate?.replace('T', ' ').replace(/\.\d+Z$/, 'Z') ?? '',
      e.workflow,
      statusColour(e.status ?? '', s),
      e.stopDate && e.startDate ? seconds(time(e.stopDate) - time(e.startDate)) : '',
      e.executionArn ?? '',
    ]),
    s,
  ).forEach((l) => ctx.io.out(l));
  return EXIT.ok;
}

/** --local (and --local-dir): the local folder to read, after refusing the options that reach AWS. */
export function localOption(values: Values, ctx: CliContext, awsOnly: string[]): string | undefined {
  if (!flag(values, 'local')) {
    if (values['local-dir'] !== undefined) throw new UsageError('--local-dir is for --local');
    return undefined;
  }
  for (const option of awsOnly) if (values[option] !== undefined) throw new UsageError(`--${option} cannot be used with --local`);
  return localDir(str(values, 'local-dir'), ctx.env);
}

export const showCommand: Command = {
  name: 'show',
  summary: 'show one execution: its input, each state with its timing, and its result',
  usage: 'amiwarden show <execution-arn> [options]',
  options: [['--profile NAME', 'the AWS profile to use'], ...LOCAL_HELP, ...COMMON_HELP],
  examples: ['amiwarden show arn:aws:states:us-east-1:111122223333:execution:amiwarden-launch-failure-prod:6b1e0a7c-…', 'amiwarden show --local <arn from executions --local>'],
  async run(argv, ctx) {
    const { values, positionals } = parse(argv, { profile: { type: 'string' } }, 1, this);
    if (flag(values, 'help')) return help(this, ctx);
    const asJson = jsonOutput(values);
    if (positionals.length === 0) throw new UsageError('show needs an execution ARN');
    const execution = executionArn('execution ARN', positionals[0]);
    const local = localOption(values, ctx, ['profile']);
    let result: Awaited<ReturnType<typeof readExecution>>;
    // amiwarden-<workflow>-<stage> (locally amiwarden-<workflow>)
    let workflow = WORKFLOW_COMMANDS.map((w) => w.workflow).find((w) => execution.stateMachineName === `amiwarden-${w}` || execution.stateMachineName.startsWith(`amiwarden-${w}-`));
    if (local !== undefined) {
      const record = await readExecutionRecord(local, execution.arn);
      result = { ...(record as unknown as typeof result), startDate: new Date(record.startDate), name: record.name };
      workflow = record.workflow;
    } else {
      const profile = str(values, 'profile') !== undefined ? profileName('profile', str(values, 'profile')) : undefined;
      const sfn = ctx.clients.sfn({ region: execution.region, ...(profile ? { profile } : {}) });
      result = await readExecution(sfn, execution.arn);
    }

    if (asJson) {
      ctx.io.out(JSON.stringify({ ...result, startDate: iso(result.startDate) }));
      return EXIT.ok;
    }
    const s = style(ctx.io.color);
    ctx.io.out(`${s.bold(result.name ?? execution.arn)}  ${s.dim(execution.stateMachineName)}${result.startDate ? `  started ${iso(result.startDate)}` : ''}`);
    if (result.input !== undefined) ctx.io.out(`${s.dim('input')}  ${JSON.stringify(result.input)}`);
    if (result.states.length) {
      ctx.io.out('');
      table(
        ['AT', 'STATE', 'TOOK', 'FAILED ATTEMPTS'],
        result.states.map((st) => [
          `+${seconds(st.startedAtMs)}`,
          st.name,
          st.durationMs !== undefined ? seconds(st.durationMs) : s.yellow('…'),
          st.failedAttempts ? `${st.failedAttempts}${st.lastError ? ` (${st.lastError})` : ''}` : '',
        ]),
        s,
      ).forEach((l) => ctx.io.out(l));
      ctx.io.out('');
    }
    if (workflow === undefined || workflow === 'compliance-sweep') printResult(ctx.io, s, result, workflow ? printSweepOutput : undefined);
    else {
      // What the run did (or planned), per target with its ids, as the workflow commands print it.
      printResult(ctx.io, s, result, () => undefined);
      if (result.status === 'SUCCEEDED' && result.output && typeof result.output === 'object') {
        const output = result.output as Record<string, unknown>;
        const plan = output.status === 'planned' || (result.input as { dryRun?: unknown } | undefined)?.dryRun === true;
        ctx.io.out('');
        const counts = printPlanOrResult(ctx.io, s, workflow, output, { plan });
        ctx.io.out('');
        ctx.io.out(s.bold(countLine(counts, plan)));
      }
    }
    return EXIT.ok;
  },
};

function help(command: Command, ctx: CliContext): number {
  helpText(command).forEach((l) => ctx.io.out(l));
  return EXIT.ok;
}

const time = (d: Date | string | undefined) => (d ? new Date(d).getTime() : 0);
const iso = (d: Date | string | undefined) => (d ? new Date(d).toISOString() : undefined);
