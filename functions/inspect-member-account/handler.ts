/**
 * Step "Inspect member accounts" (one child of the Distributed Map): a batch of account x region
 * targets (ItemBatcher), each through the member role. A broken account is a finding.
 */
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../core/errors';
import { describe, requireAccountId, requireRegion } from '../../core/identifiers';
import { inspectMembers, largestBatch, type SweepTarget } from '../../services/sweep';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { MemberSessions } from '../../adapters/sts';

const rt = startRuntime('inspect-member-account', MemberSessions);

/** ItemBatcher's input: `{"BatchInput": {runId, execution}, "Items": [{account, region}, …]}`. */
export const handler = async (payload: { BatchInput?: { runId?: unknown; execution?: string }; Items?: unknown }, context?: Context) =>
  invoke(rt, context, { execution: executionOf(payload?.BatchInput ?? {}) }, async () => {
    const runId = payload?.BatchInput?.runId;
    if (typeof runId !== 'string' || !/^[\w.-]{1,80}$/.test(runId)) throw new InvalidInputError('BatchInput.runId', 'expected the execution name');
    const items: unknown = payload?.Items;
    // A batch holds whole accounts: past AMIWARDEN_SWEEP_BATCH_SIZE when one account's Regions do.
    const most = largestBatch(rt.config);
    if (!Array.isArray(items) || items.length === 0 || items.length > most) {
      throw new InvalidInputError('Items', `expected 1 to ${most} account x region targets, got ${describe(items)}`);
    }
    const targets: SweepTarget[] = items.map((item, i) => {
      const t = (item ?? {}) as { account?: unknown; region?: unknown };
      const region = requireRegion(`Items[${i}].region`, t.region);
      if (!rt.config.regions.includes(region)) throw new InvalidInputError(`Items[${i}].region`, `${region} is not a configured region`);
      return { account: requireAccountId(`Items[${i}].account`, t.account), region };
    });
    const result = await inspectMembers(runId, targets, rt.config, rt.aws);
    rt.logger.info('Member accounts inspected', { runId, ...result });
    return result;
  });
