import { inspection } from './central-image';
import type { Check } from './types';

/** A compliant central image that a configured target account may not launch. */
export const amiNotShared: Check<'central-image'> = {
  id: 'ami-not-shared',
  scope: 'central-image',
  title: 'A central AMI on the organization key is not shared with every configured target',
  severity: 'low',
  facts: ['central.images', 'keys'],
  workflow: 'reencrypt-and-share',
  fixPermissions: [],
  runs: ['sweep'],
  evaluate(f) {
    if (inspection(f).classification !== 'compliant') return null;
    const missing = f.shareAccounts.filter((a) => !f.image.launchableBy.includes(a));
    if (missing.length === 0) return null;
    return {
      id: 'ami-not-shared',
      status: 'remediable',
      severity: 'low',
      resource: f.image.imageId,
      evidence: `${f.image.imageId} is on the organization key but ${missing.join(', ')} may not launch it`,
      fix: null,
    };
  },
};
