/** The sweep's grant-health remediation: the current role's named grant, then (policy `revoke` only) the stale grants, re-judged. */
import type { Context } from 'aws-lambda';
import { parseRepairInput, repairGrants, type RepairOutcome } from '../../services/grant-health';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { MemberSessions } from '../../adapters/sts';

const rt = startRuntime('repair-grants', MemberSessions);

export const handler = async (payload: unknown, context?: Context): Promise<RepairOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseRepairInput(payload, rt.config);
    rt.logger.appendKeys({ account: input.account ?? undefined, region: input.region });
    const outcome = await repairGrants(input, rt.config, rt.aws);
    rt.logger.info('Grants repaired', { grant: outcome.grant?.outcome ?? null, revoked: outcome.revoked, kept: outcome.kept, gone: outcome.gone, healthy: outcome.healthy.length });
    return outcome;
  });
