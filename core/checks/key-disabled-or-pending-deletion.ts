import { launcherResource, usedKeys, where } from './launch';
import type { Check } from './types';

const UNUSABLE_STATES = new Set(['Disabled', 'PendingDeletion', 'PendingImport', 'Unavailable', 'PendingReplicaDeletion']);

/** The key behind the image does not exist or is not Enabled: no grant helps. */
export const keyDisabledOrPendingDeletion: Check<'launcher'> = {
  id: 'key-disabled-or-pending-deletion',
  scope: 'launcher',
  title: 'The key behind the AMI does not exist, is disabled or pending deletion',
  severity: 'high',
  facts: ['images', 'keys'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    // A key amiwarden may not describe is not called disabled (core/checks/unmanaged-key.ts names it).
    const unusable = usedKeys(f).filter((k) => (!k.found && k.reason !== 'access-denied') || (k.keyState !== undefined && UNUSABLE_STATES.has(k.keyState)));
    if (unusable.length === 0) return null;
    const states = unusable.map((k) => `${k.keyArn} (${k.found ? k.keyState : 'not found or not accessible'})`).join(', ');
    return {
      id: 'key-disabled-or-pending-deletion',
      status: 'finding',
      severity: 'high',
      resource: launcherResource(f),
      evidence: `The key behind the AMI of ${where(f)} is not usable: ${states}`,
      fix: 'Enable the key, or cancel its deletion (kms:EnableKey / kms:CancelKeyDeletion); no grant helps while the key is not Enabled.',
    };
  },
};
