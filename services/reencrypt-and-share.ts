/**
 * The re-encrypt-and-share workflow's steps: inspect an image, copy it onto the organization key,
 * share the compliant image, make it launchable in every target account, and deal with the
 * original. Each step re-reads live state right before it acts, so that a retry, a duplicate event
 * or a parallel execution converges on the same copy, the same permissions and the same grants.
 */
import { AutoScaling } from '../adapters/autoscaling';
import { EC2, type DryRunResult } from '../adapters/ec2';
import { IAM } from '../adapters/iam';
import { KMS } from '../adapters/kms';
import { Organizations } from '../adapters/organizations';
import { MAX_IMAGE_WAIT_MINUTES, type Config } from '../core/config';
import { InvalidInputError, MemberRoleUnavailableError } from '../core/errors';
import type { RefusalId } from '../core/checks/grant-refusal';
import { grantCovers, grantRequest } from '../core/grants';
import { describe, isImageId, memberServiceLinkedRole, requireAccountId, requireRegion, serviceLinkedRoleArn } from '../core/identifiers';
import {
  classify,
  COPY_TAG,
  copyIdentity,
  copyRequest,
  deprecationTime,
  missingPermissions,
  originalAction,
  planSharing,
  SOURCE_TAG,
  type ImageRequest,
  type Inspection,
  type LaunchPermission,
  type ObservedKey,
  type OriginalAction,
} from '../core/image';
import type { AwsContext } from './aws-context';
import { grantAutoScalingKeyAccess, type GrantOutcome } from './key-access';
import { cachedRead } from './promise-cache';

export interface InspectionResult extends Inspection {
  originalImagePolicy: Config['originalImagePolicy'];
}

/**
 * Step "Inspect image": owner, state, tags, every snapshot's key; then core classifies.
 * `executionMinutes`: how long the execution has run. A copy's wait counts from when the copy
 * started (its CreationDate), so that time first spent waiting for a pending source is not taken
 * from it.
 */
export async function inspectImage(request: ImageRequest, executionMinutes: number, config: Config, aws: AwsContext): Promise<InspectionResult> {
  const ec2 = aws.central(EC2, request.region);
  const kms = aws.central(KMS, request.region);
  const keyArn = config.keys[request.region]?.arn;
  const image = await ec2.describeImage(request.imageId);
  const copyStarted = request.trigger === 'copy' && image?.creationDate ? Date.parse(image.creationDate) : NaN;
  // The copy's own wait, but never past the point where the execution has waited the longest any
  // wait may last (MAX_IMAGE_WAIT_MINUTES, well before the state machine's 24-hour timeout).
  const elapsedMinutes = Number.isFinite(copyStarted)
    ? Math.max((Date.now() - copyStarted) / 60_000, executionMinutes - MAX_IMAGE_WAIT_MINUTES + config.imageWaitMinutes, 0)
    : executionMinutes;

  // Snapshots and keys are read only for an available image of ours: a pending one may have none yet.
  const ready = image && image.ownerId === config.centralAccountId && image.state === 'available';
  const snapshots = ready ? await ec2.describeSnapshots(image.snapshots.map((s) => s.snapshotId)) : [];
  const keyIds = [...new Set(snapshots.flatMap((s) => (s.encrypted && s.kmsKeyId ? [s.kmsKeyId] : [])))];
  const keys = await Promise.all(
    keyIds.map(async (keyId): Promise<ObservedKey> => {
      const lookup = await kms.describeKey(keyId);
      return lookup.found
        ? { keyId, found: true, keyArn: lookup.key.keyArn, keyManager: lookup.key.keyManager, keyState: lookup.key.keyState }
        : { keyId, found: false };
    }),
  );
  const inspection = classify({
    request,
    centralAccountId: config.centralAccountId,
    ...(keyArn ? { keyArn } : {}),
    ...(image
      ? {
          image: {
            imageId: image.imageId,
            ownerId: image.ownerId,
            state: image.state,
            ...(image.name ? { name: image.name } : {}),
            ...(image.stateReason ? { stateReason: image.stateReason } : {}),
            tags: image.tags,
            snapshots: image.snapshots,
          },
        }
      : {}),
    snapshots,
    keys,
    elapsedMinutes,
    waitMinutes: config.imageWaitMinutes,
  });
  return { ...inspection, originalImagePolicy: config.originalImagePolicy };
}

