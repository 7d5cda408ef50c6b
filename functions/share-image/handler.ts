/** Step "Share image with targets": add the launch permissions the compliant image lacks. */
import type { Context } from 'aws-lambda';
import { parseShareInput, shareImage, type ShareOutcome } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('share-image');

export const handler = async (payload: unknown, context?: Context): Promise<ShareOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseShareInput(payload);
    rt.logger.appendKeys({ region: input.region, imageId: input.imageId });
    const outcome = await shareImage(input, rt.config, rt.aws);
    rt.metrics.record('reencrypt-and-share', outcome.outcome === 'share-limit-exceeded' || input.dryRun ? 'finding' : outcome.added.length > 0 ? 'remediated' : 'no-action');
    rt.logger.info('Share step done', { outcome: outcome.outcome, added: outcome.added, refused: outcome.refused });
    return outcome;
  });
