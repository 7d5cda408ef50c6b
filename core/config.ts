/**
 * amiwarden's configuration: environment variables, parsed and validated once at cold start.
 * A bad setting fails the function's initialisation with a ConfigurationError that names it.
 * The reference is in docs/configuration.md.
 */
import { ConfigurationError } from './errors';
import { STALE_GRANT_POLICIES, type StaleGrantPolicy } from './grant-health';
import { parseCallingRole, type CallingRoleSpec } from './calling-roles';
import { LAUNCH_TEMPLATE_ID, type LaunchTemplateTarget } from './launch-templates';
import { isAccountId, isRegion, isRoleName, parseKeyArn, type KeyArn, type Partition } from './identifiers';

export type Mode = 'report' | 'enforce';

/** What happens to an image once its re-encrypted copy is available and shared. */
export const ORIGINAL_IMAGE_POLICIES = ['keep', 'deprecate', 'deregister'] as const;
export type OriginalImagePolicy = (typeof ORIGINAL_IMAGE_POLICIES)[number];

export interface Config {
  centralAccountId: string;
  partition: Partition;
  /** The customer managed key to use in each region, by region. */
  keys: Record<string, KeyArn>;
  regions: string[];
  memberRoleName: string;
  memberExternalId?: string;
  /** Create a missing Auto Scaling service-linked role in a member account before granting. */
  createServiceLinkedRole: boolean;
  mode: Mode;
  /** Where amiwarden shares images: account ids, OU ARNs and/or the organization ARN. */
  shareTargets: string[];
  /** The organization (o-…): scopes the recommended key policy and is checked against it. */
  organizationId?: string;
  /** The source of a re-encrypted copy: kept (default), deprecated, or deregistered once the copy is shared. */
  originalImagePolicy: OriginalImagePolicy;
  /** With `deprecate`: the original is deprecated this many days after the copy is shared. */
  deprecateAfterDays: number;
  /** With `deregister`: also delete the original's snapshots. Never by default. */
  deleteSnapshots: boolean;
  /** How long the re-encryption workflow waits for a pending image or copy before reporting it. */
  imageWaitMinutes: number;
  /** The S3 bucket the compliance sweep writes its inventories and reports to. */
  reportBucket?: string;
  /** At most this many remediations one sweep in enforce mode may start. */
  sweepMaxChanges: number;
  /** Sweep only the accounts under these OUs (ou-…); empty = the whole organization. */
  sweepOrganizationalUnits: string[];
  /**
   * Grants found dead, incomplete (once replaced), duplicate or out of scope: `keep` (default)
   * reports them; `revoke` lets the grant-health repair revoke them. Nothing else ever revokes a grant.
   */
  staleGrantPolicy: StaleGrantPolicy;
  /** Image pointers: the tag key on central AMIs whose value names the image's family. */
  imageFamilyTag?: string;
  /** Image pointers: families by AMI name, `family=name-pattern` (`*` matches any run of characters), first match wins. */
  imageFamilies: ImageFamilyPattern[];
  /** Image pointers: the path under which each family's parameter is kept (`<prefix>/<family>`). */
  pointerPrefix: string;
  /**
   * Launch templates in member accounts that get a new version when their family's pointer moves
   * (`account:lt-id`). Empty (default): none. The member's own stack must allow it too
   * (member/member-account.yml, LaunchTemplateIds).
   */
  launchTemplateUpdates: LaunchTemplateTarget[];
  /** With launchTemplateUpdates: also make the new version the template's default. Off by default. */
  launchTemplateSetDefault: boolean;
  /** Import the sweep's and the diagnosis's findings into AWS Security Hub. Off by default. */
  securityHub: boolean;
  /** At most this many member inspections (Distributed Map child executions) at once. */
  sweepMaxConcurrency: number;
  /** Account-region targets per member inspection (ItemBatcher MaxItemsPerBatch). */
  sweepBatchSize: number;
  /** Roles that launch as themselves (Karpenter's controller, an EKS Auto Mode cluster role): the sweep checks their key access (core/calling-roles.ts). */
  callingRoles: CallingRoleSpec[];
  /** Calling roles amiwarden may give a grant on the organization key. Empty (off) by default. */
  callingRoleGrants: CallingRoleSpec[];
}

export interface ImageFamilyPattern {
  family: string;
  pattern: string;
}

