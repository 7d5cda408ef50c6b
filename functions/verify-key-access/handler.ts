/** Step "Verify grant is visible": read the grants back from the key's account. */
import { kms } from '../../adapters/kms';
import { parseVerifyInput, verifyKeyAccess, type VerifiedGrant } from '../../services/launch-failure';
import { executionOf, invoke, startRuntime } from '../common/runtime';

const rt = startRuntime('verify-key-access', { kms });

export const handler = async (payload: unknown): Promise<{ verified: true; grants: VerifiedGrant[] }> =>
  invoke(rt, { execution: executionOf(payload) }, async () => {
    const input = parseVerifyInput(payload, rt.config);
    rt.logger.appendKeys({ account: input.account, region: input.region });
    const result = await verifyKeyAccess(input, rt.aws);
    rt.logger.info('Grants verified', { grants: result.grants.map((g) => g.grantId) });
    return result;
  });
