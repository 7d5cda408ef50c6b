import type { Check } from './types';

/** Allowed AMIs is in audit mode without the central account: it would block the central images once enabled. */
export const allowedImagesAuditCentral: Check<'account'> = {
  id: 'allowed-images-audit-central',
  scope: 'account',
  title: "Allowed AMIs in audit mode would block the central account's images once enabled",
  severity: 'low',
  facts: ['allowed-images'],
  workflow: null,
  fixPermissions: [],
  runs: ['sweep'],
  evaluate(f) {
    const settings = f.allowedImages;
    if (!settings || settings.state !== 'audit-mode' || settings.imageProviders.includes(f.centralAccountId)) return null;
    return {
      id: 'allowed-images-audit-central',
      status: 'finding',
      severity: 'low',
      resource: f.account,
      evidence: `Allowed AMIs is in audit mode in ${f.account}/${f.region} and allows only ${settings.imageProviders.join(', ') || 'no provider'}: enabling it would hide every central image from the account`,
      fix: settings.managedBy === 'declarative-policy' ? `Add ${f.centralAccountId} to the declarative policy's allowed image providers before enabling it.` : `Add ${f.centralAccountId} to an image criterion before enabling Allowed AMIs.`,
    };
  },
};
