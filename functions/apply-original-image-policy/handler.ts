/** Step "Apply original image policy": keep, deprecate or deregister the source of a shared copy. */
import type { Context } from 'aws-lambda';
import { applyOriginalImagePolicy, parseOriginalInput, type OriginalOutcome } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('apply-original-image-policy');

export const handler = async (payload: unknown, context?: Context): Promise<OriginalOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseOriginalInput(payload);
    rt.logger.appendKeys({ region: input.region, imageId: input.sourceImageId });
    const outcome = await applyOriginalImagePolicy(input, rt.config, rt.aws);
    rt.logger.info('Original image policy applied', { action: outcome.action, outcome: outcome.outcome });
    return outcome;
  });