// ---------------------------------------------------------------------------------------------

export interface CopyInput {
  sourceImageId: string;
  region: string;
  dryRun: boolean;
}

export type CopyOutcomeName = 'started' | 'reused' | 'planned' | 'refused';

export interface CopyOutcome {
  outcome: CopyOutcomeName;
  sourceImageId: string;
  imageId: string | null;
  kmsKeyId: string | null;
  clientToken: string | null;
  name: string | null;
  /** Dry run: would EC2 allow the copy? */
  permitted: boolean | null;
  finding: string | null;
}

export function parseCopyInput(input: unknown): CopyInput {
  const o = object(input, ['sourceImageId', 'region', 'dryRun', 'execution']);
  if (!isImageId(o.sourceImageId)) throw new InvalidInputError('sourceImageId', `expected an AMI id, got ${describe(o.sourceImageId)}`);
  return { sourceImageId: o.sourceImageId, region: requireRegion('region', o.region), dryRun: bool('dryRun', o.dryRun) };
}

/**
 * Step "Copy image with organization key": reuse the copy EC2 says was made of the source (never
 * an image found by tag), else CopyImage with a deterministic ClientToken. Either way the source
 * ends up naming its copy: a retry after a half-done attempt (the copy made, the source not yet
 * tagged) finishes the link instead of leaving it missing.
 */
export async function copyWithOrganizationKey(input: CopyInput, config: Config, aws: AwsContext): Promise<CopyOutcome> {
  const ec2 = aws.central(EC2, input.region);
  const keyArn = config.keys[input.region]?.arn;
  const outcome = (name: CopyOutcomeName, rest: Partial<CopyOutcome>): CopyOutcome => ({
    outcome: name,
    sourceImageId: input.sourceImageId,
    imageId: null,
    kmsKeyId: keyArn ?? null,
    clientToken: null,
    name: null,
    permitted: null,
    finding: null,
    ...rest,
  });
  if (!keyArn) return outcome('refused', { finding: `No organization key is configured for ${input.region}` });
  const source = await ec2.describeImage(input.sourceImageId);
  if (!source || source.ownerId !== config.centralAccountId || source.state !== 'available') {
    return outcome('refused', { finding: `The image ${input.sourceImageId} is no longer an available image of the central account` });
  }

  // Re-read live state: a duplicate event or a parallel execution may have copied already.
  const copies = (await ec2.findCopiesOf(input.sourceImageId, input.region)).flatMap((image) => {
    const identity = copyIdentity(image, source, input.region, config.centralAccountId);
    return identity.copy ? [{ ...image, generation: identity.generation }] : [];
  });
  const usable = copies.find((c) => c.state === 'available') ?? copies.find((c) => c.state === 'pending');
  if (usable) {
    if (!input.dryRun && source.tags[COPY_TAG] !== usable.imageId) await ec2.tagImage(input.sourceImageId, { [COPY_TAG]: usable.imageId });
    return outcome('reused', { imageId: usable.imageId, name: usable.name ?? null });
  }

  const failed = copies.filter((c) => c.state === 'failed' || c.state === 'error').map((c) => c.generation);
  const generation = failed.length > 0 ? Math.max(...failed) + 1 : 0;
  const request = copyRequest(source, input.region, keyArn, generation);
  const planned = { kmsKeyId: keyArn, clientToken: request.clientToken, name: request.name };
  if (input.dryRun) {
    const check: DryRunResult = await ec2.canCopyImage(request);
    return outcome('planned', { ...planned, permitted: check.permitted });
  }
  const imageId = await ec2.copyImage(request);
  // The source and its snapshots: the link is what lets the original-image role act on them at all (resources/iam.yml).
  await ec2.tagImage(input.sourceImageId, { [COPY_TAG]: imageId }, source.snapshots.map((snap) => snap.snapshotId));
  return outcome('started', { ...planned, imageId });
}

