/** Step "Verify grant is visible": read the grants back from the key's account. */
import type { Context } from 'aws-lambda';
import { parseVerifyInput, verifyKeyAccess, type VerifiedGrant } from '../../services/launch-failure';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('verify-key-access');

export const handler = async (payload: unknown, context?: Context): Promise<{ verified: true; grants: VerifiedGrant[] }> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseVerifyInput(payload, rt.config);
    rt.logger.appendKeys({ account: input.account, region: input.region });
    const result = await verifyKeyAccess(input, rt.aws);
    rt.metrics.record('launch-failure', 'remediated');
    rt.logger.info('Grants verified', { grants: result.grants.map((g) => g.grantId) });
    return result;
  });
