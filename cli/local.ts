/**
 * `--local`: the same workflow, run in this process against the project's emulator — the sandbox
 * organization (local/organization.ts), the Lambda environment the handlers read in AWS, and the
 * deployed ASL file with the real handlers (local/state-machine.ts). Some workflows need more of a
 * sandbox than the organization: an image to re-encrypt, problems for the sweep to find and a bucket
 * for its reports (SCENARIOS). The emulator is stopped by its pid at the end, and on Ctrl-C.
 */
import path from 'node:path';
import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../emulator/accounts';
import { startEmulator, type Emulator } from '../emulator/index';
import { applyEnvironment, handlerLogging, lambdaEnvironment } from '../local/environment';
import { buildOrganization, HOME_REGION, registerImage, type Organization } from '../local/organization';
import type { ExecutionReport, StateEvent } from '../local/state-machine';
import { WORKFLOWS } from '../local/workflows';
import type { ChildExecution, LocalExecutionResult, LocalRunner, LocalRunOptions } from './context';
import { CliError } from './errors';
import { StateTracker, type StateProgress } from './execution';
import { saveReports } from './local-store';
import { FORMAT_FIELD, readReportAt, REPORT_FORMATS, type FetchedReport, type ReportFormat } from './report';
import { sweepResultsFrom } from './sweep-results';
import { executionTarget, targetOf } from './targets';

/** The report bucket of a local sweep (in the emulator's central account). */
export const SANDBOX_REPORT_BUCKET = 'amiwarden-reports-sandbox';

type Planted = LocalExecutionResult['sandbox']['planted'][number];

interface Prepared {
  input: Record<string, unknown>;
  env: Record<string, string>;
  planted: Planted[];
  reportBucket?: string;
}

interface ScenarioContext {
  emulator: Emulator;
  org: Organization;
  input: Record<string, unknown>;
  note(text: string): void;
}

const s3For = (emulator: Emulator, org: Organization) => new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true });

async function plant(c: ScenarioContext, name: string, encryption: Planted['encryption']): Promise<Planted> {
  const imageId = await registerImage(c.emulator, c.org.centralAccount, name, { encrypted: encryption === 'aws/ebs' });
  c.note(`planted ${imageId} (${name}) in ${c.org.centralAccount} ${HOME_REGION}: ${encryption === 'aws/ebs' ? 'encrypted with aws/ebs' : 'unencrypted'}`);
  return { imageId, name, encryption };
}

/** Per workflow: what the sandbox adds before the run (the organization is always there). */
const SCENARIOS: Record<string, (c: ScenarioContext) => Promise<Prepared>> = {
  'launch-failure': async ({ input }) => ({ input, env: {}, planted: [] }),

  'reencrypt-and-share': async (c) => {
    const env = { AMIWARDEN_SHARE_TARGETS: c.org.members.map((m) => m.account).join(',') };
    if (c.input.imageId !== undefined) return { input: c.input, env, planted: [] };
    const planted = await plant(c, 'sandbox-build-on-aws-ebs', 'aws/ebs');
    return { input: { ...c.input, imageId: planted.imageId }, env, planted: [planted] };
  },

  'compliance-sweep': async (c) => {
    const planted = [await plant(c, 'legacy-on-aws-ebs', 'aws/ebs'), await plant(c, 'legacy-unencrypted', 'unencrypted')];
    await s3For(c.emulator, c.org).send(new CreateBucketCommand({ Bucket: SANDBOX_REPORT_BUCKET }));
    c.note(`report bucket s3://${SANDBOX_REPORT_BUCKET} (in the emulator)`);
    return {
      input: c.input,
      env: {
        AMIWARDEN_REPORT_BUCKET: SANDBOX_REPORT_BUCKET,
        AWS_S3_FORCE_PATH_STYLE: 'true',
        AMIWARDEN_SHARE_TARGETS: c.org.members.map((m) => m.account).join(','),
      },
      planted,
      reportBucket: SANDBOX_REPORT_BUCKET,
    };
  },
};

async function startSandboxEmulator(): Promise<Emulator> {
  try {
    return await startEmulator();
  } catch (error) {
    // One line (what to install), never the Python traceback that may follow it.
    throw new CliError(`cannot start the emulator: ${(error as Error).message.split('\n')[0]}`, 1, { cause: error });
  }
}

