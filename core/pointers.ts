/**
 * Image pointers: which family an image belongs to, where its pointer lives, and whether the
 * pointer may move to it. Pure decisions; services/pointers.ts does the I/O. Documented in
 * docs/image-pointers.md.
 */
import { createHash } from 'node:crypto';
import { FAMILY_NAME, type Config } from './config';
import type { Partition } from './identifiers';

/** The one RAM share (per region) through which the central account shares every pointer. */
export const POINTER_SHARE_NAME = 'amiwarden-image-pointers';

export type FamilyOf = { family: string; from: 'tag' | 'name' } | { family: null; reason: string };

/** The family of a central image: the configured tag's value, else the first name pattern that matches. */
export function familyOf(image: { name?: string; tags: Record<string, string> }, config: Pick<Config, 'imageFamilyTag' | 'imageFamilies'>): FamilyOf {
  if (config.imageFamilyTag && image.tags[config.imageFamilyTag] !== undefined) {
    const value = image.tags[config.imageFamilyTag]!.trim();
    if (FAMILY_NAME.test(value)) return { family: value, from: 'tag' };
    return { family: null, reason: `the ${config.imageFamilyTag} tag is ${JSON.stringify(value.slice(0, 140))}, not a family name (1-128 of [A-Za-z0-9_.-])` };
  }
  const match = config.imageFamilies.find((f) => image.name !== undefined && globMatches(f.pattern, image.name));
  if (match) return { family: match.family, from: 'name' };
  return { family: null, reason: 'the image matches no configured family (AMIWARDEN_IMAGE_FAMILY_TAG, AMIWARDEN_IMAGE_FAMILIES)' };
}

export function pointersEnabled(config: Pick<Config, 'imageFamilyTag' | 'imageFamilies'>): boolean {
  return Boolean(config.imageFamilyTag) || config.imageFamilies.length > 0;
}

/** `*` matches any run of characters; everything else matches itself. */
export function globMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

export function pointerName(prefix: string, family: string): string {
  return `${prefix}/${family}`;
}

/** A parameter's ARN (its name starts with `/`, so the ARN has one slash after `parameter`). */
export function parameterArn(partition: Partition, region: string, account: string, name: string): string {
  return `arn:${partition}:ssm:${region}:${account}:parameter${name}`;
}

/** The same CreateResourceShare request twice (a parallel execution) makes one share. */
export function shareClientToken(region: string, name = POINTER_SHARE_NAME): string {
  return createHash('sha256').update(`amiwarden:${region}:${name}`).digest('hex').slice(0, 64);
}

/**
 * Whether the pointer may move from the image it names now to `candidate`: never backwards. Each
 * image's age is that of what was built (for a copy, its source's creation date, which EC2 reports
 * through SourceImageId; a copy whose source is not known counts from its own creation).
 */
export function mayMove(candidateBuiltAt: string | undefined, currentBuiltAt: string | undefined): boolean {
  if (!currentBuiltAt) return true;
  if (!candidateBuiltAt) return false;
  return Date.parse(candidateBuiltAt) >= Date.parse(currentBuiltAt);
}

/**
 * The deprecation time a copy takes from its source: the same time, so that an age-based Allowed
 * AMIs criterion is not bypassed by the copy's fresh creation date. A time already past becomes
 * the next whole minute (a copy of a deprecated image is deprecated at once).
 */
export function inheritedDeprecation(sourceDeprecation: string | undefined, now: Date): Date | undefined {
  if (!sourceDeprecation) return undefined;
  const at = new Date(sourceDeprecation);
  if (Number.isNaN(at.getTime())) return undefined;
  if (at.getTime() > now.getTime()) return at;
  const next = new Date(now.getTime() + 60_000);
  next.setUTCSeconds(0, 0);
  return next;
}