export const ENV = {
  centralAccountId: 'AMIWARDEN_CENTRAL_ACCOUNT_ID',
  keys: 'AMIWARDEN_KMS_KEY_ARNS',
  regions: 'AMIWARDEN_REGIONS',
  memberRoleName: 'AMIWARDEN_MEMBER_ROLE_NAME',
  memberExternalId: 'AMIWARDEN_MEMBER_EXTERNAL_ID',
  createServiceLinkedRole: 'AMIWARDEN_CREATE_SERVICE_LINKED_ROLE',
  mode: 'AMIWARDEN_MODE',
  shareTargets: 'AMIWARDEN_SHARE_TARGETS',
  organizationId: 'AMIWARDEN_ORGANIZATION_ID',
  originalImagePolicy: 'AMIWARDEN_ORIGINAL_IMAGE_POLICY',
  deprecateAfterDays: 'AMIWARDEN_DEPRECATE_AFTER_DAYS',
  deleteSnapshots: 'AMIWARDEN_DELETE_SNAPSHOTS',
  imageWaitMinutes: 'AMIWARDEN_IMAGE_WAIT_MINUTES',
  reportBucket: 'AMIWARDEN_REPORT_BUCKET',
  sweepMaxChanges: 'AMIWARDEN_SWEEP_MAX_CHANGES',
  sweepOrganizationalUnits: 'AMIWARDEN_SWEEP_OUS',
  staleGrantPolicy: 'AMIWARDEN_STALE_GRANT_POLICY',
  imageFamilyTag: 'AMIWARDEN_IMAGE_FAMILY_TAG',
  imageFamilies: 'AMIWARDEN_IMAGE_FAMILIES',
  pointerPrefix: 'AMIWARDEN_POINTER_PREFIX',
  launchTemplateUpdates: 'AMIWARDEN_LAUNCH_TEMPLATE_UPDATES',
  launchTemplateSetDefault: 'AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT',
  securityHub: 'AMIWARDEN_SECURITY_HUB',
  sweepMaxConcurrency: 'AMIWARDEN_SWEEP_MAX_CONCURRENCY',
  sweepBatchSize: 'AMIWARDEN_SWEEP_BATCH_SIZE',
  callingRoles: 'AMIWARDEN_CALLING_ROLES',
  callingRoleGrants: 'AMIWARDEN_CALLING_ROLE_GRANTS',
} as const;

export const DEFAULT_POINTER_PREFIX = '/amiwarden/images';
/** A family names one SSM parameter path segment. */
export const FAMILY_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const TAG_KEY = /^[\w .:/=+@-]{1,128}$/;
const POINTER_PREFIX = /^(\/[A-Za-z0-9_.-]+){1,10}$/;

export const DEFAULT_SWEEP_MAX_CHANGES = 25;
export const DEFAULT_SWEEP_MAX_CONCURRENCY = 40;
export const DEFAULT_SWEEP_BATCH_SIZE = 10;

export const DEFAULT_DEPRECATE_AFTER_DAYS = 30;
export const DEFAULT_IMAGE_WAIT_MINUTES = 180;
/** The re-encryption state machine times out after 24 hours: waiting must end well before that. */
export const MAX_IMAGE_WAIT_MINUTES = 1380;

