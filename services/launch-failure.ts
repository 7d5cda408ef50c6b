/**
 * The launch-failure workflow's steps: gather the facts (member account through its role, the
 * central account on its own), let core decide, and act only on what core decided — re-reading
 * live state right before any change.
 */
import type { Config } from '../core/config';
import { GrantNotVisibleError, InvalidInputError, MemberRoleUnavailableError } from '../core/errors';
import { grantCovers, grantRequest, REQUIRED_GRANT_OPERATIONS, type GrantTarget } from '../core/grants';
import { describe, parseKeyArn, requireAccountId, requireAsgName, requireRegion, serviceLinkedRoleArn } from '../core/identifiers';
import { analyzeCreateGrant, keyPolicyFix } from '../core/key-policy';
import type { ImageFacts, KeyFacts, LaunchFacts } from '../core/checks/types';
import { diagnose, looksLikeKmsFailure, requestFacts, type Diagnosis, type LaunchFailureRequest } from '../core/launch-failure';
import { AutoScaling, type AutoScalingAdapter } from '../adapters/autoscaling';
import { EC2, type Ec2Adapter } from '../adapters/ec2';
import { IAM, type IamAdapter } from '../adapters/iam';
import { KMS, type KmsAdapter } from '../adapters/kms';
import type { AwsContext } from './aws-context';
import { grantAutoScalingKeyAccess, type GrantOutcome } from './key-access';
import { fleetLaunchSource, type LaunchSource } from './fleets';
import { launchRoleArn, memberLaunchRole } from '../core/launch-roles';
import { requireFleetId, type FleetKind } from '../core/fleets';

/** What the diagnosis reads in the member account, through the member role. */
interface MemberAccount {
  roleArn: string;
  autoscaling: AutoScalingAdapter;
  ec2: Ec2Adapter;
  iam: IamAdapter;
  kms: KmsAdapter;
}

/** Throws MemberRoleUnavailableError when the member role cannot be assumed. */
async function memberAdapters(aws: AwsContext, account: string, region: string): Promise<MemberAccount> {
  const [autoscaling, ec2, iam, kms] = await Promise.all([
    aws.member(AutoScaling, account, region),
    aws.member(EC2, account, region),
    aws.member(IAM, account, region),
    aws.member(KMS, account, region),
  ]);
  return { roleArn: aws.memberRoleArn(account), autoscaling, ec2, iam, kms };
}

const centralAdapters = (aws: AwsContext, region: string) => ({ ec2: aws.central(EC2, region), kms: aws.central(KMS, region) });

/** Gathers every fact the catalogue's launcher checks read, then evaluates the catalogue once. */
export async function diagnoseLaunchFailure(request: LaunchFailureRequest, config: Config, aws: AwsContext): Promise<Diagnosis> {
  return diagnose(request, await gatherFacts(request, config, aws));
}

async function gatherFacts(request: LaunchFailureRequest, config: Config, aws: AwsContext): Promise<LaunchFacts> {
  const facts = requestFacts(request, config);
  // A failure that is not about KMS costs no AWS call at all.
  if (request.statusMessage !== undefined && !looksLikeKmsFailure(request.statusMessage)) return facts;

  let member: MemberAccount;
  try {
    member = await memberAdapters(aws, request.account, request.region);
  } catch (error) {
    if (error instanceof MemberRoleUnavailableError) return { ...facts, memberRole: { available: false, detail: error.message } };
    throw error;
  }

  const source = request.fleet
    ? await fleetLaunchSource(member.ec2, request.fleet, config, request.account)
    : await groupLaunchSource(member, request.autoScalingGroupName ?? '', config, request.account);
  if (!source.launcher.found || !source.principalArn) return { ...facts, launcher: source.launcher };
  const principalArn = source.principalArn;
  const role = memberLaunchRole(principalArn, request.account, config.partition);

  const [roleExists, allowedImages] = await Promise.all([
    role ? member.iam.roleExists(role.roleName) : Promise.resolve(undefined),
    member.ec2.allowedImagesSettings(),
  ]);
  const central = centralAdapters(aws, request.region);
  const images = await describeImages(source.imageIds, central, member, config.centralAccountId, request.account);
  const keys = await describeKeys(images, request, config, aws, member, principalArn, roleExists !== false);
  return {
    ...facts,
    launcher: { ...source.launcher, principal: { arn: principalArn, kind: 'service-linked-role', ...(roleExists === undefined ? {} : { exists: roleExists }) } },
    images,
    keys,
    allowedImages,
  };
}

