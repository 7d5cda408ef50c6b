/** Step "Diagnose launch failure": the forwarded event (or a manual request) in, one cause out. */
import type { Context } from 'aws-lambda';
import { parseLaunchFailureInput, type Diagnosis } from '../../core/launch-failure';
import { exportDiagnosis, loadSecurityHub } from '../../services/findings-export';
import { diagnoseLaunchFailure } from '../../services/launch-failure';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { MemberSessions } from '../../adapters/sts';

const rt = startRuntime('diagnose-launch-failure', MemberSessions);
// The Security Hub client loads at cold start where the export is on, and nowhere else.
if (rt.config.securityHub) loadSecurityHub().catch(() => undefined); // a failed load fails the invocation that awaits it

export const handler = async (payload: { event?: unknown; execution?: string }, context?: Context): Promise<Diagnosis> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const request = parseLaunchFailureInput(payload?.event, rt.config);
    rt.logger.appendKeys({
      eventId: request.eventId,
      account: request.account,
      region: request.region,
      autoScalingGroupName: request.autoScalingGroupName ?? undefined,
      ...(request.fleet ? { fleet: `${request.fleet.kind}/${request.fleet.id}` } : {}),
      trigger: request.trigger,
    });
    const diagnosis = await diagnoseLaunchFailure(request, rt.config, rt.aws);
    rt.logger.info('Launch failure diagnosed', { cause: diagnosis.cause, status: diagnosis.status, finding: diagnosis.finding });
    // A diagnosis the grant step acts on gets its outcome there; any other ends the workflow here.
    if (!(diagnosis.remediable && !diagnosis.dryRun)) rt.metrics.record('launch-failure', diagnosis.status === 'no-action' ? 'no-action' : 'finding');
    const exported = await exportDiagnosis(diagnosis, rt.config, rt.aws, process.env.AWS_REGION ?? rt.config.regions[0]!);
    if (exported.outcome !== 'disabled') rt.logger.info('Diagnosis exported to Security Hub', { ...exported });
    return diagnosis;
  });
