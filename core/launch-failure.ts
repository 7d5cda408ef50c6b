/**
 * Launch failures: which ones point at KMS, what the workflow's input is, and the diagnosis —
 * a pure decision over facts gathered elsewhere (services/launch-failure.ts does the I/O).
 * The causes form the taxonomy documented in docs/launch-failure.md.
 */
import type { Config } from './config';
import { InvalidInputError } from './errors';
import { grantName, type GrantTarget } from './grants';
import { describe, parseServiceLinkedRoleArn, requireAccountId, requireAsgName, requireRegion, serviceLinkedRoleArn } from './identifiers';
import type { PolicyAnalysis } from './key-policy';

export const LAUNCH_UNSUCCESSFUL = 'EC2 Instance Launch Unsuccessful';

/**
 * The status messages that may be a KMS failure. Mirrors events/launch-failure.pattern.json (a
 * test keeps the two in step): `Client.InternalError` is only a symptom, so it starts a diagnosis.
 */
const KMS_SUGGESTIVE = [/Client\.InternalError/, /Client\.InvalidKMSKey/, /inaccessible AWS KMS key/, /not authorized to perform: kms:/];

export function looksLikeKmsFailure(statusMessage: string): boolean {
  return KMS_SUGGESTIVE.some((re) => re.test(statusMessage));
}

export interface LaunchFailureRequest {
  account: string;
  region: string;
  autoScalingGroupName: string;
  /** What Auto Scaling said, when the request comes from an event. */
  statusMessage?: string;
  eventId?: string;
  trigger: 'event' | 'manual';
  dryRun: boolean;
}

const MAX_TEXT = 4096;
const MANUAL_FIELDS = new Set(['account', 'region', 'autoScalingGroupName', 'dryRun']);

