/** Step "Inspect image" (and "Check copy"): an image's owner, state and snapshot keys in, one classification out. */
import type { Context } from 'aws-lambda';
import { parseImageRequest } from '../../core/image';
import { inspectImage, type InspectionResult } from '../../services/reencrypt-and-share';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('inspect-image');

/** What "What does the image need?" routes to "Record finding": neither wait, nor use, nor copy. */
const endsWithFinding = (i: InspectionResult) => i.status !== 'wait' && i.classification !== 'compliant' && !(i.needsCopy && i.status === 'act');

export const handler = async (payload: { event?: unknown; executionStartTime?: unknown; execution?: string }, context?: Context): Promise<InspectionResult> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const request = parseImageRequest(payload?.event, rt.config);
    rt.logger.appendKeys({ eventId: request.eventId ?? undefined, region: request.region, imageId: request.imageId, trigger: request.trigger });
    const started = typeof payload?.executionStartTime === 'string' ? Date.parse(payload.executionStartTime) : NaN;
    const elapsedMinutes = Number.isFinite(started) ? Math.max(0, (Date.now() - started) / 60_000) : 0;
    const inspection = await inspectImage(request, elapsedMinutes, rt.config, rt.aws);
    if (endsWithFinding(inspection)) rt.metrics.record('reencrypt-and-share', 'finding');
    rt.logger.info('Image inspected', { classification: inspection.classification, status: inspection.status, finding: inspection.finding });
    return inspection;
  });