/**
 * A group's launch source. Its principal is its ServiceLinkedRoleARN (the default Auto Scaling
 * role if none), except for Spot Instances requested by a launch configuration: those launch as
 * the account's AWSServiceRoleForEC2Spot (core/launch-roles.ts).
 */
async function groupLaunchSource(member: MemberAccount, name: string, config: Config, account: string): Promise<LaunchSource> {
  const group = await member.autoscaling.describeGroup(name);
  if (!group) return { launcher: { kind: 'auto-scaling-group', name, found: false }, imageIds: [], imageParameters: [] };
  const { imageIds, imageParameters, spotLaunchConfiguration } = await resolveLaunchSources(member, group);
  const principalArn = spotLaunchConfiguration ? launchRoleArn(config.partition, account, 'spot') : (group.serviceLinkedRoleArn ?? serviceLinkedRoleArn(config.partition, account));
  return {
    launcher: {
      kind: 'auto-scaling-group',
      name,
      found: true,
      ...(spotLaunchConfiguration ? { spotLaunchConfiguration } : {}),
      ...(imageParameters.length > 0 ? { imageParameters } : {}),
    },
    principalArn,
    imageIds,
    imageParameters,
  };
}

/** What the group launches from: its templates' and launch configuration's image ids, read in parallel. */
async function resolveLaunchSources(
  member: MemberAccount,
  group: NonNullable<Awaited<ReturnType<MemberAccount['autoscaling']['describeGroup']>>>,
): Promise<{ imageIds: string[]; imageParameters: string[]; spotLaunchConfiguration?: string }> {
  const name = group.launchConfigurationName;
  const [templateIds, configuration] = await Promise.all([
    Promise.all(group.launchTemplates.map((ref) => member.ec2.launchTemplateImage(ref))),
    name ? member.autoscaling.launchConfiguration(name) : Promise.resolve(undefined),
  ]);
  const ids = [...templateIds, configuration?.imageId].filter((id): id is string => typeof id === 'string');
  return {
    imageIds: [...new Set(ids.filter((id) => id.startsWith('ami-')))],
    imageParameters: [...new Set(ids.filter((id) => id.startsWith('resolve:ssm:')))],
    ...(name && configuration?.spot ? { spotLaunchConfiguration: name } : {}),
  };
}

/** The central account looks at its own images; anything else is looked up from the member. */
async function describeImages(
  imageIds: string[],
  central: ReturnType<typeof centralAdapters>,
  member: MemberAccount,
  centralAccount: string,
  memberAccount: string,
): Promise<ImageFacts[]> {
  const centralImages = (await central.ec2.describeImages(imageIds)).filter((i) => i.ownerId === centralAccount);
  const rest = imageIds.filter((id) => !centralImages.some((i) => i.imageId === id));
  const memberImages = await member.ec2.describeImages(rest);
  const facts: ImageFacts[] = [];
  for (const id of imageIds) {
    const image = centralImages.find((i) => i.imageId === id) ?? memberImages.find((i) => i.imageId === id);
    if (!image) {
      facts.push({ imageId: id, found: false, snapshots: [] });
      continue;
    }
    const reader = image.ownerId === centralAccount ? central.ec2 : image.ownerId === memberAccount ? member.ec2 : undefined;
    const snapshots = reader ? await reader.describeSnapshots(image.snapshots.map((s) => s.snapshotId)) : [];
    facts.push({
      imageId: id,
      found: true,
      ownerId: image.ownerId,
      snapshots: image.snapshots.map((s) => {
        const snap = snapshots.find((x) => x.snapshotId === s.snapshotId);
        const encrypted = snap ? snap.encrypted : s.encrypted;
        return { snapshotId: s.snapshotId, encrypted, ...(encrypted && snap?.kmsKeyId ? { kmsKeyId: snap.kmsKeyId } : {}) };
      }),
    });
  }
  return facts;
}

