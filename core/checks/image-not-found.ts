import { launchedImages, launcherResource, where } from './launch';
import type { Check } from './types';

/** No image the launcher launches can be found (or it is named through a Systems Manager parameter amiwarden does not resolve). */
export const imageNotFound: Check<'launcher'> = {
  id: 'image-not-found',
  scope: 'launcher',
  title: 'The AMI the launcher launches cannot be found, or is named by a Systems Manager parameter',
  severity: 'medium',
  facts: ['launcher', 'images'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis'],
  evaluate(f) {
    if (launchedImages(f).length > 0) return null;
    const base = { id: 'image-not-found', status: 'finding' as const, severity: 'medium' as const, resource: launcherResource(f) };
    const parameters = f.launcher?.imageParameters ?? [];
    if (parameters.length > 0 && f.images.length === 0) {
      // Resolving one needs ssm:GetParameters in the member account, which could read any parameter, secrets included.
      return {
        ...base,
        evidence: `The launch template of ${where(f)} names its AMI through the Systems Manager parameter ${parameters.join(', ')}, which amiwarden does not resolve`,
        fix: `Look the AMI up (aws ssm get-parameter --name ${parameters[0]!.replace(/^resolve:ssm:/, '')}); if it is on the organization key, name that AMI id in the launch template (then amiwarden creates the grant), or create the grant from the member account yourself (docs/launch-failure.md).`,
      };
    }
    return { ...base, evidence: `The AMI that ${where(f)} launches (${f.images.map((i) => i.imageId).join(', ') || 'none resolved'}) cannot be found`, fix: null };
  },
};