// ---------------------------------------------------------------------------------------------

export interface ShareInput {
  imageId: string;
  region: string;
  dryRun: boolean;
  /** False in a dry run whose copy does not exist yet: plan only, no EC2 DryRun call. */
  imageExists: boolean;
}

export type ShareOutcomeName = 'shared' | 'already-shared' | 'planned' | 'no-targets' | 'share-limit-exceeded';

export interface ShareOutcome {
  outcome: ShareOutcomeName;
  imageId: string;
  added: LaunchPermission[];
  alreadyShared: LaunchPermission[];
  refused: { target: string; reason: string }[];
  /** Account targets: each gets the Auto Scaling grants now. */
  accounts: string[];
  /** OU / organization targets: their accounts get grants when a launch fails (launch-failure workflow). */
  deferredTargets: string[];
  permitted: boolean | null;
  finding: string | null;
}

export function parseShareInput(input: unknown): ShareInput {
  const o = object(input, ['imageId', 'region', 'dryRun', 'imageExists', 'execution']);
  if (!isImageId(o.imageId)) throw new InvalidInputError('imageId', `expected an AMI id, got ${describe(o.imageId)}`);
  return {
    imageId: o.imageId,
    region: requireRegion('region', o.region),
    dryRun: bool('dryRun', o.dryRun),
    imageExists: o.imageExists === undefined ? true : bool('imageExists', o.imageExists),
  };
}

const memberships = new Map<string, Promise<boolean>>();

/**
 * Account targets must be active members of the organization (OU and organization ARNs are
 * checked against AMIWARDEN_ORGANIZATION_ID by planSharing): one that is not is refused, not shared
 * with. Checked when the organization is configured, as it is in every deployment.
 */
export async function withinOrganization(plan: ReturnType<typeof planSharing>, config: Config, aws: AwsContext, region: string): Promise<ReturnType<typeof planSharing>> {
  if (!config.organizationId || plan.accounts.length === 0) return plan;
  const org = aws.central(Organizations, region);
  const outside: string[] = [];
  for (const account of plan.accounts) {
    const member = await cachedRead(memberships, account, () => org.isActiveMember(account));
    if (!member) outside.push(account);
  }
  if (outside.length === 0) return plan;
  return {
    ...plan,
    accounts: plan.accounts.filter((a) => !outside.includes(a)),
    permissions: plan.permissions.filter((p) => !('UserId' in p && outside.includes(p.UserId))),
    refused: [...plan.refused, ...outside.map((target) => ({ target, reason: `not an active member of the organization ${config.organizationId}` }))],
  };
}

/** Step "Share image with targets": add the launch permissions the image lacks (never `all`, never outside the organization). */
export async function shareImage(input: ShareInput, config: Config, aws: AwsContext): Promise<ShareOutcome> {
  if (!config.keys[input.region]) throw new InvalidInputError('region', `no organization key is configured for ${input.region}`);
  const plan = await withinOrganization(planSharing(config), config, aws, input.region);
  const base = { imageId: input.imageId, refused: plan.refused, accounts: plan.accounts, deferredTargets: plan.deferredTargets, permitted: null, finding: null };
  if (plan.permissions.length === 0) {
    return { ...base, outcome: 'no-targets', added: [], alreadyShared: [], finding: 'No share target is configured (AMIWARDEN_SHARE_TARGETS)' };
  }
  const ec2 = aws.central(EC2, input.region);
  const current = input.imageExists ? ((await ec2.launchPermissions(input.imageId)).filter((p) => !('Group' in p && p.Group)) as LaunchPermission[]) : [];
  const { missing, withinLimit } = missingPermissions(plan.permissions, current);
  const alreadyShared = plan.permissions.filter((p) => !missing.includes(p));
  if (!withinLimit) {
    return {
      ...base,
      outcome: 'share-limit-exceeded',
      added: [],
      alreadyShared,
      finding: `Sharing ${input.imageId} with ${missing.length} more target(s) would pass the 1,000 launch permissions an AMI may have; share with OUs or the organization instead`,
    };
  }
  if (input.dryRun) {
    const check = input.imageExists && missing.length > 0 ? await ec2.canAddLaunchPermissions(input.imageId, missing) : undefined;
    return { ...base, outcome: 'planned', added: missing, alreadyShared, permitted: check?.permitted ?? null };
  }
  if (missing.length > 0) await ec2.addLaunchPermissions(input.imageId, missing);
  return { ...base, outcome: missing.length > 0 ? 'shared' : 'already-shared', added: missing, alreadyShared };
}