async function describeKeys(
  images: ImageFacts[],
  request: LaunchFailureRequest,
  config: Config,
  aws: AwsContext,
  member: MemberAccount,
  slrArn: string,
  granteeExists: boolean,
): Promise<KeyFacts[]> {
  const central = centralAdapters(aws, request.region);
  const isConfiguredKey = (arn: string) => Object.values(config.keys).some((k) => k.arn === arn);
  const keyIds = [...new Set(images.flatMap((i) => i.snapshots.flatMap((s) => (s.kmsKeyId ? [s.kmsKeyId] : []))))];
  return Promise.all(
    keyIds.map(async (keyId): Promise<KeyFacts> => {
      const arn = parseKeyArn(keyId);
      const kms = arn && arn.account !== config.centralAccountId ? member.kms : central.kms;
      const lookup = await kms.describeKey(keyId);
      if (!lookup.found) return { keyArn: keyId, found: false, reason: lookup.reason, managed: isConfiguredKey(keyId) };
      const key = lookup.key;
      const managed = isConfiguredKey(key.keyArn);
      const facts: KeyFacts = { keyArn: key.keyArn, found: true, keyManager: key.keyManager, keyState: key.keyState, managed };
      if (!managed || key.keyState !== 'Enabled') return facts;
      const grants = await central.kms.listGrants(key.keyArn, slrArn);
      const grantPresent = grants.some((g) => grantCovers(g, slrArn));
      if (grantPresent) return { ...facts, grantPresent };
      // The key policy as amiwarden reads it, and KMS's own verdict on the member role's CreateGrant
      // (DryRun: key policy, IAM, SCPs and RCPs in one call), for a grantee that exists.
      const [document, dryRun] = await Promise.all([
        central.kms.keyPolicy(key.keyArn),
        granteeExists ? member.kms.dryRunCreateGrant(grantRequest({ keyArn: key.keyArn, granteePrincipal: slrArn })) : Promise.resolve(undefined),
      ]);
      const policy = analyzeCreateGrant(document, {
        callerAccount: request.account,
        callerArn: member.roleArn,
        granteePrincipal: slrArn,
        operations: REQUIRED_GRANT_OPERATIONS,
        ...(config.organizationId ? { organizationId: config.organizationId } : {}),
      });
      const fix = dryRun?.outcome === 'refused' ? { keyPolicyFix: keyPolicyFix(config.organizationId, config.partition) } : {};
      return { ...facts, grantPresent, policy, ...(dryRun ? { dryRun } : {}), ...fix };
    }),
  );
}

// ---------------------------------------------------------------------------------------------

export interface GrantInput {
  account: string;
  region: string;
  /** The group diagnosed (null for a fleet). */
  autoScalingGroupName: string | null;
  /** The launcher diagnosed (absent from inputs of earlier versions: a group). */
  launcher?: { kind: 'auto-scaling-group' | FleetKind; name: string };
  serviceLinkedRoleArn: string;
  createServiceLinkedRole: boolean;
  grants: GrantTarget[];
}

export type { GrantOutcome, GrantOutcomeName } from './key-access';

/**
 * Validates the grant step's input: never a grant for anyone but one of this account's launch
 * roles (its Auto Scaling, EC2 Spot, Spot Fleet or EC2 Fleet service-linked role:
 * core/launch-roles.ts), on the configured key of its region.
 */
export function parseGrantInput(input: unknown, config: Config): GrantInput {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const o = input as Record<string, unknown>;
  const account = requireAccountId('account', o.account);
  const region = requireConfiguredRegion('region', o.region, config);
  const launcher = parseLauncher(o.launcher);
  const fleet = launcher && launcher.kind !== 'auto-scaling-group';
  const autoScalingGroupName = fleet && (o.autoScalingGroupName === null || o.autoScalingGroupName === undefined) ? null : requireAsgName('autoScalingGroupName', o.autoScalingGroupName);
  const slr = memberLaunchRole(o.serviceLinkedRoleArn, account, config.partition);
  if (!slr) {
    throw new InvalidInputError('serviceLinkedRoleArn', `expected a launch service-linked role (Auto Scaling, EC2 Spot, Spot Fleet, EC2 Fleet) of account ${account}, got ${describe(o.serviceLinkedRoleArn)}`);
  }
  if (o.createServiceLinkedRole !== undefined && typeof o.createServiceLinkedRole !== 'boolean') {
    throw new InvalidInputError('createServiceLinkedRole', `expected true or false, got ${describe(o.createServiceLinkedRole)}`);
  }
  if (!Array.isArray(o.grants) || o.grants.length === 0 || o.grants.length > 20) throw new InvalidInputError('grants', 'expected 1 to 20 grants');
  const grants = o.grants.map((g, i): GrantTarget => {
    const t = (g ?? {}) as Record<string, unknown>;
    const keyArn = requireRegionKey(`grants[${i}].keyArn`, t.keyArn, region, config);
    if (t.granteePrincipal !== slr.arn) throw new InvalidInputError(`grants[${i}].granteePrincipal`, `must be ${slr.arn}, got ${describe(t.granteePrincipal)}`);
    return { keyArn, granteePrincipal: slr.arn };
  });
  return {
    account,
    region,
    autoScalingGroupName,
    ...(launcher ? { launcher } : {}),
    serviceLinkedRoleArn: slr.arn,
    createServiceLinkedRole: o.createServiceLinkedRole === true && config.createServiceLinkedRole,
    grants,
  };
}