export const DEFAULT_MEMBER_ROLE_NAME = 'amiwarden-member';
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const SHARE_TARGET =
  /^(\d{12}|arn:(aws|aws-cn|aws-us-gov):organizations::\d{12}:(organization\/o-[a-z0-9]{10,32}|ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}))$/;

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const centralAccountId = required(env, ENV.centralAccountId);
  if (!isAccountId(centralAccountId)) throw new ConfigurationError(ENV.centralAccountId, 'must be a 12-digit account id');

  const keys = parseKeys(required(env, ENV.keys), centralAccountId);
  const partitions = new Set(Object.values(keys).map((k) => k.partition));
  if (partitions.size > 1) throw new ConfigurationError(ENV.keys, 'all keys must be in one partition');
  const partition = [...partitions][0]!;

  const regions = [...new Set(list(env[ENV.regions]))];
  for (const region of regions) {
    if (!isRegion(region)) throw new ConfigurationError(ENV.regions, `${JSON.stringify(region)} is not a region`);
  }

  const memberRoleName = env[ENV.memberRoleName]?.trim() || DEFAULT_MEMBER_ROLE_NAME;
  if (!isRoleName(memberRoleName)) throw new ConfigurationError(ENV.memberRoleName, 'must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-])');

  const memberExternalId = env[ENV.memberExternalId]?.trim() || undefined;
  if (memberExternalId !== undefined && !EXTERNAL_ID.test(memberExternalId)) {
    throw new ConfigurationError(ENV.memberExternalId, 'must be 2-1224 of [A-Za-z0-9+=,.@:/_-]');
  }

  const mode = (env[ENV.mode]?.trim() || 'report') as Mode;
  if (mode !== 'report' && mode !== 'enforce') throw new ConfigurationError(ENV.mode, 'must be "report" or "enforce"');

  const shareTargets = list(env[ENV.shareTargets]);
  for (const target of shareTargets) {
    if (!SHARE_TARGET.test(target)) {
      throw new ConfigurationError(ENV.shareTargets, `${JSON.stringify(target)} is not an account id, OU ARN or organization ARN (public sharing is never allowed)`);
    }
  }

  const organizationId = env[ENV.organizationId]?.trim() || undefined;
  if (organizationId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(organizationId)) {
    throw new ConfigurationError(ENV.organizationId, 'must be an organization id such as o-a1b2c3d4e5');
  }

  const originalImagePolicy = (env[ENV.originalImagePolicy]?.trim() || 'keep') as OriginalImagePolicy;
  if (!ORIGINAL_IMAGE_POLICIES.includes(originalImagePolicy)) {
    throw new ConfigurationError(ENV.originalImagePolicy, `must be one of ${ORIGINAL_IMAGE_POLICIES.map((p) => `"${p}"`).join(', ')}`);
  }

  const reportBucket = env[ENV.reportBucket]?.trim() || undefined;
  if (reportBucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(reportBucket)) {
    throw new ConfigurationError(ENV.reportBucket, 'must be an S3 bucket name');
  }
  const sweepOrganizationalUnits = list(env[ENV.sweepOrganizationalUnits]);
  for (const ou of sweepOrganizationalUnits) {
    if (!/^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/.test(ou)) throw new ConfigurationError(ENV.sweepOrganizationalUnits, `${JSON.stringify(ou)} is not an OU id (ou-…)`);
  }

  const staleGrantPolicy = (env[ENV.staleGrantPolicy]?.trim() || 'keep') as StaleGrantPolicy;
  if (!STALE_GRANT_POLICIES.includes(staleGrantPolicy)) {
    throw new ConfigurationError(ENV.staleGrantPolicy, `must be one of ${STALE_GRANT_POLICIES.map((p) => `"${p}"`).join(', ')}`);
  }
  const imageFamilyTag = env[ENV.imageFamilyTag]?.trim() || undefined;
  if (imageFamilyTag !== undefined && (!TAG_KEY.test(imageFamilyTag) || imageFamilyTag.toLowerCase().startsWith('aws:'))) {
    throw new ConfigurationError(ENV.imageFamilyTag, 'must be a tag key (1-128 characters, not starting with aws:)');
  }
  const imageFamilies = list(env[ENV.imageFamilies]).map((entry): ImageFamilyPattern => {
    const at = entry.indexOf('=');
    const family = at < 0 ? '' : entry.slice(0, at).trim();
    const pattern = at < 0 ? '' : entry.slice(at + 1).trim();
    if (!FAMILY_NAME.test(family) || pattern.length === 0 || pattern.length > 128) {
      throw new ConfigurationError(ENV.imageFamilies, `${JSON.stringify(entry)} is not family=name-pattern (a family is 1-128 of [A-Za-z0-9_.-])`);
    }
    return { family, pattern };
  });
  const pointerPrefix = (env[ENV.pointerPrefix]?.trim() || DEFAULT_POINTER_PREFIX).replace(/\/+$/, '');
  if (!POINTER_PREFIX.test(pointerPrefix) || /^\/(aws|ssm)/i.test(pointerPrefix)) {
    throw new ConfigurationError(ENV.pointerPrefix, 'must be a parameter path such as /amiwarden/images (not under /aws or /ssm)');
  }

  const callingRoles = callingRoleList(env, ENV.callingRoles, partition, centralAccountId);
  const callingRoleGrants = callingRoleList(env, ENV.callingRoleGrants, partition, centralAccountId);
  const launchTemplateUpdates = list(env[ENV.launchTemplateUpdates]).map((entry): LaunchTemplateTarget => {
    const [account = '', launchTemplateId = '', ...rest] = entry.split(':').map((s) => s.trim());
    if (!isAccountId(account) || !LAUNCH_TEMPLATE_ID.test(launchTemplateId) || rest.length > 0) {
      throw new ConfigurationError(ENV.launchTemplateUpdates, `${JSON.stringify(entry.slice(0, 80))} is not account:lt-id (a 12-digit account and a launch template id)`);
    }
    if (account === centralAccountId) throw new ConfigurationError(ENV.launchTemplateUpdates, `${account} is the central account: only member accounts are updated`);
    return { account, launchTemplateId };
  });

  return {
    centralAccountId,
    partition,
    keys,
    regions: regions.length > 0 ? regions : Object.keys(keys),
    memberRoleName,
    ...(memberExternalId ? { memberExternalId } : {}),
    createServiceLinkedRole: bool(env, ENV.createServiceLinkedRole, false),
    mode,
    shareTargets,
    ...(organizationId ? { organizationId } : {}),
    originalImagePolicy,
    deprecateAfterDays: integer(env, ENV.deprecateAfterDays, DEFAULT_DEPRECATE_AFTER_DAYS, 1, 3650),
    deleteSnapshots: bool(env, ENV.deleteSnapshots, false),
    imageWaitMinutes: integer(env, ENV.imageWaitMinutes, DEFAULT_IMAGE_WAIT_MINUTES, 1, MAX_IMAGE_WAIT_MINUTES),
    ...(reportBucket ? { reportBucket } : {}),
    sweepMaxChanges: integer(env, ENV.sweepMaxChanges, DEFAULT_SWEEP_MAX_CHANGES, 0, 1000),
    sweepOrganizationalUnits,
    staleGrantPolicy,
    ...(imageFamilyTag ? { imageFamilyTag } : {}),
    imageFamilies,
    pointerPrefix,
    launchTemplateUpdates,
    launchTemplateSetDefault: bool(env, ENV.launchTemplateSetDefault, false),
    securityHub: bool(env, ENV.securityHub, false),
    // A Distributed Map runs at most 10,000 child executions at once.
    sweepMaxConcurrency: integer(env, ENV.sweepMaxConcurrency, DEFAULT_SWEEP_MAX_CONCURRENCY, 1, 10000),
    sweepBatchSize: integer(env, ENV.sweepBatchSize, DEFAULT_SWEEP_BATCH_SIZE, 1, 100),
    callingRoles,
    callingRoleGrants,
  };
}

