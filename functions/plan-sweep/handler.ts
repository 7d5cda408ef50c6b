/** Step "Plan sweep": which accounts and regions this sweep visits (written to S3, not returned), and in which mode. */
import type { Context } from 'aws-lambda';
import { parseSweepRequest } from '../../core/sweep';
import { planSweep, type SweepPlan } from '../../services/sweep';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { InvalidInputError } from '../../core/errors';

const rt = startRuntime('plan-sweep');

export const handler = async (payload: { request?: unknown; runId?: unknown; execution?: string }, context?: Context): Promise<SweepPlan> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const request = parseSweepRequest(payload?.request, rt.config);
    const runId = payload?.runId;
    if (typeof runId !== 'string' || !/^[\w.-]{1,80}$/.test(runId)) throw new InvalidInputError('runId', 'expected the execution name');
    const plan = await planSweep(request, runId, rt.config, rt.aws);
    rt.logger.info('Sweep planned', { runId, mode: plan.mode, accounts: plan.accounts, regions: plan.regions, targets: plan.targetCount });
    return plan;
  });
