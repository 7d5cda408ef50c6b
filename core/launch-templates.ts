/**
 * Launch-template versions in opted-in member accounts (off by default): when a family's pointer
 * moves, each launch template the configuration names for an account, whose latest version
 * launches the family's previous image, gets a new version launching the new one. Pure decisions;
 * services/launch-templates.ts does the I/O. Documented in docs/image-pointers.md.
 */
import { createHash } from 'node:crypto';
import type { Config } from './config';

export interface LaunchTemplateTarget {
  account: string;
  launchTemplateId: string;
}

export interface LaunchTemplateAccount {
  account: string;
  launchTemplateIds: string[];
}

export const LAUNCH_TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;

/** The configured templates, one entry per account (in the order the configuration names them). */
export function launchTemplateAccounts(config: Pick<Config, 'launchTemplateUpdates'>): LaunchTemplateAccount[] {
  const byAccount = new Map<string, string[]>();
  for (const t of config.launchTemplateUpdates) {
    const ids = byAccount.get(t.account) ?? [];
    if (!ids.includes(t.launchTemplateId)) ids.push(t.launchTemplateId);
    byAccount.set(t.account, ids);
  }
  return [...byAccount].map(([account, launchTemplateIds]) => ({ account, launchTemplateIds }));
}

/** What EC2 says of a template now: its latest version's image and number, and its default version's number. */
export interface TemplateState {
  latestImageId?: string;
  latestVersion: number;
  defaultVersion: number;
}

export type TemplateDecision =
  | { action: 'create-version'; sourceVersion: number }
  | { action: 'set-default'; version: number }
  | { action: 'leave'; outcome: 'current' | 'not-on-previous-image' };

/**
 * A template is moved only from the family's previous image: one that launches anything else
 * (another image, a `resolve:ssm:` parameter, nothing) is left as it is. A template whose latest
 * version already launches the new image is current (a replay); its default version is moved to
 * it only when `setDefault` is configured.
 */
export function launchTemplateDecision(state: TemplateState, previousImageId: string, imageId: string, setDefault: boolean): TemplateDecision {
  if (state.latestImageId === imageId) {
    return setDefault && state.defaultVersion !== state.latestVersion ? { action: 'set-default', version: state.latestVersion } : { action: 'leave', outcome: 'current' };
  }
  if (state.latestImageId !== previousImageId) return { action: 'leave', outcome: 'not-on-previous-image' };
  return { action: 'create-version', sourceVersion: state.latestVersion };
}

/** The same version request twice (a retry, a parallel execution) makes one version. */
export function launchTemplateClientToken(launchTemplateId: string, sourceVersion: number, imageId: string): string {
  return createHash('sha256').update(`amiwarden:${launchTemplateId}:${sourceVersion}:${imageId}`).digest('hex').slice(0, 64);
}
