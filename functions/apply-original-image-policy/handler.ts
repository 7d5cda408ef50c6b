/** Step "Apply original image policy": keep, deprecate or deregister the source of a shared copy. */
import { ec2 } from '../../adapters/ec2';
import { applyOriginalImagePolicy, parseOriginalInput, type OriginalOutcome } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('apply-original-image-policy', { ec2 });

export const handler = async (payload: unknown): Promise<OriginalOutcome> =>
  invoke(rt, { execution: executionOf(payload) }, async () => {
    const input = parseOriginalInput(payload);
    rt.logger.appendKeys({ region: input.region, imageId: input.sourceImageId });
    const outcome = await applyOriginalImagePolicy(input, rt.config, rt.aws);
    rt.logger.info('Original image policy applied', { action: outcome.action, outcome: outcome.outcome });
    return outcome;
  });
