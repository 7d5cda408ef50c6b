import { grantName } from '../grants';
import { grantee, keysNeedingGrant, launcherResource } from './launch';
import type { Check } from './types';

/** The organization key's policy does not let the member account create the grant. */
export const keyPolicyBlocksGrant: Check<'launcher'> = {
  id: 'key-policy-blocks-grant',
  scope: 'launcher',
  title: "The organization key's policy does not let the member account create the grant",
  severity: 'high',
  facts: ['images', 'keys', 'keys.grants', 'keys.policy'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    const needing = keysNeedingGrant(f);
    const blocked = needing.filter((k) => k.policy?.verdict === 'blocked');
    if (blocked.length === 0) return null;
    const principal = grantee(f);
    return {
      id: 'key-policy-blocks-grant',
      status: 'finding',
      severity: 'high',
      resource: launcherResource(f),
      evidence: `The key policy of ${blocked.map((k) => k.keyArn).join(', ')} does not let account ${f.account} create the grant: ${blocked.flatMap((k) => k.policy?.reasons ?? []).join('; ')}`,
      fix: blocked[0]?.policy?.fix ?? null,
      grantsNeeded: needing.map((k) => ({ keyArn: k.keyArn, granteePrincipal: principal, name: grantName(principal) })),
    };
  },
};
