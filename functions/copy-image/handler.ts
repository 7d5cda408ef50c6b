/** Step "Copy image with organization key": CopyImage onto the region's key, or reuse the copy already made. */
import type { Context } from 'aws-lambda';
import { copyWithOrganizationKey, parseCopyInput, type CopyOutcome } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('copy-image');

export const handler = async (payload: unknown, context?: Context): Promise<CopyOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseCopyInput(payload);
    rt.logger.appendKeys({ region: input.region, imageId: input.sourceImageId });
    const outcome = await copyWithOrganizationKey(input, rt.config, rt.aws);
    if (!['planned', 'started', 'reused'].includes(outcome.outcome)) rt.metrics.record('reencrypt-and-share', 'finding');
    rt.logger.info('Copy step done', { outcome: outcome.outcome, copyImageId: outcome.imageId, clientToken: outcome.clientToken });
    return outcome;
  });