// ---------------------------------------------------------------------------------------------

export interface TargetAccessInput {
  account: string;
  region: string;
  dryRun: boolean;
}

export type TargetAccessOutcomeName =
  | 'granted'
  | 'already-granted'
  | 'planned'
  | 'no-service-linked-role'
  | 'member-role-unavailable'
  | RefusalId
  | 'key-not-usable';

/**
 * Outcomes that leave the account able to launch the shared image (or, for
 * `no-service-linked-role`, granted on its first failed launch). Every other one — the member role
 * unavailable, any refusal of the grant (RefusalId), the key not usable — is a failure: the
 * execution must not end as if the account could launch.
 */
export const TARGET_OUTCOMES_NOT_FAILED: readonly TargetAccessOutcomeName[] = ['granted', 'already-granted', 'planned', 'no-service-linked-role'];

export interface TargetAccessOutcome {
  account: string;
  outcome: TargetAccessOutcomeName;
  /**
   * The account did not get the key access it needs (not TARGET_OUTCOMES_NOT_FAILED). Not for
   * `no-service-linked-role`: that account's grant is made when it first fails to launch.
   */
  failed: boolean;
  serviceLinkedRoles: string[];
  /** `permitted`, `refusal`: in a dry run, what KMS's DryRun of the member role's CreateGrant said (null: not asked, the role does not exist yet). */
  grants: (GrantOutcome['grants'][number] & { planned?: boolean; permitted?: boolean | null; refusal?: string })[];
  finding: string | null;
  fix: string | null;
}

export function parseTargetAccessInput(input: unknown, config: Config): TargetAccessInput {
  const o = object(input, ['account', 'region', 'dryRun', 'execution']);
  const account = requireAccountId('account', o.account);
  // Only an account the image is shared with gets grants: never the central account, never one the caller picks.
  if (!planSharing(config).accounts.includes(account)) throw new InvalidInputError('account', `${account} is not a share target (AMIWARDEN_SHARE_TARGETS)`);
  const region = requireRegion('region', o.region);
  if (!config.keys[region]) throw new InvalidInputError('region', `no organization key is configured for ${region}`);
  return { account, region, dryRun: bool('dryRun', o.dryRun) };
}

/**
 * Step "Grant key access to target account": every Auto Scaling service-linked role the account
 * uses (its groups' roles, and the default one if it exists) gets the grant on the region's key,
 * made from inside the account by the same code as the launch-failure workflow's grant.
 */
