/** Step "Write sweep report": findings from every inventory, as JSON, CSV and Markdown in S3; in enforce mode, what to fix (a list in S3). */
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../core/errors';
import { loadSecurityHub } from '../../services/findings-export';
import { writeReport, type SweepPlan, type SweepReport } from '../../services/sweep';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('write-sweep-report');
// The Security Hub client loads at cold start where the export is on, and nowhere else.
if (rt.config.securityHub) loadSecurityHub().catch(() => undefined); // a failed load fails the invocation that awaits it

export const handler = async (payload: { plan?: Partial<SweepPlan>; execution?: string }, context?: Context): Promise<SweepReport> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const plan = payload?.plan;
    if (!plan || typeof plan.runId !== 'string' || !/^[\w.-]{1,80}$/.test(plan.runId)) throw new InvalidInputError('plan.runId', 'expected the plan of this sweep');
    if (plan.mode !== 'report' && plan.mode !== 'enforce') throw new InvalidInputError('plan.mode', 'expected "report" or "enforce"');
    const report = await writeReport(
      { runId: plan.runId, mode: plan.mode, dryRun: plan.dryRun === true, startedAt: String(plan.startedAt ?? ''), accounts: Number(plan.accounts ?? 0), regions: Array.isArray(plan.regions) ? plan.regions : [], ...(plan.trigger === 'new-account' ? { trigger: 'new-account' as const } : {}) },
      rt.config,
      rt.aws,
    );
    rt.metrics.record('compliance-sweep', report.summary.findings > 0 ? 'finding' : 'no-action');
    rt.logger.info('Sweep report written', { summary: report.summary, reports: report.reports, remediations: report.remediations, skipped: report.skippedRemediations });
    return report;
  });
