/**
 * What one execution of each workflow costs, on the emulator with the real handlers: state
 * transitions (what Step Functions bills), Lambda invocations, and the time Lambdas spend waiting
 * (timers set while a handler runs: SDK retry back-off or any sleep), which should be zero.
 */
import { startEmulator, type Emulator } from '../emulator/index';
import { applyEnvironment, lambdaEnvironment } from '../local/environment';
import { buildOrganization, HOME_REGION, registerImage, type Organization } from '../local/organization';
import { runWorkflow, type ExecutionReport } from '../local/state-machine';
import { FUNCTIONS } from '../local/workflows';

export interface WorkflowCost {
  workflow: string;
  scenario: string;
  status: string;
  transitions: number;
  lambdaInvocations: number;
  lambdaWaitMs: number;
  apiCalls: number;
}

interface Scenario {
  workflow: string;
  name: string;
  input: (org: Organization, emulator: Emulator) => unknown;
}

const SCENARIOS: Scenario[] = [
  {
    workflow: 'launch-failure',
    name: 'launch failure fixed',
    input: (org) => ({ account: org.members[0]!.account, region: HOME_REGION, autoScalingGroupName: org.members[0]!.autoScalingGroupName }),
  },
  {
    workflow: 'launch-failure',
    name: 'already granted',
    input: (org) => ({ account: org.members[0]!.account, region: HOME_REGION, autoScalingGroupName: org.members[0]!.autoScalingGroupName }),
  },
  {
    workflow: 'reencrypt-and-share',
    name: 'image re-encrypted and shared',
    input: async (org, emulator) => ({ imageId: await registerImage(emulator, org.centralAccount, 'bench-on-aws-ebs', { encrypted: true }), region: HOME_REGION }),
  },
  {
    workflow: 'reencrypt-and-share',
    name: 'image already compliant',
    input: (org) => ({ imageId: org.goldenImageId, region: HOME_REGION }),
  },
];

/** Wraps every handler so that timers started while one runs count as Lambda waiting time. */
function instrumentedHandlers(waited: { ms: number }) {
  const handlers: Record<string, (payload: unknown) => Promise<unknown>> = {};
  let active = 0;
  const realSetTimeout = globalThis.setTimeout;
  // Only timers that fire count: a request timeout that is cleared when the answer comes is not a wait.
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const counted = active > 0 && (ms ?? 0) > 0;
    return realSetTimeout((...a: unknown[]) => {
      if (counted) waited.ms += ms!;
      fn(...a);
    }, ms, ...rest);
  }) as typeof setTimeout;
  for (const [logicalId, fn] of Object.entries(FUNCTIONS)) {
    handlers[logicalId] = async (payload) => {
      active += 1;
      try {
        return await (await fn.load()).handler(payload as never);
      } finally {
        active -= 1;
      }
    };
  }
  return { handlers, restore: () => (globalThis.setTimeout = realSetTimeout) };
}

export async function measureWorkflows(): Promise<WorkflowCost[]> {
  const emulator: Emulator = await startEmulator();
  try {
    const org = await buildOrganization(emulator);
    applyEnvironment(lambdaEnvironment(emulator, org));
    const costs: WorkflowCost[] = [];
    for (const scenario of SCENARIOS) {
      const input = await scenario.input(org, emulator);
      await emulator.clearCalls();
      const waited = { ms: 0 };
      const { handlers, restore } = instrumentedHandlers(waited);
      let report: ExecutionReport;
      try {
        report = await runWorkflow(scenario.workflow, input, { handlers });
      } finally {
        restore();
      }
      const calls = await emulator.calls();
      costs.push({
        workflow: scenario.workflow,
        scenario: scenario.name,
        status: `${report.status}/${(report.output as { status?: string })?.status ?? '-'}`,
        transitions: report.transitions,
        lambdaInvocations: report.lambdaInvocations,
        lambdaWaitMs: waited.ms,
        apiCalls: calls.length,
      });
    }
    return costs;
  } finally {
    await emulator.stop();
  }
}
