/**
 * Launch failures: what the workflow's input is, and the diagnosis — the first result of the
 * check catalogue (core/checks/) over facts gathered elsewhere (services/launch-failure.ts does the
 * I/O). The causes are the catalogue's ids, documented in docs/checks.md.
 */
import { checksOf, firstResult } from './checks';
import type { GrantTarget } from './grants';
import type { ImageFacts, KeyFacts, LaunchFacts } from './checks/types';
import type { Config } from './config';
import { InvalidInputError } from './errors';
import { describe, refuseUnknownEventFields, requireAccountId, requireAsgName, requireRegion } from './identifiers';
import { isFleetEventSource, parseFleetEvent, requireFleetId, type FleetEvent, type FleetRef } from './fleets';
import type { LauncherKind } from './checks/types';

export { looksLikeKmsFailure } from './checks/kms-symptoms';
export type { ImageFacts, KeyFacts } from './checks/types';

export const LAUNCH_UNSUCCESSFUL = 'EC2 Instance Launch Unsuccessful';

export interface LaunchFailureRequest {
  account: string;
  region: string;
  /** The Auto Scaling group; null for a fleet request. */
  autoScalingGroupName: string | null;
  /** A Spot Fleet request or EC2 Fleet (core/fleets.ts), instead of a group. */
  fleet?: FleetRef;
  /** What the fleet's event said (sub-type, description), when a fleet event started the run. */
  fleetEvent?: FleetEvent;
  /** What Auto Scaling said, when the request comes from an event. */
  statusMessage?: string;
  eventId?: string;
  trigger: 'event' | 'manual';
  dryRun: boolean;
}

const MAX_TEXT = 4096;
const MANUAL_FIELDS = new Set(['account', 'region', 'autoScalingGroupName', 'spotFleetRequestId', 'fleetId', 'dryRun']);
/** The one launcher field a manual request names. */
const LAUNCHER_FIELDS = ['autoScalingGroupName', 'spotFleetRequestId', 'fleetId'] as const;

/**
 * Accepts the forwarded EventBridge event (an Auto Scaling launch failure, or a Spot Fleet / EC2
 * Fleet error: core/fleets.ts) or a manual `{account, region}` with one of `autoScalingGroupName`,
 * `spotFleetRequestId` or `fleetId`.
 */
export function parseLaunchFailureInput(input: unknown, config: Pick<Config, 'regions'>): LaunchFailureRequest {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  const o = input as Record<string, unknown>;
  const dryRun = o.dryRun === undefined ? false : o.dryRun;
  if (typeof dryRun !== 'boolean') throw new InvalidInputError('dryRun', `expected true or false, got ${describe(dryRun)}`);

  let request: LaunchFailureRequest;
  if (isFleetEventSource(o.source)) {
    refuseUnknownEventFields(o, ['dryRun']);
    if (o.id !== undefined && (typeof o.id !== 'string' || o.id.length > 128)) throw new InvalidInputError('id', `expected an event id, got ${describe(o.id)}`);
    const account = requireAccountId('account', o.account);
    const { fleet, event } = parseFleetEvent(o, account);
    request = {
      account,
      region: requireRegion('region', o.region),
      autoScalingGroupName: null,
      fleet,
      fleetEvent: event,
      ...(typeof o.id === 'string' ? { eventId: o.id } : {}),
      trigger: 'event',
      dryRun,
    };
  } else if ('detail-type' in o || 'detail' in o || 'source' in o) {
    if (o.source !== 'aws.autoscaling') throw new InvalidInputError('source', `expected "aws.autoscaling", got ${describe(o.source)}`);
    refuseUnknownEventFields(o, ['dryRun']);
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
    const named = LAUNCHER_FIELDS.filter((f) => o[f] !== undefined);
    if (named.length > 1) throw new InvalidInputError(named[1]!, `a manual request names one launcher: ${LAUNCHER_FIELDS.join(', ')}`);
    const base = { account: requireAccountId('account', o.account), region: requireRegion('region', o.region), trigger: 'manual' as const, dryRun };
    if (named[0] === 'spotFleetRequestId') request = { ...base, autoScalingGroupName: null, fleet: { kind: 'spot-fleet', id: requireFleetId('spotFleetRequestId', 'spot-fleet', o.spotFleetRequestId) } };
    else if (named[0] === 'fleetId') request = { ...base, autoScalingGroupName: null, fleet: { kind: 'ec2-fleet', id: requireFleetId('fleetId', 'ec2-fleet', o.fleetId) } };
    else request = { ...base, autoScalingGroupName: requireAsgName('autoScalingGroupName', o.autoScalingGroupName) };
  }
  if (!config.regions.includes(request.region)) {
    throw new InvalidInputError('region', `${request.region} is not one of the configured regions (${config.regions.join(', ')})`);
  }
  return request;
}

