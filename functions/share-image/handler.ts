/** Step "Share image with targets": add the launch permissions the compliant image lacks. */
import { ec2 } from '../../adapters/ec2';
import { parseShareInput, shareImage, type ShareOutcome } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('share-image', { ec2 });

export const handler = async (payload: unknown): Promise<ShareOutcome> =>
  invoke(rt, { execution: executionOf(payload) }, async () => {
    const input = parseShareInput(payload);
    rt.logger.appendKeys({ region: input.region, imageId: input.imageId });
    const outcome = await shareImage(input, rt.config, rt.aws);
    rt.logger.info('Share step done', { outcome: outcome.outcome, added: outcome.added, refused: outcome.refused });
    return outcome;
  });
