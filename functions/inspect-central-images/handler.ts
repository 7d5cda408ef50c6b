/** Step "Inspect central images": every image the central account owns in one region, in pages. */
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../core/errors';
import { isAccountId, requireRegion } from '../../core/identifiers';
import { inspectCentral } from '../../services/sweep';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('inspect-central-images');

export const handler = async (payload: { runId?: unknown; region?: unknown; sampleMember?: unknown; execution?: string }, context?: Context) =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const region = requireRegion('region', payload?.region);
    if (!rt.config.regions.includes(region)) throw new InvalidInputError('region', `${region} is not a configured region`);
    if (typeof payload?.runId !== 'string' || !/^[\w.-]{1,80}$/.test(payload.runId)) throw new InvalidInputError('runId', 'expected the execution name');
    const sample = payload.sampleMember === null || payload.sampleMember === undefined ? null : payload.sampleMember;
    if (sample !== null && !isAccountId(sample)) throw new InvalidInputError('sampleMember', 'expected an account id or null');
    rt.logger.appendKeys({ region });
    const result = await inspectCentral(payload.runId, region, sample, rt.config, rt.aws);
    rt.logger.info('Central images inspected', result);
    return result;
  });