export async function makeLaunchable(input: TargetAccessInput, config: Config, aws: AwsContext): Promise<TargetAccessOutcome> {
  const keyArn = config.keys[input.region]!.arn;
  const result = (outcome: TargetAccessOutcomeName, rest: Partial<TargetAccessOutcome> = {}): TargetAccessOutcome => ({
    account: input.account,
    outcome,
    failed: !TARGET_OUTCOMES_NOT_FAILED.includes(outcome),
    serviceLinkedRoles: [],
    grants: [],
    finding: null,
    fix: null,
    ...rest,
  });
  let member;
  try {
    member = { autoscaling: await aws.member(AutoScaling, input.account, input.region), iam: await aws.member(IAM, input.account, input.region) };
  } catch (error) {
    if (error instanceof MemberRoleUnavailableError) return result('member-role-unavailable', { finding: error.message });
    throw error;
  }
  const defaultRole = serviceLinkedRoleArn(config.partition, input.account);
  const [groupRoles, defaultExists] = await Promise.all([member.autoscaling.serviceLinkedRoleArns(), member.iam.roleExists(defaultRole.split('/').pop()!)]);
  // The groups' ServiceLinkedRoleARN values are the member's to write: only the account's own Auto
  // Scaling service-linked roles are grantees (the same check the grant itself makes).
  const roles = [...new Set([...groupRoles, ...(defaultExists ? [defaultRole] : [])])].flatMap((arn) => {
    const slr = memberServiceLinkedRole(arn, input.account, config.partition);
    return slr ? [slr.arn] : [];
  });
  const createDefault = roles.length === 0 && config.createServiceLinkedRole;
  if (roles.length === 0 && !createDefault) {
    return result('no-service-linked-role', {
      finding: `Account ${input.account} has no Auto Scaling service-linked role yet: its grant is made when it first fails to launch (or set AMIWARDEN_CREATE_SERVICE_LINKED_ROLE=true)`,
    });
  }
  const grantees = roles.length > 0 ? roles : [defaultRole];

  if (input.dryRun) {
    const centralKms = aws.central(KMS, input.region);
    const grants = await Promise.all(
      grantees.map(async (granteePrincipal) => {
        const existing = (await centralKms.listGrants(keyArn, granteePrincipal)).find((g) => grantCovers(g, granteePrincipal));
        // Would the grant succeed? KMS's DryRun weighs the key policy, IAM, SCPs and RCPs, and creates nothing.
        const check = !existing && !createDefault ? await (await aws.member(KMS, input.account, input.region)).dryRunCreateGrant(grantRequest({ keyArn, granteePrincipal })) : undefined;
        const verdict = check ? { permitted: check.outcome === 'would-succeed', ...(check.outcome === 'refused' ? { refusal: check.message.slice(0, 600) } : {}) } : existing ? {} : { permitted: null };
        return { keyArn, granteePrincipal, name: existing?.name ?? '', grantId: existing?.grantId ?? null, created: false, planned: !existing, ...verdict };
      }),
    );
    return result('planned', { serviceLinkedRoles: grantees, grants });
  }

  const grants: TargetAccessOutcome['grants'] = [];
  let created = false;
  for (const granteePrincipal of grantees) {
    const outcome = await grantAutoScalingKeyAccess(
      { account: input.account, region: input.region, serviceLinkedRoleArn: granteePrincipal, createServiceLinkedRole: createDefault, grants: [{ keyArn, granteePrincipal }] },
      config,
      aws,
    );
    grants.push(...outcome.grants);
    if (outcome.outcome !== 'granted' && outcome.outcome !== 'already-granted') {
      return result(outcome.outcome, { serviceLinkedRoles: grantees, grants, finding: outcome.finding, fix: outcome.fix });
    }
    created ||= outcome.outcome === 'granted';
  }
  return result(created ? 'granted' : 'already-granted', { serviceLinkedRoles: grantees, grants });
}

// ---------------------------------------------------------------------------------------------

export interface OriginalInput {
  sourceImageId: string;
  copyImageId: string | null;
  region: string;
  dryRun: boolean;
  /**
   * The source's snapshots as "Inspect image" found them: what a retry deletes when an earlier
   * attempt deregistered the source (its mappings are gone with it) but did not delete them all.
   */
  sourceSnapshotIds: string[];
}

export interface OriginalOutcome {
  action: OriginalAction;
  outcome: 'kept' | 'deprecated' | 'deregistered' | 'planned' | 'refused';
  sourceImageId: string;
  deprecateAt: string | null;
  deletedSnapshots: string[];
  permitted: boolean | null;
  finding: string | null;
}