/** Every cause a diagnosis can name: the ids of the catalogue's launcher checks, in the order they are weighed. */
export const CAUSES: readonly string[] = checksOf('launcher', 'diagnosis').map((c) => c.id);
export type Cause = string;

/** What the workflow does about a cause: remediate, nothing to do, or a finding for a person. */
export type Status = 'remediable' | 'no-action' | 'finding';

export interface Diagnosis {
  cause: Cause;
  status: Status;
  remediable: boolean;
  dryRun: boolean;
  account: string;
  region: string;
  /** The Auto Scaling group diagnosed; null when the launcher is a fleet. */
  autoScalingGroupName: string | null;
  /** The launcher diagnosed: an Auto Scaling group, a Spot Fleet request or an EC2 Fleet. */
  launcher: { kind: LauncherKind; name: string };
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
  /** What KMS's DryRun of the member role's CreateGrant said, in words (null when no grant was needed or asked). */
  grantCheck: string | null;
}

/** The facts of a launch-failure request, before anything is read. */
export function requestFacts(request: LaunchFailureRequest, config: Pick<Config, 'partition' | 'centralAccountId' | 'createServiceLinkedRole'>): LaunchFacts {
  return {
    account: request.account,
    region: request.region,
    partition: config.partition,
    centralAccountId: config.centralAccountId,
    memberRole: { available: true },
    trigger: request.trigger,
    dryRun: request.dryRun,
    ...(request.statusMessage !== undefined ? { statusMessage: request.statusMessage } : {}),
    images: [],
    keys: [],
    createServiceLinkedRole: config.createServiceLinkedRole,
  };
}

/** The one cause of a launch failure: the first result of the catalogue's launcher checks. */
export function diagnose(request: LaunchFailureRequest, facts: LaunchFacts): Diagnosis {
  const result = firstResult('launcher', 'diagnosis', facts);
  // The catalogue always ends in grant-present or missing-grant; no result is a defect of the catalogue.
  if (!result) throw new Error(`the check catalogue decided nothing for ${launcherOf(request).name}`);
  const principal = facts.launcher?.found ? facts.launcher.principal : undefined;
  return {
    cause: result.id,
    status: result.status,
    remediable: result.status === 'remediable',
    dryRun: request.dryRun,
    account: request.account,
    region: request.region,
    autoScalingGroupName: request.autoScalingGroupName,
    launcher: launcherOf(request),
    trigger: request.trigger,
    eventId: request.eventId ?? null,
    serviceLinkedRoleArn: principal?.arn ?? null,
    serviceLinkedRoleExists: principal?.exists ?? null,
    createServiceLinkedRole: facts.createServiceLinkedRole,
    images: facts.images,
    keys: facts.keys.map(({ policy: _policy, ...k }) => k),
    grantsNeeded: result.grantsNeeded ?? [],
    handOver: result.handOver ?? null,
    finding: result.evidence,
    fix: result.fix,
    grantCheck: grantCheckOf(facts),
  };
}

/** The launcher a request names. */
export function launcherOf(request: Pick<LaunchFailureRequest, 'autoScalingGroupName' | 'fleet'>): { kind: LauncherKind; name: string } {
  return request.fleet ? { kind: request.fleet.kind, name: request.fleet.id } : { kind: 'auto-scaling-group', name: request.autoScalingGroupName ?? '' };
}

/** "would succeed" or "would be refused, because …": KMS's own DryRun verdict on the grants still needed. */
function grantCheckOf(facts: LaunchFacts): string | null {
  const asked = facts.keys.filter((k) => k.managed && !k.grantPresent && k.dryRun);
  if (asked.length === 0) return null;
  const refused = asked.filter((k) => k.dryRun?.outcome === 'refused');
  if (refused.length === 0) return `KMS DryRun: the grant would succeed on ${asked.map((k) => k.keyArn).join(', ')} (key policy, IAM, SCPs and RCPs allow it)`;
  return `KMS DryRun: the grant would be refused: ${refused.map((k) => (k.dryRun?.outcome === 'refused' ? k.dryRun.message.slice(0, 400) : '')).join('; ')}`;
}
