/** Step "Publish the launchable image": the copy's lineage, and the family's image pointer (SSM parameter shared through RAM). */
import type { Context } from 'aws-lambda';
import { parsePublishInput, publishImage, type PublishOutcome } from '../../services/pointers';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('publish-image');

export const handler = async (payload: unknown, context?: Context): Promise<PublishOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parsePublishInput(payload);
    rt.logger.appendKeys({ region: input.region, imageId: input.imageId });
    const outcome = await publishImage(input, rt.config, rt.aws);
    rt.logger.info('Publish step done', { lineage: outcome.lineage.outcome, pointer: outcome.pointer.outcome, parameter: outcome.pointer.parameterName, share: outcome.pointer.share.outcome });
    return outcome;
  });