/** Role names or role ARNs (of a member account, in the keys' partition); at most 20. */
function callingRoleList(env: Env, name: string, partition: Partition, centralAccountId: string): CallingRoleSpec[] {
  const entries = list(env[name]);
  if (entries.length > 20) throw new ConfigurationError(name, 'names more than 20 roles');
  return entries.map((entry) => {
    const spec = parseCallingRole(entry);
    if (!spec) throw new ConfigurationError(name, `${JSON.stringify(entry.slice(0, 100))} is not an IAM role name or role ARN`);
    if (spec.path?.startsWith('/aws-service-role/')) throw new ConfigurationError(name, `${JSON.stringify(entry)} is a service-linked role: amiwarden grants to those on their own paths`);
    if (spec.partition !== undefined && spec.partition !== partition) throw new ConfigurationError(name, `${JSON.stringify(entry)} is not in the keys' partition ${partition}`);
    if (spec.account === centralAccountId) throw new ConfigurationError(name, `${JSON.stringify(entry)} is a role of the central account, not of a member`);
    return spec;
  });
}

/** Accepts `region=arn,region=arn` (friendly for --param) or a JSON object `{"region": "arn"}`. */
function parseKeys(raw: string, centralAccountId: string): Record<string, KeyArn> {
  let pairs: [string, unknown][];
  if (raw.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ConfigurationError(ENV.keys, 'is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigurationError(ENV.keys, 'must map regions to key ARNs');
    pairs = Object.entries(parsed);
  } else {
    pairs = list(raw).map((entry) => {
      const at = entry.indexOf('=');
      if (at < 0) throw new ConfigurationError(ENV.keys, `${JSON.stringify(entry)} is not region=keyArn`);
      return [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
    });
  }
  if (pairs.length === 0) throw new ConfigurationError(ENV.keys, 'names no key');

  const keys: Record<string, KeyArn> = {};
  for (const [region, value] of pairs) {
    if (!isRegion(region)) throw new ConfigurationError(ENV.keys, `${JSON.stringify(region)} is not a region`);
    const key = parseKeyArn(value);
    if (!key) throw new ConfigurationError(ENV.keys, `the key for ${region} must be a full key ARN (not an alias or a key id)`);
    if (key.region !== region) throw new ConfigurationError(ENV.keys, `the key for ${region} is in ${key.region}`);
    if (key.account !== centralAccountId) throw new ConfigurationError(ENV.keys, `the key for ${region} is not owned by the central account ${centralAccountId}`);
    keys[region] = key;
  }
  return keys;
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(name, 'is required');
  return value;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigurationError(name, 'must be "true" or "false"');
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigurationError(name, `must be a whole number from ${min} to ${max}`);
  return Number(raw);
}
