/**
 * Step "Publish the launchable image" of the re-encrypt-and-share workflow, once the image is
 * shared and its targets' grants are made:
 *
 * - lineage: a copy takes its source's deprecation time (EC2 reports the source itself through
 *   SourceImageId, and amiwarden's copy description names it);
 * - the image pointer: the family's SSM parameter (`aws:ec2:image`, advanced tier) in the central
 *   account is set to this image — only after re-checking live that the image is available, on the
 *   organization key and shared with every target, and never backwards to an older build — and the
 *   parameter is shared through RAM with the configured targets.
 */
import { EC2, type ImageDetail } from '../adapters/ec2';
import { RAM } from '../adapters/ram';
import { SSM } from '../adapters/ssm';
import type { Config } from '../core/config';
import { InvalidInputError } from '../core/errors';
import { describe, isImageId, requireRegion } from '../core/identifiers';
import { missingPermissions, planSharing, type LaunchPermission } from '../core/image';
import {
  familyOf,
  inheritedDeprecation,
  mayMove,
  parameterArn,
  pointerName,
  pointersEnabled,
  POINTER_SHARE_NAME,
  shareClientToken,
} from '../core/pointers';
import { launchTemplateAccounts, type LaunchTemplateAccount } from '../core/launch-templates';
import type { AwsContext } from './aws-context';
import { builtAtOf, imageLineage, type Lineage } from './lineage';
import { withinOrganization } from './reencrypt-and-share';

export interface PublishInput {
  sourceImageId: string;
  imageId: string;
  region: string;
  dryRun: boolean;
  /** False in a dry run whose copy does not exist yet. */
  imageExists: boolean;
}

export interface LineageOutcome {
  outcome: 'not-a-copy' | 'recorded' | 'deprecation-copied' | 'planned';
  sourceImageId: string;
  description: string | null;
  deprecationTime: string | null;
  /** The published image's chain back to its root, as EC2 reports it (null: no image yet, a dry run). */
  ancestry?: Lineage | null;
}

export type PointerOutcomeName = 'disabled' | 'no-family' | 'current' | 'updated' | 'submitted' | 'kept-newer' | 'not-launchable' | 'planned';

export interface PointerOutcome {
  outcome: PointerOutcomeName;
  family: string | null;
  parameterName: string | null;
  parameterArn: string | null;
  previousImageId: string | null;
  imageId: string;
  share: { outcome: 'created' | 'associated' | 'already-shared' | 'no-targets' | 'planned' | 'not-shared'; shareArn: string | null; added: string[] };
  finding: string | null;
}

export interface PublishOutcome {
  imageId: string;
  lineage: LineageOutcome;
  pointer: PointerOutcome;
  /**
   * The opted-in accounts whose configured launch templates the next step moves from the pointer's
   * previous image to this one (AMIWARDEN_LAUNCH_TEMPLATE_UPDATES): only when the pointer moved now.
   */
  launchTemplates: { accounts: LaunchTemplateAccount[] };
}

