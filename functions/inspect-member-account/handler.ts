/** Step "Inspect member account": one account and region, through the member role. A broken account is a finding. */
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../core/errors';
import { requireAccountId, requireRegion } from '../../core/identifiers';
import { inspectMember } from '../../services/sweep';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('inspect-member-account');

export const handler = async (payload: { runId?: unknown; account?: unknown; region?: unknown; execution?: string }, context?: Context) =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const account = requireAccountId('account', payload?.account);
    const region = requireRegion('region', payload?.region);
    if (!rt.config.regions.includes(region)) throw new InvalidInputError('region', `${region} is not a configured region`);
    if (typeof payload?.runId !== 'string' || !/^[\w.-]{1,80}$/.test(payload.runId)) throw new InvalidInputError('runId', 'expected the execution name');
    rt.logger.appendKeys({ account, region });
    const result = await inspectMember(payload.runId, account, region, rt.config, rt.aws);
    rt.logger.info('Member account inspected', result);
    return result;
  });
