/** Step "Grant key access in member account": create the Auto Scaling grant from inside the member account. */
import type { Context } from 'aws-lambda';
import { grantKeyAccess, parseGrantInput, type GrantOutcome } from '../../services/launch-failure';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { MemberSessions } from '../../adapters/sts';

const rt = startRuntime('grant-key-access', MemberSessions);

export const handler = async (payload: unknown, context?: Context): Promise<GrantOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseGrantInput(payload, rt.config);
    rt.logger.appendKeys({ account: input.account, region: input.region, autoScalingGroupName: input.autoScalingGroupName });
    const outcome = await grantKeyAccess(input, rt.config, rt.aws);
    if (outcome.outcome !== 'granted' && outcome.outcome !== 'already-granted') rt.metrics.record('launch-failure', 'finding');
    rt.logger.info('Grant step done', { outcome: outcome.outcome, grants: outcome.grants, serviceLinkedRoleCreated: outcome.serviceLinkedRoleCreated });
    return outcome;
  });
