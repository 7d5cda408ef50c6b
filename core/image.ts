/**
 * Re-encrypt and share: what the workflow's input is, what an image is (its classification), and
 * what to do about it — pure decisions over facts gathered elsewhere (services/reencrypt-and-share.ts
 * does the I/O). The classifications are documented in docs/reencrypt-and-share.md.
 */
import { createHash } from 'node:crypto';
import type { Config, OriginalImagePolicy } from './config';
import { InvalidInputError } from './errors';
import { describe, refuseUnknownEventFields, requireImageId, requireRegion } from './identifiers';

export const CLOUDTRAIL_API_CALL = 'AWS API Call via CloudTrail';
export const AMI_STATE_CHANGE = 'EC2 AMI State Change';
/** The EC2 calls that make a new AMI (mirrors events/new-image.pattern.json; a test keeps them in step). */
export const IMAGE_CREATING_CALLS = ['CreateImage', 'CopyImage', 'RegisterImage', 'ImportImage', 'CreateRestoreImageTask'] as const;

/** Tags that link a source and its re-encrypted copy both ways. */
export const SOURCE_TAG = 'amiwarden:source-image-id';
export const COPY_TAG = 'amiwarden:copy-image-id';

export const TRIGGERS = ['cloudtrail', 'ami-state-change', 'manual', 'launch-failure', 'sweep', 'copy'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface ImageRequest {
  imageId: string;
  region: string;
  trigger: Trigger;
  eventId: string | null;
  dryRun: boolean;
}

/**
 * Accepts the CloudTrail event of a call that made an AMI, the `EC2 AMI State Change` event, or
 * `{imageId, region, dryRun?, trigger?}` (by hand, from the sweep, from the launch-failure workflow).
 * Events from another account than the central one are refused: amiwarden acts on its own images.
 */
export function parseImageRequest(input: unknown, config: Pick<Config, 'centralAccountId'> & Partial<Pick<Config, 'regions'>>): ImageRequest {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const o = input as Record<string, unknown>;
  const dryRun = o.dryRun === undefined ? false : o.dryRun;
  if (typeof dryRun !== 'boolean') throw new InvalidInputError('dryRun', `expected true or false, got ${describe(dryRun)}`);

  if (!('detail-type' in o || 'detail' in o || 'source' in o)) {
    // A manual request is small and fixed: an unknown field (a typo such as `dryrun`, a `shareWith`)
    // is refused rather than ignored, so that it can never change what the request does.
    const unknown = Object.keys(o).find((k) => !MANUAL_IMAGE_FIELDS.has(k));
    if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; a manual request has only ${[...MANUAL_IMAGE_FIELDS].join(', ')}`);
    const trigger = o.trigger === undefined ? 'manual' : o.trigger;
    if (!TRIGGERS.includes(trigger as Trigger) || trigger === 'cloudtrail' || trigger === 'ami-state-change') {
      throw new InvalidInputError('trigger', `expected one of manual, launch-failure, sweep, copy; got ${describe(trigger)}`);
    }
    return { imageId: requireImageId('imageId', o.imageId), region: configuredRegion(o.region, config), trigger: trigger as Trigger, eventId: null, dryRun };
  }

  if (o.source !== 'aws.ec2') throw new InvalidInputError('source', `expected "aws.ec2", got ${describe(o.source)}`);
  refuseUnknownEventFields(o, ['dryRun']);
  if (o.account !== config.centralAccountId) throw new InvalidInputError('account', `expected the central account ${config.centralAccountId}, got ${describe(o.account)}`);
  if (o.id !== undefined && (typeof o.id !== 'string' || o.id.length > 128)) throw new InvalidInputError('id', `expected an event id, got ${describe(o.id)}`);
  const detail = o.detail;
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) throw new InvalidInputError('detail', `expected an object, got ${describe(detail)}`);
  const d = detail as Record<string, unknown>;
  const region = configuredRegion(o.region, config);
  const eventId = typeof o.id === 'string' ? o.id : null;

  if (o['detail-type'] === CLOUDTRAIL_API_CALL) {
    if (!IMAGE_CREATING_CALLS.includes(d.eventName as (typeof IMAGE_CREATING_CALLS)[number])) {
      throw new InvalidInputError('detail.eventName', `expected one of ${IMAGE_CREATING_CALLS.join(', ')}, got ${describe(d.eventName)}`);
    }
    if (d.errorCode !== undefined) throw new InvalidInputError('detail.errorCode', `the call failed (${describe(d.errorCode)}): no image was made`);
    const response = (d.responseElements ?? {}) as Record<string, unknown>;
    if (d.eventName === 'ImportImage' && response.imageId === undefined) {
      // The call started an import task (importTaskId) and made no image yet; the rule does not
      // match such events (events/new-image.pattern.json), and the sweep finds the imported image.
      throw new InvalidInputError('detail.responseElements.imageId', 'an ImportImage call answers with an import task, not an image: there is nothing to re-encrypt until the image exists');
    }
    return { imageId: requireImageId('detail.responseElements.imageId', response.imageId), region, trigger: 'cloudtrail', eventId, dryRun };
  }
  if (o['detail-type'] === AMI_STATE_CHANGE) {
    if (d.State !== 'available') throw new InvalidInputError('detail.State', `expected "available", got ${describe(d.State)}`);
    return { imageId: requireImageId('detail.ImageId', d.ImageId), region, trigger: 'ami-state-change', eventId, dryRun };
  }
  throw new InvalidInputError('detail-type', `expected "${CLOUDTRAIL_API_CALL}" or "${AMI_STATE_CHANGE}", got ${describe(o['detail-type'])}`);
}

const MANUAL_IMAGE_FIELDS = new Set(['imageId', 'region', 'dryRun', 'trigger']);

/** The region, which must be one amiwarden is configured for (when the configuration is given). */
function configuredRegion(value: unknown, config: Partial<Pick<Config, 'regions'>>): string {
  const region = requireRegion('region', value);
  if (config.regions && !config.regions.includes(region)) throw new InvalidInputError('region', `${region} is not one of the configured regions (${config.regions.join(', ')})`);
  return region;
}

// ---------------------------------------------------------------------------------------------
// Classification

export const CLASSIFICATIONS = [
  'compliant',
  'aws-managed-key',
  'unencrypted',
  'foreign-cmk',
  'not-owned',
  'pending',
  'failed',
  'not-found',
  'no-key-for-region',
  'no-ebs-snapshots',
] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Classifications that a copy with the organization key fixes. */
export const NEEDS_COPY: readonly Classification[] = ['aws-managed-key', 'unencrypted', 'foreign-cmk'];

export type SnapshotKeyStatus = 'organization-key' | 'aws-managed-key' | 'unencrypted' | 'foreign-cmk';

export interface ObservedImage {
  imageId: string;
  ownerId: string;
  state: string;
  name?: string;
  stateReason?: string;
  /** What EC2 says the image was copied (or created) from: DescribeImages SourceImageId / SourceImageRegion. */
  sourceImageId?: string;
  sourceImageRegion?: string;
  tags: Record<string, string>;
  snapshots: { deviceName: string; snapshotId: string; encrypted: boolean }[];
}

export interface ObservedKey {
  /** The key as the snapshot names it (DescribeSnapshots gives the full ARN). */
  keyId: string;
  found: boolean;
  keyArn?: string;
  keyManager?: 'AWS' | 'CUSTOMER';
  keyState?: string;
}

export interface InspectionFacts {
  request: ImageRequest;
  centralAccountId: string;
  /** The organization key of the image's region, if one is configured. */
  keyArn?: string;
  image?: ObservedImage;
  snapshots: { snapshotId: string; encrypted: boolean; kmsKeyId?: string }[];
  keys: ObservedKey[];
  /** How long the execution has run, and how long it may wait for a pending image. */
  elapsedMinutes: number;
  waitMinutes: number;
}

export interface SnapshotFinding {
  deviceName: string;
  snapshotId: string;
  encrypted: boolean;
  kmsKeyId: string | null;
  keyManager: 'AWS' | 'CUSTOMER' | null;
  keyState: string | null;
  status: SnapshotKeyStatus;
}

export type InspectionStatus = 'act' | 'wait' | 'no-action' | 'finding';

export interface Inspection extends ImageRequest {
  classification: Classification;
  status: InspectionStatus;
  needsCopy: boolean;
  /** Still pending after the configured wait: give up and report. */
  timedOut: boolean;
  state: string | null;
  ownerId: string | null;
  name: string | null;
  keyArn: string | null;
  snapshots: SnapshotFinding[];
  /** When this image is an amiwarden copy: its source; when it has a copy: the copy. */
  sourceImageId: string | null;
  copyImageId: string | null;
  finding: string;
}

const WAITING_STATES = new Set(['pending']);

export function classify(facts: InspectionFacts): Inspection {
  const { request, image } = facts;
  const base = {
    ...request,
    timedOut: false,
    state: image?.state ?? null,
    ownerId: image?.ownerId ?? null,
    name: image?.name ?? null,
    keyArn: facts.keyArn ?? null,
    snapshots: [] as SnapshotFinding[],
    sourceImageId: image?.tags[SOURCE_TAG] ?? null,
    copyImageId: image?.tags[COPY_TAG] ?? null,
  };
  const result = (classification: Classification, status: InspectionStatus, finding: string, extra: Partial<Inspection> = {}): Inspection => ({
    ...base,
    classification,
    status,
    needsCopy: NEEDS_COPY.includes(classification),
    finding,
    ...extra,
  });
  const where = `${request.imageId} in ${request.region}`;

  if (!image) return result('not-found', 'finding', `The image ${where} does not exist or is not visible to the central account`);
  if (image.ownerId !== facts.centralAccountId) {
    return result('not-owned', 'no-action', `The image ${where} belongs to ${image.ownerId}: amiwarden acts only on images the central account ${facts.centralAccountId} owns`);
  }
  if (WAITING_STATES.has(image.state)) {
    const timedOut = facts.elapsedMinutes >= facts.waitMinutes;
    return result(
      'pending',
      timedOut ? 'finding' : 'wait',
      timedOut ? `The image ${where} is still ${image.state} after ${facts.waitMinutes} minutes; amiwarden stopped waiting` : `The image ${where} is ${image.state}`,
      { timedOut },
    );
  }
  if (image.state !== 'available') {
    return result('failed', 'finding', `The image ${where} is ${image.state}${image.stateReason ? `: ${image.stateReason}` : ''}`);
  }
  if (image.snapshots.length === 0) return result('no-ebs-snapshots', 'no-action', `The image ${where} has no EBS snapshot (instance store): nothing to encrypt`);

  const snapshots = image.snapshots.map((mapping): SnapshotFinding => {
    const snapshot = facts.snapshots.find((s) => s.snapshotId === mapping.snapshotId);
    const encrypted = snapshot ? snapshot.encrypted : mapping.encrypted;
    const kmsKeyId = encrypted ? (snapshot?.kmsKeyId ?? null) : null;
    const key = kmsKeyId ? facts.keys.find((k) => k.keyId === kmsKeyId || k.keyArn === kmsKeyId) : undefined;
    const status: SnapshotKeyStatus = !encrypted
      ? 'unencrypted'
      : key?.keyManager === 'AWS'
        ? 'aws-managed-key'
        : facts.keyArn && (key?.keyArn ?? kmsKeyId) === facts.keyArn
          ? 'organization-key'
          : 'foreign-cmk';
    return {
      deviceName: mapping.deviceName,
      snapshotId: mapping.snapshotId,
      encrypted,
      kmsKeyId,
      keyManager: key?.keyManager ?? null,
      keyState: key?.keyState ?? null,
      status,
    };
  });
  const withSnapshots = { snapshots };
  const count = (status: SnapshotKeyStatus) => snapshots.filter((s) => s.status === status).length;

  if (snapshots.every((s) => s.status === 'organization-key')) {
    return result('compliant', 'act', `Every snapshot of the image ${where} is encrypted with the organization key ${facts.keyArn}`, withSnapshots);
  }
  if (!facts.keyArn) {
    return result('no-key-for-region', 'finding', `The image ${where} is not on an organization key and no key is configured for ${request.region}`, {
      ...withSnapshots,
      needsCopy: false,
    });
  }
  // Several volumes may differ: the most fundamental problem names the image (the copy fixes all).
  const of = `${snapshots.length} snapshot(s) of the image ${where}`;
  if (count('aws-managed-key') > 0) return result('aws-managed-key', 'act', `${count('aws-managed-key')} of ${of} use the AWS managed key (aws/ebs), which cannot be shared`, withSnapshots);
  if (count('foreign-cmk') > 0) return result('foreign-cmk', 'act', `${count('foreign-cmk')} of ${of} use a customer key that is not the organization key ${facts.keyArn}`, withSnapshots);
  return result('unencrypted', 'act', `${count('unencrypted')} of ${of} are not encrypted`, withSnapshots);
}

// ---------------------------------------------------------------------------------------------
// The copy

export interface CopyRequest {
  sourceImageId: string;
  region: string;
  kmsKeyId: string;
  name: string;
  description: string;
  clientToken: string;
  tags: Record<string, string>;
}

/**
 * The CopyImage call that re-encrypts a source. The ClientToken is derived from the source, the key
 * and the generation (how many copies of this source have failed before), so that a retry or a
 * duplicate event is answered by EC2 with the same copy, while a new attempt after a failed copy
 * (or with a new key) makes a new one.
 */
export function copyRequest(source: { imageId: string; name?: string }, region: string, keyArn: string, generation = 0): CopyRequest {
  const clientToken = createHash('sha256').update(`amiwarden:${region}:${source.imageId}:${keyArn}:${generation}`).digest('hex').slice(0, 64);
  const name = copyName(source, generation);
  const description = `Re-encrypted by amiwarden from ${source.imageId}${source.name ? ` (${source.name.slice(0, 80)})` : ''} with the organization key`.slice(0, 255);
  return { sourceImageId: source.imageId, region, kmsKeyId: keyArn, name, description, clientToken, tags: { [SOURCE_TAG]: source.imageId } };
}

/** The name amiwarden gives the copy of `source` (AMI names: 3-128 of [A-Za-z0-9()[] ./'@_-], unique per account and region). */
export function copyName(source: { imageId: string; name?: string }, generation: number): string {
  const base = (source.name ?? source.imageId).replace(/[^A-Za-z0-9()[\] ./'@_-]/g, '_').slice(0, 90);
  return `${base} [amiwarden ${source.imageId}${generation > 0 ? ` #${generation + 1}` : ''}]`;
}

/** What EC2 reports about an image that may be a copy: DescribeImages' owner, name and source. */
export interface CopyCandidate {
  imageId: string;
  ownerId: string;
  name?: string;
  sourceImageId?: string;
  sourceImageRegion?: string;
}

export type CopyIdentity = { copy: true; generation: number } | { copy: false; reason: string };

/**
 * Is `image` the copy amiwarden made of `source` in `region`? Only what EC2 itself reports counts:
 * the central account owns it, DescribeImages names `source` as its SourceImageId and `region` as
 * its SourceImageRegion, and it bears the name amiwarden's CopyImage gave it (the source's name and
 * id, and the generation; the ClientToken is not readable back). A tag decides nothing: anyone
 * allowed ec2:CreateTags in the central account could write one.
 */
export function copyIdentity(image: CopyCandidate, source: { imageId: string; name?: string }, region: string, centralAccountId: string): CopyIdentity {
  if (image.imageId === source.imageId) return { copy: false, reason: 'it is the source itself' };
  if (image.ownerId !== centralAccountId) return { copy: false, reason: `it belongs to ${image.ownerId || 'another account'}` };
  if (image.sourceImageId !== source.imageId || image.sourceImageRegion !== region) {
    return { copy: false, reason: `EC2 reports it made from ${image.sourceImageId ?? 'no source image'}${image.sourceImageRegion ? ` in ${image.sourceImageRegion}` : ''}` };
  }
  const generation = Number(/ #(\d{1,4})\]$/.exec(image.name ?? '')?.[1] ?? 1) - 1;
  if (generation < 0 || image.name !== copyName(source, generation)) return { copy: false, reason: `its name ${JSON.stringify(image.name ?? '')} is not one amiwarden gives a copy of ${source.imageId}` };
  return { copy: true, generation };
}

// ---------------------------------------------------------------------------------------------
// Sharing

export type LaunchPermission = { UserId: string } | { OrganizationArn: string } | { OrganizationalUnitArn: string };

export const MAX_LAUNCH_PERMISSIONS = 1000;

export interface SharePlan {
  permissions: LaunchPermission[];
  /** Accounts to make launchable now (grants for their Auto Scaling roles). */
  accounts: string[];
  /** OU and organization targets: their accounts get grants when a launch fails (the launch-failure workflow). */
  deferredTargets: string[];
  refused: { target: string; reason: string }[];
}

/** Turns the configured targets into launch permissions; refuses the owner and anything outside the organization. */
export function planSharing(config: Pick<Config, 'shareTargets' | 'organizationId' | 'centralAccountId'>): SharePlan {
  const plan: SharePlan = { permissions: [], accounts: [], deferredTargets: [], refused: [] };
  for (const target of [...new Set(config.shareTargets)]) {
    if (/^\d{12}$/.test(target)) {
      if (target === config.centralAccountId) {
        plan.refused.push({ target, reason: 'the central account owns the image' });
        continue;
      }
      plan.permissions.push({ UserId: target });
      plan.accounts.push(target);
      continue;
    }
    const org = /:organization\/(o-[a-z0-9]+)$/.exec(target)?.[1] ?? /:ou\/(o-[a-z0-9]+)\//.exec(target)?.[1];
    if (!org) {
      plan.refused.push({ target, reason: 'not an account id, OU ARN or organization ARN' });
      continue;
    }
    if (config.organizationId && org !== config.organizationId) {
      plan.refused.push({ target, reason: `outside the organization ${config.organizationId}` });
      continue;
    }
    plan.permissions.push(target.includes(':ou/') ? { OrganizationalUnitArn: target } : { OrganizationArn: target });
    plan.deferredTargets.push(target);
  }
  return plan;
}

export const permissionKey = (p: LaunchPermission): string =>
  'UserId' in p ? `user:${p.UserId}` : 'OrganizationArn' in p ? `org:${p.OrganizationArn}` : `ou:${p.OrganizationalUnitArn}`;

/** What to add to an image's current launch permissions, and whether that stays within AWS's limit. */
export function missingPermissions(wanted: LaunchPermission[], current: LaunchPermission[]): { missing: LaunchPermission[]; withinLimit: boolean } {
  const have = new Set(current.map(permissionKey));
  const missing = wanted.filter((p) => !have.has(permissionKey(p)));
  return { missing, withinLimit: current.length + missing.length <= MAX_LAUNCH_PERMISSIONS };
}

// ---------------------------------------------------------------------------------------------
// The original

export type OriginalAction = 'keep' | 'deprecate' | 'deregister' | 'deregister-and-delete-snapshots';

export function originalAction(config: Pick<Config, 'originalImagePolicy' | 'deleteSnapshots'>): OriginalAction {
  const policy: OriginalImagePolicy = config.originalImagePolicy;
  if (policy === 'deregister') return config.deleteSnapshots ? 'deregister-and-delete-snapshots' : 'deregister';
  return policy;
}

/** The deprecation time: whole minutes (EC2 rounds seconds up anyway), `days` from `now`. */
export function deprecationTime(now: Date, days: number): Date {
  const at = new Date(now.getTime() + days * 86_400_000);
  at.setUTCSeconds(0, 0);
  return at;
}
