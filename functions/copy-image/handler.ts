/** Step "Copy image with organization key": CopyImage onto the region's key, or reuse the copy already made. */
import { ec2 } from '../../adapters/ec2';
import { copyWithOrganizationKey, parseCopyInput, type CopyOutcome } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('copy-image', { ec2 });

export const handler = async (payload: unknown): Promise<CopyOutcome> =>
  invoke(rt, { execution: executionOf(payload) }, async () => {
    const input = parseCopyInput(payload);
    rt.logger.appendKeys({ region: input.region, imageId: input.sourceImageId });
    const outcome = await copyWithOrganizationKey(input, rt.config, rt.aws);
    rt.logger.info('Copy step done', { outcome: outcome.outcome, copyImageId: outcome.imageId, clientToken: outcome.clientToken });
    return outcome;
  });