/** Accepts the forwarded EventBridge event or a manual `{account, region, autoScalingGroupName}`. */
export function parseLaunchFailureInput(input: unknown, config: Pick<Config, 'regions'>): LaunchFailureRequest {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const o = input as Record<string, unknown>;
  const dryRun = o.dryRun === undefined ? false : o.dryRun;
  if (typeof dryRun !== 'boolean') throw new InvalidInputError('dryRun', `expected true or false, got ${describe(dryRun)}`);

  let request: LaunchFailureRequest;
  if ('detail-type' in o || 'detail' in o || 'source' in o) {
    if (o.source !== 'aws.autoscaling') throw new InvalidInputError('source', `expected "aws.autoscaling", got ${describe(o.source)}`);
    if (o['detail-type'] !== LAUNCH_UNSUCCESSFUL) throw new InvalidInputError('detail-type', `expected "${LAUNCH_UNSUCCESSFUL}", got ${describe(o['detail-type'])}`);
    const detail = o.detail;
    if (!detail || typeof detail !== 'object' || Array.isArray(detail)) throw new InvalidInputError('detail', `expected an object, got ${describe(detail)}`);
    const d = detail as Record<string, unknown>;
    const statusMessage = d.StatusMessage;
    if (typeof statusMessage !== 'string' || statusMessage.length > MAX_TEXT) {
      throw new InvalidInputError('detail.StatusMessage', `expected text of at most ${MAX_TEXT} characters, got ${describe(statusMessage)}`);
    }
    if (o.id !== undefined && (typeof o.id !== 'string' || o.id.length > 128)) throw new InvalidInputError('id', `expected an event id, got ${describe(o.id)}`);
    request = {
      account: requireAccountId('account', o.account),
      region: requireRegion('region', o.region),
      autoScalingGroupName: requireAsgName('detail.AutoScalingGroupName', d.AutoScalingGroupName),
      statusMessage,
      ...(typeof o.id === 'string' ? { eventId: o.id } : {}),
      trigger: 'event',
      dryRun,
    };
  } else {
    // A manual request is small and fixed: an unknown field (a typo such as `dryrun`) is refused,
    // never ignored, so that it cannot turn a dry run into a change.
    const unknown = Object.keys(o).find((k) => !MANUAL_FIELDS.has(k));
    if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; a manual request has only ${[...MANUAL_FIELDS].join(', ')}`);
    request = {
      account: requireAccountId('account', o.account),
      region: requireRegion('region', o.region),
      autoScalingGroupName: requireAsgName('autoScalingGroupName', o.autoScalingGroupName),
      trigger: 'manual',
      dryRun,
    };
  }
  if (!config.regions.includes(request.region)) {
    throw new InvalidInputError('region', `${request.region} is not one of the configured regions (${config.regions.join(', ')})`);
  }
  return request;
}

export const CAUSES = [
  'missing-grant',
  'service-linked-role-missing',
  'key-disabled-or-pending-deletion',
  'aws-managed-key-ami',
  'key-policy-blocks-grant',
  'member-role-unavailable',
  'not-a-kms-failure',
  'grant-present',
  'unmanaged-key',
  'asg-not-found',
  'image-not-found',
  'spot-launch-configuration',
] as const;
export type Cause = (typeof CAUSES)[number];

/** What the workflow does about a cause: remediate, nothing to do, or a finding for a person. */
export type Status = 'remediable' | 'no-action' | 'finding';

export interface ImageFacts {
  imageId: string;
  found: boolean;
  ownerId?: string;
  snapshots: { snapshotId: string; encrypted: boolean; kmsKeyId?: string }[];
}

export interface KeyFacts {
  keyArn: string;
  found: boolean;
  /** Why a key was not found: it does not exist, or amiwarden's role may not describe it (a key of another account). */
  reason?: 'not-found' | 'access-denied';
  keyManager?: 'AWS' | 'CUSTOMER';
  keyState?: string;
  /** One of the configured central keys. */
  managed: boolean;
  /** A grant for the group's service-linked role covering every required operation exists. */
  grantPresent?: boolean;
  policy?: PolicyAnalysis;
}

export interface LaunchFailureFacts {
  request: LaunchFailureRequest;
  memberRole: { available: true } | { available: false; detail: string };
  /** `spotLaunchConfiguration`: the launch configuration the group uses, when it requests Spot Instances. */
  group?: {
    found: boolean;
    serviceLinkedRoleArn?: string;
    serviceLinkedRoleExists?: boolean;
    spotLaunchConfiguration?: string;
    /** `resolve:ssm:…` image ids of its launch templates: Systems Manager parameters, resolved only at launch. */
    imageParameters?: string[];
  };
  images: ImageFacts[];
  keys: KeyFacts[];
  createServiceLinkedRole: boolean;
  partition: Config['partition'];
  centralAccountId: string;
}

export interface Diagnosis {
  cause: Cause;
  status: Status;
  remediable: boolean;
  dryRun: boolean;
  account: string;
  region: string;
  autoScalingGroupName: string;
  trigger: LaunchFailureRequest['trigger'];
  eventId: string | null;
  serviceLinkedRoleArn: string | null;
  serviceLinkedRoleExists: boolean | null;
  createServiceLinkedRole: boolean;
  images: ImageFacts[];
  keys: Omit<KeyFacts, 'policy'>[];
  grantsNeeded: (GrantTarget & { name: string })[];
  /** What the re-encryption workflow is started with, for an AMI of the central account on aws/ebs. */
  handOver: { imageId: string; region: string; trigger: 'launch-failure' } | null;
  finding: string;
  fix: string | null;
}

const UNUSABLE_STATES = new Set(['Disabled', 'PendingDeletion', 'PendingImport', 'Unavailable', 'PendingReplicaDeletion']);

/** Decides the one cause of a launch failure from the facts, most fundamental first. */
export function diagnose(facts: LaunchFailureFacts): Diagnosis {
  const { request } = facts;
  const slr = facts.group?.serviceLinkedRoleArn ?? null;
  const base = {
    dryRun: request.dryRun,
    account: request.account,
    region: request.region,
    autoScalingGroupName: request.autoScalingGroupName,
    trigger: request.trigger,
    eventId: request.eventId ?? null,
    serviceLinkedRoleArn: slr,
    serviceLinkedRoleExists: facts.group?.serviceLinkedRoleExists ?? null,
    createServiceLinkedRole: facts.createServiceLinkedRole,
    images: facts.images,
    keys: facts.keys.map(({ policy: _policy, ...k }) => k),
    grantsNeeded: [] as Diagnosis['grantsNeeded'],
    handOver: null as Diagnosis['handOver'],
    fix: null as string | null,
  };
  const result = (cause: Cause, status: Status, finding: string, extra: Partial<Diagnosis> = {}): Diagnosis => ({
    ...base,
    cause,
    status,
    remediable: status === 'remediable',
    finding,
    ...extra,
  });
  const where = `Auto Scaling group ${request.autoScalingGroupName} in ${request.account}/${request.region}`;

  if (request.statusMessage !== undefined && !looksLikeKmsFailure(request.statusMessage)) {
    return result('not-a-kms-failure', 'no-action', `The launch failure of ${where} does not point at KMS: ${request.statusMessage.slice(0, 300)}`);
  }
  if (!facts.memberRole.available) {
    return result('member-role-unavailable', 'finding', `amiwarden cannot act in account ${request.account}: ${facts.memberRole.detail}`, {
      fix: 'Deploy the amiwarden member stack (member/member-account.yml) to this account, or check that its role trusts the central account and external id.',
    });
  }
  if (!facts.group?.found) {
    return result('asg-not-found', 'finding', `${where} no longer exists`);
  }
  const launched = facts.images.filter((i) => i.found);
  if (launched.length === 0) {
    const parameters = facts.group.imageParameters ?? [];
    if (parameters.length > 0 && facts.images.length === 0) {
      // Resolving one needs ssm:GetParameters in the member account, which could read any parameter, secrets included.
      return result(
        'image-not-found',
        'finding',
        `The launch template of ${where} names its AMI through the Systems Manager parameter ${parameters.join(', ')}, which amiwarden does not resolve`,
        {
          fix: `Look the AMI up (aws ssm get-parameter --name ${parameters[0]!.replace(/^resolve:ssm:/, '')}); if it is on the organization key, name that AMI id in the launch template (then amiwarden creates the grant), or create the grant from the member account yourself (docs/launch-failure.md).`,
        },
      );
    }
    return result('image-not-found', 'finding', `The AMI that ${where} launches (${facts.images.map((i) => i.imageId).join(', ') || 'none resolved'}) cannot be found`);
  }
  if (!launched.some((i) => i.snapshots.some((s) => s.encrypted))) {
    return result('not-a-kms-failure', 'no-action', `The AMI that ${where} launches has no encrypted volume: the failure is not a KMS one`);
  }

  const unreadable = launched.flatMap((i) => i.snapshots.filter((s) => s.encrypted && !s.kmsKeyId).map((s) => s.snapshotId));
  if (unreadable.length > 0) {
    return result('unmanaged-key', 'finding', `The key behind snapshot(s) ${unreadable.join(', ')} of the AMI of ${where} cannot be read from the central or the member account`);
  }
  const keyOf = (arn: string) => facts.keys.find((k) => k.keyArn === arn);
  const usedKeys = [...new Set(launched.flatMap((i) => i.snapshots.flatMap((s) => (s.encrypted && s.kmsKeyId ? [s.kmsKeyId] : []))))]
    .map((arn) => keyOf(arn) ?? { keyArn: arn, found: false, managed: false });

  const awsManaged = usedKeys.filter((k) => k.keyManager === 'AWS');
  const foreignAwsManaged = awsManaged.length > 0 && launched.some((i) => i.ownerId !== request.account);
  if (foreignAwsManaged) {
    // amiwarden can re-encrypt only what the central account owns; the copy is then shared and granted.
    const central = launched.find((i) => i.ownerId === facts.centralAccountId && i.snapshots.some((s) => usedKeys.find((k) => k.keyArn === s.kmsKeyId)?.keyManager === 'AWS'));
    return result('aws-managed-key-ami', 'finding', `The AMI that ${where} launches is encrypted with the AWS managed key (aws/ebs), which cannot be used from another account`, {
      fix: central
        ? `amiwarden re-encrypts ${central.imageId} with the organization key and shares the copy; point the launch template of ${request.autoScalingGroupName} at the copy.`
        : 'Re-encrypt the AMI with the organization key (CopyImage with KmsKeyId) in the account that owns it, and launch from the copy.',
      handOver: central && !request.dryRun ? { imageId: central.imageId, region: request.region, trigger: 'launch-failure' } : null,
    });
  }
  const hidden = usedKeys.filter((k): k is KeyFacts => !k.found && 'reason' in k && k.reason === 'access-denied');
  if (hidden.length > 0) {
    return result(
      'unmanaged-key',
      'finding',
      `The key behind the AMI of ${where} could not be described from amiwarden's roles (access denied): ${hidden.map((k) => k.keyArn).join(', ')}`,
      {
        fix: hidden.some((k) => k.managed)
          ? "amiwarden's own role may not describe a configured central key: check its kms:DescribeKey permission."
          : "amiwarden manages only the configured central keys. Let this key's policy allow the group's Auto Scaling role (or re-encrypt the AMI with the organization key).",
      },
    );
  }
  const unusable = usedKeys.filter((k) => !k.found || (k.keyState !== undefined && UNUSABLE_STATES.has(k.keyState)));
  if (unusable.length > 0) {
    const states = unusable.map((k) => `${k.keyArn} (${k.found ? k.keyState : 'not found or not accessible'})`).join(', ');
    return result('key-disabled-or-pending-deletion', 'finding', `The key behind the AMI of ${where} is not usable: ${states}`, {
      fix: 'Enable the key, or cancel its deletion (kms:EnableKey / kms:CancelKeyDeletion); no grant helps while the key is not Enabled.',
    });
  }
  const unmanaged = usedKeys.filter((k) => k.keyManager === 'CUSTOMER' && !k.managed);
  if (unmanaged.length > 0) {
    return result('unmanaged-key', 'finding', `The AMI of ${where} is encrypted with a customer key amiwarden does not manage: ${unmanaged.map((k) => k.keyArn).join(', ')}`, {
      fix: 'Re-encrypt the AMI with the organization key, or add this key to AMIWARDEN_KMS_KEY_ARNS if it is the organization key of its region.',
    });
  }

  const spotConfig = facts.group.spotLaunchConfiguration;
  if (spotConfig !== undefined) {
    // Spot requested by a launch configuration launches as the EC2 Spot role, which amiwarden does not grant to.
    const spotRole = `arn:${facts.partition}:iam::${request.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
    return result(
      'spot-launch-configuration',
      'finding',
      `${where} requests Spot Instances from launch configuration ${spotConfig}: they launch as ${spotRole}, not as the group's Auto Scaling role, and amiwarden grants only to the Auto Scaling role`,
      {
        fix: `Move the group to a launch template (Spot through a launch template launches as the Auto Scaling role, which amiwarden grants to), or let ${spotRole} use ${usedKeys.map((k) => k.keyArn).join(', ')} yourself.`,
      },
    );
  }

  const managedKeys = usedKeys.filter((k) => k.managed);
  const grantee = slr ?? serviceLinkedRoleArn(facts.partition, request.account);
  const needing = managedKeys.filter((k) => !k.grantPresent);
  const grantsNeeded = needing.map((k) => ({ keyArn: k.keyArn, granteePrincipal: grantee, name: grantName(grantee) }));
  if (managedKeys.length === 0 || needing.length === 0) {
    return result('grant-present', 'no-action', `The service-linked role ${grantee} already holds the grant it needs on ${managedKeys.map((k) => k.keyArn).join(', ') || 'the key'}; nothing to change`);
  }

  if (facts.group.serviceLinkedRoleExists === false) {
    const suffix = parseServiceLinkedRoleArn(grantee)?.customSuffix;
    return result(
      'service-linked-role-missing',
      facts.createServiceLinkedRole ? 'remediable' : 'finding',
      `The Auto Scaling service-linked role ${grantee} of ${where} does not exist`,
      {
        grantsNeeded,
        fix: facts.createServiceLinkedRole
          ? null
          : `Create it (aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com${suffix ? ` --custom-suffix ${suffix}` : ''}) or set AMIWARDEN_CREATE_SERVICE_LINKED_ROLE=true; then amiwarden creates the grant.`,
      },
    );
  }

  const blocked = needing.filter((k) => k.policy?.verdict === 'blocked');
  if (blocked.length > 0) {
    return result('key-policy-blocks-grant', 'finding', `The key policy of ${blocked.map((k) => k.keyArn).join(', ')} does not let account ${request.account} create the grant: ${blocked.flatMap((k) => k.policy?.reasons ?? []).join('; ')}`, {
      grantsNeeded,
      fix: blocked[0]?.policy?.fix ?? null,
    });
  }

  return result('missing-grant', 'remediable', `The service-linked role ${grantee} has no grant on ${needing.map((k) => k.keyArn).join(', ')}: Auto Scaling cannot use the key to launch`, {
    grantsNeeded,
  });
}