/** The launcher the diagnosis named: a group by name, or a fleet by id. */
function parseLauncher(value: unknown): GrantInput['launcher'] {
  if (value === undefined || value === null) return undefined;
  const o = (typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  if (o.kind === 'auto-scaling-group') return { kind: o.kind, name: requireAsgName('launcher.name', o.name) };
  if (o.kind === 'spot-fleet' || o.kind === 'ec2-fleet') return { kind: o.kind, name: requireFleetId('launcher.name', o.kind, o.name) };
  throw new InvalidInputError('launcher.kind', `expected auto-scaling-group, spot-fleet or ec2-fleet, got ${describe(o.kind)}`);
}

/** A region amiwarden is configured for (AMIWARDEN_REGIONS). */
function requireConfiguredRegion(field: string, value: unknown, config: Pick<Config, 'regions'>): string {
  const region = requireRegion(field, value);
  if (!config.regions.includes(region)) throw new InvalidInputError(field, `${region} is not one of the configured regions (${config.regions.join(', ')})`);
  return region;
}

/** The configured central key of `region` (a key of another region, an alias or any other key is refused). */
function requireRegionKey(field: string, value: unknown, region: string, config: Pick<Config, 'keys'>): string {
  const key = config.keys[region];
  if (!key || value !== key.arn) throw new InvalidInputError(field, `not the configured central key of ${region}: ${describe(value)}`);
  return key.arn;
}

/** The launch-failure step: the grant for the launcher's service-linked role (services/key-access.ts does it). */
export async function grantKeyAccess(input: GrantInput, config: Config, aws: AwsContext): Promise<GrantOutcome> {
  return grantAutoScalingKeyAccess(input, config, aws);
}

// ---------------------------------------------------------------------------------------------

export interface VerifiedGrant {
  keyArn: string;
  granteePrincipal: string;
  grantId: string;
  name: string | null;
  operations: string[];
}

export function parseVerifyInput(input: unknown, config: Config): { account: string; region: string; grants: GrantTarget[] } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const o = input as Record<string, unknown>;
  const region = requireConfiguredRegion('region', o.region, config);
  const account = requireAccountId('account', o.account);
  if (!Array.isArray(o.grants) || o.grants.length === 0 || o.grants.length > 20) throw new InvalidInputError('grants', 'expected 1 to 20 grants');
  const grants = o.grants.map((g, i) => {
    const t = (g ?? {}) as Record<string, unknown>;
    const keyArn = requireRegionKey(`grants[${i}].keyArn`, t.keyArn, region, config);
    const slr = memberLaunchRole(t.granteePrincipal, account, config.partition);
    if (!slr) {
      throw new InvalidInputError(`grants[${i}].granteePrincipal`, `expected a launch service-linked role of account ${account}, got ${describe(t.granteePrincipal)}`);
    }
    return { keyArn, granteePrincipal: slr.arn };
  });
  return { account, region, grants };
}

/** Reads the grants back from the key's own account; not there yet → GrantNotVisibleError (the state machine waits and retries). */
export async function verifyKeyAccess(input: { region: string; grants: GrantTarget[] }, aws: AwsContext): Promise<{ verified: true; grants: VerifiedGrant[] }> {
  const kms = aws.central(KMS, input.region);
  const verified: VerifiedGrant[] = [];
  for (const target of input.grants) {
    const grant = (await kms.listGrants(target.keyArn, target.granteePrincipal)).find((g) => grantCovers(g, target.granteePrincipal));
    if (!grant) throw new GrantNotVisibleError(target.keyArn, target.granteePrincipal);
    verified.push({ ...target, grantId: grant.grantId, name: grant.name ?? null, operations: grant.operations });
  }
  return { verified: true, grants: verified };
}
