/**
 * Step "Inspect member accounts" (one child of the Distributed Map): a batch of account x region
 * targets (ItemBatcher), each through the member role. A broken account is a finding.
 */
import type { Context } from 'aws-lambda';
import { batchOf, inspectMembers, type BatchPayload } from '../../services/sweep';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { MemberSessions } from '../../adapters/sts';

const rt = startRuntime('inspect-member-account', MemberSessions);

export const handler = async (payload: BatchPayload, context?: Context) =>
  invoke(rt, context, { execution: executionOf(payload?.BatchInput ?? {}) }, async () => {
    const { runId, targets } = batchOf(payload, rt.config);
    const result = await inspectMembers(runId, targets, rt.config, rt.aws);
    rt.logger.info('Member accounts inspected', { runId, ...result });
    return result;
  });
