import { looksLikeKmsFailure } from './kms-symptoms';
import { launchedImages, launcherResource, where } from './launch';
import type { Check } from './types';

/** What AWS said is not a KMS symptom, or the image has no encrypted volume: nothing for amiwarden to do. */
export const notAKmsFailure: Check<'launcher'> = {
  id: 'not-a-kms-failure',
  scope: 'launcher',
  title: 'The launch failure does not point at KMS (its message, or an image with no encrypted volume)',
  severity: 'none',
  facts: ['launch.status-message', 'images'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis'],
  evaluate(f) {
    const base = { id: 'not-a-kms-failure', status: 'no-action' as const, severity: 'none' as const, resource: launcherResource(f), fix: null };
    if (f.statusMessage !== undefined && !looksLikeKmsFailure(f.statusMessage)) {
      return { ...base, evidence: `The launch failure of ${where(f)} does not point at KMS: ${f.statusMessage.slice(0, 300)}` };
    }
    const launched = launchedImages(f);
    if (f.launcher?.found && launched.length > 0 && !launched.some((i) => i.snapshots.some((s) => s.encrypted))) {
      return { ...base, evidence: `The AMI that ${where(f)} launches has no encrypted volume: the failure is not a KMS one` };
    }
    return null;
  },
};
