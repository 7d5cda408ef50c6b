/** What the central-image checks share: the image's classification (core/image.ts), once per facts object. */
import { classify, type Classification, type Inspection } from '../image';
import type { CentralImageFacts, Check, CheckResult } from './types';

const cache = new WeakMap<CentralImageFacts, Inspection>();

export function inspection(f: CentralImageFacts): Inspection {
  let result = cache.get(f);
  if (!result) {
    result = classify({
      request: { imageId: f.image.imageId, region: f.region, trigger: 'sweep', eventId: null, dryRun: false },
      centralAccountId: f.centralAccountId,
      ...(f.keyArn ? { keyArn: f.keyArn } : {}),
      image: f.image,
      snapshots: f.snapshots,
      keys: f.keys,
      elapsedMinutes: 0,
      waitMinutes: 0,
    });
    cache.set(f, result);
  }
  return result;
}

/**
 * A check that reports central images of one classification. A copy hides its source only while
 * it is, or may still become, usable: after a failed copy the source is reported again, and its
 * re-encryption starts a new copy (core/image.ts copyRequest).
 */
export function classificationCheck(id: string, classification: Classification, severity: 'high' | 'medium', title: string): Check<'central-image'> {
  return {
    id,
    scope: 'central-image',
    title,
    severity,
    facts: ['central.images', 'keys'],
    workflow: 'reencrypt-and-share',
    fixPermissions: [],
    runs: ['sweep'],
    evaluate(f): CheckResult | null {
      const i = inspection(f);
      if (i.classification !== classification) return null;
      if (i.copyImageId && f.usableCopyIds.includes(i.copyImageId)) return null;
      return {
        id,
        status: i.needsCopy ? 'remediable' : 'finding',
        severity,
        resource: f.image.imageId,
        evidence: i.finding,
        fix: i.needsCopy ? null : `configure a key for ${f.region} in AMIWARDEN_KMS_KEY_ARNS`,
      };
    },
  };
}
