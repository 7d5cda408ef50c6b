import { launchedImages, launcherResource, where } from './launch';
import type { Check } from './types';

/**
 * The member account's Allowed AMIs setting is enabled and no criterion names the central account
 * as an image provider: the shared image is invisible to it and launches fail as if it did not
 * exist (InvalidAMIID.NotFound). amiwarden never changes the setting; a declarative policy's one
 * is changed in the policy.
 */
export const allowedImagesBlockCentral: Check<'launcher'> = {
  id: 'allowed-images-block-central',
  scope: 'launcher',
  title: "The member account's Allowed AMIs setting does not allow the central account's images",
  severity: 'high',
  facts: ['allowed-images', 'images'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    const settings = f.allowedImages;
    if (!settings || settings.state !== 'enabled' || settings.imageProviders.includes(f.centralAccountId)) return null;
    const central = launchedImages(f).filter((i) => i.ownerId === f.centralAccountId);
    const unresolved = f.images.filter((i) => !i.found);
    if (central.length === 0 && unresolved.length === 0) return null;
    const providers = [...settings.imageProviders, f.centralAccountId];
    return {
      id: 'allowed-images-block-central',
      status: 'finding',
      severity: 'high',
      resource: launcherResource(f),
      evidence: `Allowed AMIs is enabled in ${f.account}/${f.region} and allows only ${settings.imageProviders.join(', ') || 'no provider'}: the central account ${f.centralAccountId}'s images that ${where(f)} launches (${[...central, ...unresolved].map((i) => i.imageId).join(', ')}) cannot be found or launched there`,
      fix:
        settings.managedBy === 'declarative-policy'
          ? `The setting is managed by a declarative policy of the organization: add ${f.centralAccountId} to its allowed image providers (amiwarden does not change it).`
          : `Add ${f.centralAccountId} to an image criterion: aws ec2 replace-image-criteria-in-allowed-images-settings --region ${f.region} --image-criteria ImageProviders=${providers.join(',')} (keep the other criteria; amiwarden does not change it).`,
    };
  },
};
