/** Step "Diagnose launch failure": the forwarded event (or a manual request) in, one cause out. */
import { memberSessions } from '../../adapters/sts';
import { autoscaling } from '../../adapters/autoscaling';
import { ec2 } from '../../adapters/ec2';
import { iam } from '../../adapters/iam';
import { kms } from '../../adapters/kms';
import { launchTemplates } from '../../adapters/launch-templates';
import { parseLaunchFailureInput, type Diagnosis } from '../../core/launch-failure';
import { diagnoseLaunchFailure } from '../../services/launch-failure';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('diagnose-launch-failure', { ec2, launchTemplates, kms, autoscaling, iam, sessions: memberSessions });

export const handler = async (payload: { event?: unknown; execution?: string }): Promise<Diagnosis> =>
  invoke(rt, { execution: executionOf(payload) }, async () => {
    const request = parseLaunchFailureInput(payload?.event, rt.config);
    rt.logger.appendKeys({
      eventId: request.eventId,
      account: request.account,
      region: request.region,
      autoScalingGroupName: request.autoScalingGroupName,
      trigger: request.trigger,
    });
    const diagnosis = await diagnoseLaunchFailure(request, rt.config, rt.aws);
    rt.logger.info('Launch failure diagnosed', { cause: diagnosis.cause, status: diagnosis.status, finding: diagnosis.finding });
    return diagnosis;
  });
