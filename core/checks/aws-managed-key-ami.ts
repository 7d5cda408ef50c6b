import { launchedImages, launcherResource, usedKeys, where } from './launch';
import type { Check } from './types';

/** The image is on aws/ebs and owned by another account: no grant or key policy can help; re-encrypt it. */
export const awsManagedKeyAmi: Check<'launcher'> = {
  id: 'aws-managed-key-ami',
  scope: 'launcher',
  title: 'The AMI launched from another account is encrypted with the AWS managed key (aws/ebs)',
  severity: 'high',
  facts: ['images', 'keys'],
  workflow: 'reencrypt-and-share',
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    const launched = launchedImages(f);
    const keys = usedKeys(f);
    const awsManaged = keys.some((k) => k.keyManager === 'AWS');
    if (!awsManaged || !launched.some((i) => i.ownerId !== f.account)) return null;
    // amiwarden can re-encrypt only what the central account owns; the copy is then shared and granted.
    const central = launched.find((i) => i.ownerId === f.centralAccountId && i.snapshots.some((s) => keys.find((k) => k.keyArn === s.kmsKeyId)?.keyManager === 'AWS'));
    const name = f.launcher?.name ?? '?';
    return {
      id: 'aws-managed-key-ami',
      status: 'finding',
      severity: 'high',
      resource: launcherResource(f),
      evidence: `The AMI that ${where(f)} launches is encrypted with the AWS managed key (aws/ebs), which cannot be used from another account`,
      fix: central
        ? `amiwarden re-encrypts ${central.imageId} with the organization key and shares the copy; point the launch template of ${name} at the copy.`
        : 'Re-encrypt the AMI with the organization key (CopyImage with KmsKeyId) in the account that owns it, and launch from the copy.',
      handOver: central && !f.dryRun ? { imageId: central.imageId, region: f.region, trigger: 'launch-failure' } : null,
    };
  },
};
