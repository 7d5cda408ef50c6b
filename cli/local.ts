/**
 * `--local`: the same workflow, run in this process against the project's emulator — the sandbox
 * organization (local/organization.ts), the Lambda environment the handlers read in AWS, and the
 * deployed ASL file with the real handlers (local/state-machine.ts). The emulator is stopped by
 * its pid at the end, and on Ctrl-C.
 */
import { startEmulator, type Emulator } from '../emulator/index';
import { applyEnvironment, lambdaEnvironment } from '../local/environment';
import { buildOrganization, EXTERNAL_ID, MEMBER_ROLE_NAME } from '../local/organization';
import { WORKFLOWS } from '../local/workflows';
import type { LocalRunner } from './context';
import { CliError } from './errors';
import { StateTracker, type ExecutionResult } from './execution';

export const localRunner: LocalRunner = {
  async run(workflow, input, options) {
    if (!WORKFLOWS[workflow]) throw new CliError(`the ${workflow} workflow cannot run locally yet (local/workflows.ts does not list it)`);
    if (!options.verbose) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

    let emulator: Emulator;
    try {
      emulator = await startEmulator();
    } catch (error) {
      throw new CliError(`cannot start the emulator: ${(error as Error).message.split('\n')[0]}`, 1, { cause: error });
    }
    options.onNote(`emulator listening on ${emulator.endpoint} (pid ${emulator.pid})`);
    const removeInterrupt = options.onInterrupt(() => {
      // Ctrl-C: the emulator must not outlive us; the caller's handler ends the process.
      process.kill(emulator.pid, 'SIGTERM');
    });
    try {
      const org = await buildOrganization(emulator);
      options.onNote(`sandbox organization: central ${org.centralAccount}, members ${org.members.map((m) => `${m.account}/${m.autoScalingGroupName}`).join(', ')}`);
      applyEnvironment(
        lambdaEnvironment(emulator, {
          centralAccount: org.centralAccount,
          keyArns: org.keyArns,
          memberRoleName: MEMBER_ROLE_NAME,
          externalId: EXTERNAL_ID,
          createServiceLinkedRole: true,
        }),
      );
      const { runWorkflow } = await import('../local/state-machine');
      const tracker = new StateTracker();
      const report = await runWorkflow(workflow, input, {
        onState: (p) => {
          tracker.add(p);
          options.onState(p);
        },
      });
      const result: ExecutionResult = {
        executionArn: report.executionArn,
        status: report.status,
        ...(report.output !== undefined ? { output: report.output } : {}),
        ...(report.error ? { error: report.error } : {}),
        durationMs: report.durationMs,
        states: tracker.states,
      };
      return result;
    } finally {
      removeInterrupt();
      await emulator.stop();
      options.onNote(`emulator stopped (pid ${emulator.pid})`);
    }
  },
};