export const localRunner: LocalRunner = {
  async sandboxKeyPolicy(options) {
    return withSandboxEmulator(options, async (emulator) => {
      const org = await buildOrganization(emulator, { withOrganization: true });
      const keyArn = org.keyArns[HOME_REGION]!;
      const kms = new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION));
      const policy = (await kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))).Policy ?? '';
      options.onNote(`sandbox organization ${org.organizationId ?? '(none)'}: central ${org.centralAccount}, members ${org.members.map((m) => m.account).join(', ')}`);
      return { keyArn, policy, members: org.members.map((m) => m.account), ...(org.organizationId ? { organizationId: org.organizationId } : {}) };
    });
  },

  async run(workflow, requested, options) {
    const scenario = SCENARIOS[workflow];
    if (!WORKFLOWS[workflow] || !scenario) throw new CliError(`the ${workflow} workflow cannot run locally yet (local/workflows.ts or cli/local.ts does not list it)`);
    // The handlers' logs, when asked for, go to stderr: stdout is the CLI's (one JSON object with --json).
    handlerLogging(options.verbose);

    return withSandboxEmulator(options, async (emulator) => {
      const org = await buildOrganization(emulator);
      options.onNote(`sandbox organization: central ${org.centralAccount}, members ${org.members.map((m) => `${m.account}/${m.autoScalingGroupName}`).join(', ')}`);
      const prepared = await scenario({ emulator, org, input: requested, note: options.onNote });
      applyEnvironment({ ...lambdaEnvironment(emulator, { centralAccount: org.centralAccount, keyArns: org.keyArns }), ...prepared.env });
      const { runWorkflow } = await import('../local/state-machine');
      const tracker = new StateTracker();
      const classify = childClassifier();
      const report = await runWorkflow(workflow, prepared.input, {
        onState: (event: StateEvent) => {
          const p = classify(event);
          if (!p.child) tracker.add(p);
          options.onState(p);
        },
      });
      const result: LocalExecutionResult = {
        executionArn: report.executionArn,
        status: report.status,
        ...(report.output !== undefined ? { output: report.output } : {}),
        ...(report.error ? { error: report.error } : {}),
        durationMs: report.durationMs,
        states: tracker.states,
        input: prepared.input,
        sandbox: { planted: prepared.planted, ...(prepared.reportBucket ? { reportBucket: prepared.reportBucket } : {}) },
        children: flatten(report.children),
      };
      if (workflow === 'compliance-sweep' && report.status === 'SUCCEEDED') {
        // The bucket goes away with the emulator: read the reports now, and keep them in the reports folder.
        const output = report.output as { runId?: string; reports?: Record<string, string> } | undefined;
        const run = output?.runId ?? report.executionArn.split(':').pop()!;
        const fetched: Partial<Record<ReportFormat, FetchedReport>> = {};
        for (const format of REPORT_FORMATS) {
          const url = output?.reports?.[FORMAT_FIELD[format]];
          if (!url) throw new CliError(`the sweep succeeded but its output names no ${format} report`);
          fetched[format] = await readReportAt(s3For(emulator, org), url, format, run);
        }
        result.sweepResults = sweepResultsFrom(fetched.json!);
        if (options.report) result.report = fetched[options.report]!;
        if (options.localDir) {
          result.savedReports = await saveReports(options.localDir, run, fetched as Record<ReportFormat, FetchedReport>);
          options.onNote(`reports kept in ${path.join(options.localDir, 'sweeps', run)}/ (\`amiwarden report --local\` prints the latest)`);
        }
      }
      return result;
    });
  },
};

/**
 * The sandbox emulator for the length of `work`, stopped after it (and on Ctrl-C: the emulator
 * must not outlive the CLI; the caller's handler says what stopped and ends the process).
 */
async function withSandboxEmulator<T>(options: Pick<LocalRunOptions, 'onNote' | 'onInterrupt'>, work: (emulator: Emulator) => Promise<T>): Promise<T> {
  const emulator = await startSandboxEmulator();
  options.onNote(`emulator listening on ${emulator.endpoint} (pid ${emulator.pid})`);
  const removeInterrupt = options.onInterrupt(() => {
    try {
      process.kill(emulator.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    options.onNote(`emulator stopped (pid ${emulator.pid})`);
  });
  try {
    return await work(emulator);
  } finally {
    removeInterrupt();
    await emulator.stop();
    options.onNote(`emulator stopped (pid ${emulator.pid})`);
  }
}

/** Children (and theirs), in the order they ended. */
function flatten(children: ExecutionReport[]): ChildExecution[] {
  return children.flatMap((c) => [
    {
      workflow: c.workflow,
      executionArn: c.executionArn,
      ...(c.input !== undefined ? { input: c.input } : {}),
      status: c.status,
      ...(c.output !== undefined ? { output: c.output } : {}),
      ...(c.error ? { error: c.error } : {}),
      durationMs: c.durationMs,
    },
    ...flatten(c.children),
  ]);
}

/**
 * Locally, a child execution runs inside the parent's states:startExecution task and its state
 * events reach the same onState, interleaved with the parent's. Each event names the execution
 * that ran it: the first one's is the parent; any other is a child, re-timed on the parent's
 * clock. Each event is labelled with its target (cli/targets.ts): what its state's input names
 * (a Map iteration's account and region), else what its execution's input names.
 */
export function childClassifier(now: () => number = Date.now): (event: StateEvent) => StateProgress {
  let parent: { arn: string; start: number } | undefined;
  return (event) => {
    const at = now();
    parent ??= { arn: event.execution.executionArn, start: at - event.elapsedMs };
    const target = targetOf(event.input) ?? executionTarget(event.execution.workflow, event.execution.input);
    const progress: StateProgress = { type: event.type, state: event.state, elapsedMs: event.elapsedMs, target, ...(event.error ? { error: event.error } : {}) };
    if (event.execution.executionArn === parent.arn) return progress;
    return { ...progress, elapsedMs: at - parent.start, child: true };
  };
}