const SNAPSHOT_ID = /^snap-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SNAPSHOT_FINDING_FIELDS = ['deviceName', 'snapshotId', 'encrypted', 'kmsKeyId', 'keyManager', 'keyState', 'status'];

export function parseOriginalInput(input: unknown): OriginalInput {
  const o = object(input, ['sourceImageId', 'copyImageId', 'region', 'dryRun', 'sourceSnapshots', 'execution']);
  if (!isImageId(o.sourceImageId)) throw new InvalidInputError('sourceImageId', `expected an AMI id, got ${describe(o.sourceImageId)}`);
  if (o.copyImageId !== null && o.copyImageId !== undefined && !isImageId(o.copyImageId)) {
    throw new InvalidInputError('copyImageId', `expected an AMI id, got ${describe(o.copyImageId)}`);
  }
  const snapshots = o.sourceSnapshots ?? [];
  if (!Array.isArray(snapshots) || snapshots.length > 128) throw new InvalidInputError('sourceSnapshots', `expected at most 128 snapshots, got ${describe(snapshots)}`);
  const sourceSnapshotIds = snapshots.map((item, i) => {
    const finding = object(item, SNAPSHOT_FINDING_FIELDS, `sourceSnapshots[${i}]`);
    if (typeof finding.snapshotId !== 'string' || !SNAPSHOT_ID.test(finding.snapshotId)) {
      throw new InvalidInputError(`sourceSnapshots[${i}].snapshotId`, `expected a snapshot id, got ${describe(finding.snapshotId)}`);
    }
    return finding.snapshotId;
  });
  return {
    sourceImageId: o.sourceImageId,
    copyImageId: (o.copyImageId as string | undefined) ?? null,
    region: requireRegion('region', o.region),
    dryRun: bool('dryRun', o.dryRun),
    sourceSnapshotIds,
  };
}

/**
 * Step "Apply original image policy": keep (default), deprecate, or deregister the source. Neither
 * happens in favour of an image EC2 does not report as amiwarden's copy of that source
 * (core/image.ts copyIdentity), and a deregistration needs more: the copy is available, every
 * snapshot of it is on the organization key, it carries every planned launch permission, and the
 * source names it as its copy (the link both ways). A retry after a deregistration whose snapshot
 * deletions were cut short finishes them.
 */
