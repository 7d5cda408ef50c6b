/**
 * Step "Update launch templates in an opted-in account" of the re-encrypt-and-share workflow (off
 * by default): once a family's pointer has moved, each launch template the configuration names
 * for the account (AMIWARDEN_LAUNCH_TEMPLATE_UPDATES) whose latest version launches the family's
 * previous image gets a new version launching the new image, made from inside the account through
 * the member role, and becomes the default only with AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT. The
 * member's own stack decides whether the role may (member/member-account.yml, LaunchTemplateIds).
 *
 * Re-checked live, right before acting: the new image is visible to the account (shared), available
 * and the central account's; the account's Auto Scaling service-linked role holds the grant on the
 * region's key (KMS ListGrants, from the central account); the template exists and its latest
 * version launches the previous image.
 */
import { EC2, type Ec2Adapter, type LaunchTemplateState } from '../adapters/ec2';
import { KMS } from '../adapters/kms';
import { ACCESS_DENIED_CODES, hasCode } from '../adapters/aws';
import type { Config } from '../core/config';
import { InvalidInputError, MemberRoleUnavailableError } from '../core/errors';
import { grantCovers } from '../core/grants';
import { describe, isImageId, requireAccountId, requireRegion, serviceLinkedRoleArn } from '../core/identifiers';
import { launchTemplateAccounts, launchTemplateClientToken, launchTemplateDecision, LAUNCH_TEMPLATE_ID } from '../core/launch-templates';
import type { AwsContext } from './aws-context';

export interface LaunchTemplatesInput {
  account: string;
  launchTemplateIds: string[];
  region: string;
  imageId: string;
  previousImageId: string;
  dryRun: boolean;
}

export type TemplateOutcomeName = 'version-created' | 'default-set' | 'current' | 'not-on-previous-image' | 'absent' | 'not-permitted' | 'planned';

export interface TemplateOutcome {
  launchTemplateId: string;
  outcome: TemplateOutcomeName;
  /** The version made (or made current), null when none. */
  version: number | null;
  sourceVersion: number | null;
  /** The template's default version once the step is done (null: the template does not exist). */
  defaultVersion: number | null;
  finding: string | null;
}

export interface LaunchTemplatesOutcome {
  account: string;
  outcome: 'updated' | 'unchanged' | 'not-launchable' | 'member-role-unavailable' | 'planned';
  /** Only the failure path of the Map sets it (an error after the retries). */
  failed: false;
  templates: TemplateOutcome[];
  finding: string | null;
}

