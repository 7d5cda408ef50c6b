/** Step "Grant key access in member account": create the Auto Scaling grant from inside the member account. */
import { memberSessions } from '../../adapters/sts';
import { iam } from '../../adapters/iam';
import { kms } from '../../adapters/kms';
import { grantKeyAccess, parseGrantInput, type GrantOutcome } from '../../services/launch-failure';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('grant-key-access', { kms, iam, sessions: memberSessions });

export const handler = async (payload: unknown): Promise<GrantOutcome> =>
  invoke(rt, { execution: executionOf(payload) }, async () => {
    const input = parseGrantInput(payload, rt.config);
    rt.logger.appendKeys({ account: input.account, region: input.region, autoScalingGroupName: input.autoScalingGroupName });
    const outcome = await grantKeyAccess(input, rt.config, rt.aws);
    rt.logger.info('Grant step done', { outcome: outcome.outcome, grants: outcome.grants, serviceLinkedRoleCreated: outcome.serviceLinkedRoleCreated });
    return outcome;
  });