export async function applyOriginalImagePolicy(input: OriginalInput, config: Config, aws: AwsContext, now = new Date()): Promise<OriginalOutcome> {
  const action = originalAction(config);
  const result = (outcome: OriginalOutcome['outcome'], rest: Partial<OriginalOutcome> = {}): OriginalOutcome => ({
    action,
    outcome,
    sourceImageId: input.sourceImageId,
    deprecateAt: null,
    deletedSnapshots: [],
    permitted: null,
    finding: null,
    ...rest,
  });
  if (action === 'keep') return result('kept');
  const ec2 = aws.central(EC2, input.region);
  const source = await ec2.describeImage(input.sourceImageId);
  if (source && source.ownerId !== config.centralAccountId) return result('refused', { finding: `The original ${input.sourceImageId} is not the central account's` });

  if (input.dryRun) {
    if (!source) return result('refused', { finding: `The original ${input.sourceImageId} no longer exists` });
    if (action === 'deprecate') {
      const at = deprecationTime(now, config.deprecateAfterDays);
      return result('planned', { deprecateAt: at.toISOString(), permitted: ((await ec2.enableImageDeprecation(input.sourceImageId, at, true)) as DryRunResult).permitted });
    }
    return result('planned', { permitted: ((await ec2.deregisterImage(input.sourceImageId, true)) as DryRunResult).permitted });
  }

  // Re-check the copy live, and by what EC2 says of it, never by its tags.
  const copy = input.copyImageId ? await ec2.describeImage(input.copyImageId) : undefined;
  const keep = (why: string) => result('refused', { finding: `${why}: the original ${input.sourceImageId} is kept` });
  if (!copy) return keep(`The copy ${input.copyImageId ?? '(none)'} does not exist`);
  const identity = copyIdentity(copy, source ?? { imageId: input.sourceImageId, ...(copyNamedSource(copy, input.sourceImageId) ?? {}) }, input.region, config.centralAccountId);
  if (!identity.copy) return keep(`The image ${copy.imageId} is not a copy EC2 made of ${input.sourceImageId} for amiwarden (${identity.reason})`);
  if (copy.state !== 'available') return keep(`The copy ${copy.imageId} is ${copy.state}, not available`);

  if (action === 'deprecate') {
    if (!source) return result('refused', { finding: `The original ${input.sourceImageId} no longer exists` });
    const at = deprecationTime(now, config.deprecateAfterDays);
    await ec2.enableImageDeprecation(input.sourceImageId, at);
    return result('deprecated', { deprecateAt: at.toISOString() });
  }

  const keyArn = config.keys[input.region]?.arn;
  const copySnapshots = await ec2.describeSnapshots(copy.snapshots.map((m) => m.snapshotId));
  const onKey = copy.snapshots.length > 0 && copy.snapshots.every((m) => copySnapshots.some((s) => s.snapshotId === m.snapshotId && s.encrypted && s.kmsKeyId === keyArn));
  if (!keyArn || !onKey) return keep(`Not every snapshot of the copy ${copy.imageId} is on the organization key`);
  const wanted = planSharing(config).permissions;
  if (wanted.length > 0 && missingPermissions(wanted, (await ec2.launchPermissions(copy.imageId)) as LaunchPermission[]).missing.length > 0) {
    return keep(`The copy ${copy.imageId} is not shared with every target yet`);
  }

  let snapshotIds: string[];
  if (source) {
    if (source.tags[COPY_TAG] !== copy.imageId) return keep(`The original does not name ${copy.imageId} as its copy (${COPY_TAG})`);
    snapshotIds = source.snapshots.map((m) => m.snapshotId);
    await ec2.deregisterImage(input.sourceImageId);
  } else {
    // Gone already: an earlier attempt deregistered it (EC2 still names it as the copy's source).
    // Its mappings went with it; the snapshots "Inspect image" found are what is left to delete.
    snapshotIds = input.sourceSnapshotIds;
  }
  const deletedSnapshots: string[] = [];
  if (action === 'deregister-and-delete-snapshots') {
    const copyIds = new Set(copy.snapshots.map((m) => m.snapshotId));
    const remaining = (await ec2.describeSnapshots(snapshotIds.filter((id) => !copyIds.has(id)))).filter((s) => s.ownerId === config.centralAccountId);
    for (const { snapshotId } of remaining) {
      await ec2.deleteSnapshot(snapshotId);
      deletedSnapshots.push(snapshotId);
    }
  }
  return result('deregistered', { deletedSnapshots });
}

/** The source's name as the copy's own name carries it (the source is gone: its name cannot be read). */
function copyNamedSource(copy: { name?: string }, sourceImageId: string): { name: string } | undefined {
  const m = new RegExp(`^(.*) \\[amiwarden ${sourceImageId}( #\\d{1,4})?\\]$`).exec(copy.name ?? '');
  return m ? { name: m[1]! } : undefined;
}

// ---------------------------------------------------------------------------------------------

/**
 * A step's payload: an object with only the fields the state machine passes. An unknown field (a
 * typo such as `dryrun`, a `shareWith: "all"`, a key or policy of the caller's choosing) is refused
 * rather than ignored.
 */
function object(input: unknown, fields: readonly string[], field = 'input'): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError(field, `expected an object, got ${describe(input)}`);
  const unknown = Object.keys(input).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; ${field === 'input' ? 'this step' : field} takes only ${fields.join(', ')}`);
  return input as Record<string, unknown>;
}

function bool(field: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidInputError(field, `expected true or false, got ${describe(value)}`);
  return value;
}
