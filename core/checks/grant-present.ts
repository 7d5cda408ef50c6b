import { granteeWords, keysNeedingGrant, launcherResource, usedKeys } from './launch';
import type { Check } from './types';

/** Every configured key behind the launch already has the principal's grant: nothing to change. */
export const grantPresent: Check<'launcher'> = {
  id: 'grant-present',
  scope: 'launcher',
  title: 'The principal already holds the grant it needs: nothing to change',
  severity: 'none',
  facts: ['images', 'keys', 'keys.grants'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    if (keysNeedingGrant(f).length > 0) return null;
    const managed = usedKeys(f).filter((k) => k.managed);
    return {
      id: 'grant-present',
      status: 'no-action',
      severity: 'none',
      resource: launcherResource(f),
      evidence: `${granteeWords(f)} already holds the grant it needs on ${managed.map((k) => k.keyArn).join(', ') || 'the key'}; nothing to change`,
      fix: null,
    };
  },
};
