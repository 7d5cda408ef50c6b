import { launchedImages, launcherResource, usedKeys, where } from './launch';
import type { Check } from './types';

/** The key behind the image is not one amiwarden manages, or cannot be read or described. */
export const unmanagedKey: Check<'launcher'> = {
  id: 'unmanaged-key',
  scope: 'launcher',
  title: 'The AMI is on a key amiwarden does not manage, or whose key cannot be read',
  severity: 'medium',
  facts: ['images', 'keys'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    const base = { id: 'unmanaged-key', status: 'finding' as const, severity: 'medium' as const, resource: launcherResource(f) };
    const unreadable = launchedImages(f).flatMap((i) => i.snapshots.filter((s) => s.encrypted && !s.kmsKeyId).map((s) => s.snapshotId));
    if (unreadable.length > 0) {
      return { ...base, evidence: `The key behind snapshot(s) ${unreadable.join(', ')} of the AMI of ${where(f)} cannot be read from the central or the member account`, fix: null };
    }
    const keys = usedKeys(f);
    const hidden = keys.filter((k) => !k.found && k.reason === 'access-denied');
    if (hidden.length > 0) {
      return {
        ...base,
        evidence: `The key behind the AMI of ${where(f)} could not be described from amiwarden's roles (access denied): ${hidden.map((k) => k.keyArn).join(', ')}`,
        fix: hidden.some((k) => k.managed)
          ? "amiwarden's own role may not describe a configured central key: check its kms:DescribeKey permission."
          : "amiwarden manages only the configured central keys. Let this key's policy allow the launcher's role (or re-encrypt the AMI with the organization key).",
      };
    }
    const unmanaged = keys.filter((k) => k.keyManager === 'CUSTOMER' && !k.managed);
    if (unmanaged.length === 0) return null;
    return {
      ...base,
      evidence: `The AMI of ${where(f)} is encrypted with a customer key amiwarden does not manage: ${unmanaged.map((k) => k.keyArn).join(', ')}`,
      fix: 'Re-encrypt the AMI with the organization key, or add this key to AMIWARDEN_KMS_KEY_ARNS if it is the organization key of its region.',
    };
  },
};
