/** Step "Grant key access to target account": the Auto Scaling grants a target account needs to launch the image. */
import type { Context } from 'aws-lambda';
import { makeLaunchable, parseTargetAccessInput, type TargetAccessOutcome } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { MemberSessions } from '../../adapters/sts';

const rt = startRuntime('grant-target-access', MemberSessions);

export const handler = async (payload: unknown, context?: Context): Promise<TargetAccessOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseTargetAccessInput(payload, rt.config);
    rt.logger.appendKeys({ account: input.account, region: input.region });
    const outcome = await makeLaunchable(input, rt.config, rt.aws);
    rt.logger.info('Target account step done', { outcome: outcome.outcome, grants: outcome.grants.map((g) => g.grantId) });
    return outcome;
  });