export function parsePublishInput(input: unknown): PublishInput {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const fields = ['sourceImageId', 'imageId', 'region', 'dryRun', 'imageExists', 'execution'];
  const unknown = Object.keys(input).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; this step takes only ${fields.join(', ')}`);
  const o = input as Record<string, unknown>;
  for (const field of ['sourceImageId', 'imageId'] as const) {
    if (!isImageId(o[field])) throw new InvalidInputError(field, `expected an AMI id, got ${describe(o[field])}`);
  }
  for (const field of ['dryRun', 'imageExists'] as const) {
    if (o[field] !== undefined && typeof o[field] !== 'boolean') throw new InvalidInputError(field, `expected true or false, got ${describe(o[field])}`);
  }
  return {
    sourceImageId: o.sourceImageId as string,
    imageId: o.imageId as string,
    region: requireRegion('region', o.region),
    dryRun: o.dryRun === true,
    imageExists: o.imageExists !== false,
  };
}

export async function publishImage(input: PublishInput, config: Config, aws: AwsContext, now = new Date()): Promise<PublishOutcome> {
  const keyArn = config.keys[input.region]?.arn;
  if (!keyArn) throw new InvalidInputError('region', `no organization key is configured for ${input.region}`);
  const ec2 = aws.central(EC2, input.region);
  const source = await ec2.describeImage(input.sourceImageId);
  const image = !input.imageExists ? undefined : input.imageId === input.sourceImageId ? source : await ec2.describeImage(input.imageId);
  const copied = input.imageId !== input.sourceImageId || !input.imageExists;

  // --- Lineage --------------------------------------------------------------------------------
  const inherited = copied ? inheritedDeprecation(source?.deprecationTime, now) : undefined;
  let lineage: LineageOutcome = { outcome: 'not-a-copy', sourceImageId: input.sourceImageId, description: image?.description ?? null, deprecationTime: image?.deprecationTime ?? null };
  if (copied) {
    if (!image || input.dryRun) {
      lineage = { outcome: 'planned', sourceImageId: input.sourceImageId, description: null, deprecationTime: inherited?.toISOString() ?? null };
    } else if (inherited && !sameMinute(image.deprecationTime, inherited)) {
      await ec2.enableImageDeprecation(image.imageId, inherited);
      lineage = { outcome: 'deprecation-copied', sourceImageId: input.sourceImageId, description: image.description ?? null, deprecationTime: inherited.toISOString() };
    } else {
      lineage = { outcome: 'recorded', sourceImageId: input.sourceImageId, description: image.description ?? null, deprecationTime: image.deprecationTime ?? null };
    }
  }

  const ancestry = image && !input.dryRun ? await imageLineage(image, input.region, aws) : null;
  lineage = { ...lineage, ancestry };

  // --- Pointer --------------------------------------------------------------------------------
  const pointer = (outcome: PointerOutcomeName, rest: Partial<PointerOutcome> = {}): PointerOutcome => ({
    outcome,
    family: null,
    parameterName: null,
    parameterArn: null,
    previousImageId: null,
    imageId: input.imageId,
    share: { outcome: 'not-shared', shareArn: null, added: [] },
    finding: null,
    ...rest,
  });
  const done = (p: PointerOutcome): PublishOutcome => ({
    imageId: input.imageId,
    lineage,
    pointer: p,
    launchTemplates: { accounts: p.outcome === 'updated' && p.previousImageId && p.previousImageId !== p.imageId ? launchTemplateAccounts(config) : [] },
  });
  if (!pointersEnabled(config)) return done(pointer('disabled'));
  if (!source) return done(pointer('no-family', { finding: `The source ${input.sourceImageId} no longer exists: its family is unknown` }));
  const family = familyOf(source, config);
  if (family.family === null) return done(pointer('no-family', { finding: `No image pointer for ${input.sourceImageId}: ${family.reason}` }));
  const name = pointerName(config.pointerPrefix, family.family);
  const arn = parameterArn(config.partition, input.region, config.centralAccountId, name);
  const named = { family: family.family, parameterName: name, parameterArn: arn };
  const plan = await withinOrganization(planSharing(config), config, aws, input.region);
  const principals = [...plan.accounts, ...plan.deferredTargets];

  const ssm = aws.central(SSM, input.region);
  const current = await ssm.getParameter(name);
  const previousImageId = current?.value ?? null;
  if (input.dryRun || !image) {
    return done(pointer('planned', { ...named, previousImageId, share: { outcome: 'planned', shareArn: null, added: principals } }));
  }

  // Re-check live, right before pointing at it: what a target would launch.
  const unlaunchable = await whyNotLaunchable(image, keyArn, plan.permissions, config, aws, input.region);
  if (unlaunchable) return done(pointer('not-launchable', { ...named, previousImageId, finding: unlaunchable }));

  let outcome: PointerOutcomeName = 'current';
  let finding: string | null = null;
  if (previousImageId !== image.imageId) {
    const currentImage = previousImageId ? await ec2.describeImage(previousImageId) : undefined;
    const usable = currentImage && currentImage.state === 'available' && currentImage.ownerId === config.centralAccountId;
    if (usable && !mayMove(builtAtOf(ancestry!, image), builtAtOf(await imageLineage(currentImage, input.region, aws), currentImage))) {
      return done(pointer('kept-newer', { ...named, previousImageId, finding: `${name} keeps ${previousImageId}, built after ${input.sourceImageId}`, share: await share(arn, principals, config, aws, input.region) }));
    }
    await ssm.putImagePointer(name, image.imageId, `Launchable ${family.family} image in ${input.region}: ${image.imageId}${copied ? ` (re-encrypted from ${input.sourceImageId})` : ''}. Kept by amiwarden.`);
    // SSM validates aws:ec2:image values after answering: read back what it kept.
    const kept = await ssm.getParameter(name);
    outcome = kept?.value === image.imageId ? 'updated' : 'submitted';
    if (outcome === 'submitted') finding = `SSM has not (yet) accepted ${image.imageId} for ${name}; it still names ${kept?.value ?? 'nothing'}. The next run re-checks it.`;
  }
  return done(pointer(outcome, { ...named, previousImageId, finding, share: await share(arn, principals, config, aws, input.region) }));
}

async function whyNotLaunchable(image: ImageDetail, keyArn: string, wanted: LaunchPermission[], config: Config, aws: AwsContext, region: string): Promise<string | null> {
  if (image.ownerId !== config.centralAccountId || image.state !== 'available') return `${image.imageId} is not an available image of the central account (${image.state}): the pointer is not moved`;
  const ec2 = aws.central(EC2, region);
  const snapshots = await ec2.describeSnapshots(image.snapshots.map((s) => s.snapshotId));
  const off = image.snapshots.filter((m) => snapshots.find((s) => s.snapshotId === m.snapshotId)?.kmsKeyId !== keyArn);
  if (image.snapshots.length === 0 || off.length > 0) return `${off.length || 'no'} snapshot(s) of ${image.imageId} on the organization key ${keyArn}: the pointer is not moved`;
  const missing = missingPermissions(wanted, (await ec2.launchPermissions(image.imageId)) as LaunchPermission[]).missing;
  if (missing.length > 0) return `${image.imageId} is not shared with ${missing.length} target(s) yet: the pointer is not moved`;
  return null;
}

async function share(arn: string, principals: string[], config: Config, aws: AwsContext, region: string): Promise<PointerOutcome['share']> {
  if (principals.length === 0) return { outcome: 'no-targets', shareArn: null, added: [] };
  const ram = aws.central(RAM, region);
  const existing = await ram.findOwnShare(POINTER_SHARE_NAME);
  if (!existing) {
    const created = await ram.createShare({
      name: POINTER_SHARE_NAME,
      resourceArns: [arn],
      principals,
      // Within an organization, accounts get the share without an invitation; outside, never.
      allowExternalPrincipals: !config.organizationId,
      clientToken: shareClientToken(region),
    });
    return { outcome: 'created', shareArn: created.arn, added: principals };
  }
  const [resources, current] = await Promise.all([ram.associated(existing.arn, 'RESOURCE'), ram.associated(existing.arn, 'PRINCIPAL')]);
  const addResources = resources.includes(arn) ? [] : [arn];
  const addPrincipals = principals.filter((p) => !current.includes(p));
  if (addResources.length === 0 && addPrincipals.length === 0) return { outcome: 'already-shared', shareArn: existing.arn, added: [] };
  await ram.associate(existing.arn, { resourceArns: addResources, principals: addPrincipals });
  return { outcome: 'associated', shareArn: existing.arn, added: addPrincipals };
}

function sameMinute(a: string | undefined, b: Date): boolean {
  if (!a) return false;
  return Math.floor(Date.parse(a) / 60_000) === Math.floor(b.getTime() / 60_000);
}