export function parseLaunchTemplatesInput(input: unknown, config: Config): LaunchTemplatesInput {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const fields = ['account', 'launchTemplateIds', 'region', 'imageId', 'previousImageId', 'dryRun', 'execution'];
  const unknown = Object.keys(input).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; this step takes only ${fields.join(', ')}`);
  const o = input as Record<string, unknown>;
  const account = requireAccountId('account', o.account);
  // Only templates the configuration names for this account: never one the caller picks.
  const configured = launchTemplateAccounts(config).find((a) => a.account === account)?.launchTemplateIds ?? [];
  if (!Array.isArray(o.launchTemplateIds) || o.launchTemplateIds.length === 0) throw new InvalidInputError('launchTemplateIds', `expected a list of launch template ids, got ${describe(o.launchTemplateIds)}`);
  for (const id of o.launchTemplateIds) {
    if (typeof id !== 'string' || !LAUNCH_TEMPLATE_ID.test(id)) throw new InvalidInputError('launchTemplateIds', `expected a launch template id, got ${describe(id)}`);
    if (!configured.includes(id)) throw new InvalidInputError('launchTemplateIds', `${id} of ${account} is not configured (AMIWARDEN_LAUNCH_TEMPLATE_UPDATES)`);
  }
  for (const field of ['imageId', 'previousImageId'] as const) {
    if (!isImageId(o[field])) throw new InvalidInputError(field, `expected an AMI id, got ${describe(o[field])}`);
  }
  if (o.imageId === o.previousImageId) throw new InvalidInputError('previousImageId', 'is the new image: the pointer did not move');
  if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') throw new InvalidInputError('dryRun', `expected true or false, got ${describe(o.dryRun)}`);
  const region = requireRegion('region', o.region);
  if (!config.keys[region]) throw new InvalidInputError('region', `no organization key is configured for ${region}`);
  return { account, launchTemplateIds: [...new Set(o.launchTemplateIds as string[])], region, imageId: o.imageId as string, previousImageId: o.previousImageId as string, dryRun: o.dryRun === true };
}

export async function updateLaunchTemplates(input: LaunchTemplatesInput, config: Config, aws: AwsContext): Promise<LaunchTemplatesOutcome> {
  const result = (outcome: LaunchTemplatesOutcome['outcome'], templates: TemplateOutcome[] = [], finding: string | null = null): LaunchTemplatesOutcome => ({
    account: input.account,
    outcome,
    failed: false,
    templates,
    finding,
  });
  let ec2;
  try {
    ec2 = await aws.member(EC2, input.account, input.region);
  } catch (error) {
    if (error instanceof MemberRoleUnavailableError) return result('member-role-unavailable', [], error.message);
    throw error;
  }

  // The new image must be launchable there: shared (visible), available, the central account's, and granted.
  const image = await ec2.describeImage(input.imageId);
  if (!image || image.state !== 'available' || image.ownerId !== config.centralAccountId) {
    return result('not-launchable', [], `${input.imageId} is not an available image of the central account shared with ${input.account}: no launch template is changed`);
  }
  const keyArn = config.keys[input.region]!.arn;
  const slr = serviceLinkedRoleArn(config.partition, input.account);
  const grants = await aws.central(KMS, input.region).listGrants(keyArn, slr);
  if (!grants.some((g) => grantCovers(g, slr))) {
    return result('not-launchable', [], `${input.account}'s Auto Scaling service-linked role holds no grant on ${keyArn}: no launch template is changed`);
  }

  const templates: TemplateOutcome[] = [];
  for (const launchTemplateId of input.launchTemplateIds) templates.push(await updateOne(launchTemplateId, await ec2.launchTemplateState(launchTemplateId), input, config, ec2));
  const changed = templates.some((t) => t.outcome === 'version-created' || t.outcome === 'default-set');
  return result(input.dryRun ? 'planned' : changed ? 'updated' : 'unchanged', templates);
}

async function updateOne(launchTemplateId: string, state: LaunchTemplateState | undefined, input: LaunchTemplatesInput, config: Config, ec2: Ec2Adapter): Promise<TemplateOutcome> {
  const outcome = (name: TemplateOutcomeName, rest: Partial<TemplateOutcome> = {}): TemplateOutcome => ({
    launchTemplateId,
    outcome: name,
    version: null,
    sourceVersion: null,
    defaultVersion: state?.defaultVersion ?? null,
    finding: null,
    ...rest,
  });
  if (!state) return outcome('absent', { finding: `${launchTemplateId} does not exist in ${input.account} ${input.region}` });
  const decision = launchTemplateDecision(state, input.previousImageId, input.imageId, config.launchTemplateSetDefault);
  if (decision.action === 'leave') {
    return decision.outcome === 'current'
      ? outcome('current', { version: state.latestVersion })
      : outcome('not-on-previous-image', { finding: `${launchTemplateId}'s latest version launches ${state.latestImageId ?? 'no image id'}, not ${input.previousImageId}: left as it is` });
  }
  if (input.dryRun) return outcome('planned', decision.action === 'create-version' ? { sourceVersion: decision.sourceVersion } : { version: decision.version });
  try {
    if (decision.action === 'set-default') {
      await ec2.setDefaultLaunchTemplateVersion(launchTemplateId, decision.version);
      return outcome('default-set', { version: decision.version, defaultVersion: decision.version });
    }
    const version = await ec2.createLaunchTemplateVersion({
      launchTemplateId,
      sourceVersion: decision.sourceVersion,
      imageId: input.imageId,
      description: `amiwarden: ${input.imageId} replaces ${input.previousImageId}`,
      clientToken: launchTemplateClientToken(launchTemplateId, decision.sourceVersion, input.imageId),
    });
    if (!config.launchTemplateSetDefault) return outcome('version-created', { version, sourceVersion: decision.sourceVersion });
    await ec2.setDefaultLaunchTemplateVersion(launchTemplateId, version);
    return outcome('version-created', { version, sourceVersion: decision.sourceVersion, defaultVersion: version });
  } catch (error) {
    // The member's stack did not opt this template in (member/member-account.yml, LaunchTemplateIds).
    if (hasCode(error, ...ACCESS_DENIED_CODES)) return outcome('not-permitted', { finding: `The member role of ${input.account} may not change ${launchTemplateId}: the member stack does not name it in LaunchTemplateIds` });
    throw error;
  }
}
