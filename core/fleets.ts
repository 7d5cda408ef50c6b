/**
 * Spot Fleet requests and EC2 Fleets as launch-failure requests: their ids, and the error events
 * Spot Fleet and EC2 Fleet send to the member account's default bus (EC2 User Guide, "EC2 Fleet
 * event types" and "Spot Fleet event types"), forwarded by the member rule
 * (events/fleet-error.pattern.json). Only fleets of type maintain and request emit events.
 */
import { InvalidInputError } from './errors';
import { describe } from './identifiers';

export type FleetKind = 'spot-fleet' | 'ec2-fleet';

export interface FleetRef {
  kind: FleetKind;
  id: string;
}

/** What a fleet's error event said, kept as evidence (its description is often generic). */
export interface FleetEvent {
  detailType: string;
  subType: string;
  description: string;
}

// sfr-<uuid> / fleet-<uuid> (EC2 API Reference); the emulator's Spot Fleet ids are sfr-<17 hex>.
const SPOT_FLEET_ID = /^sfr-[0-9a-f]{8}(-?[0-9a-f]{4,}){1,4}$/;
const FLEET_ID = /^fleet-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;

export const isSpotFleetRequestId = (v: unknown): v is string => typeof v === 'string' && v.length <= 64 && SPOT_FLEET_ID.test(v);
export const isFleetId = (v: unknown): v is string => typeof v === 'string' && FLEET_ID.test(v);

export function requireFleetId(field: string, kind: FleetKind, value: unknown): string {
  if (kind === 'spot-fleet' && isSpotFleetRequestId(value)) return value;
  if (kind === 'ec2-fleet' && isFleetId(value)) return value;
  throw new InvalidInputError(field, `expected ${kind === 'spot-fleet' ? 'a Spot Fleet request id such as sfr-4b6d274d-0cea-4b2c-b3be-9dc627ad1f55' : 'an EC2 Fleet id such as fleet-598fb973-87b7-422d-be4d-6b0809bfff0a'}, got ${describe(value)}`);
}

/** The sources and detail types of the fleet events that start the diagnosis. */
export const FLEET_EVENTS: Record<string, { kind: FleetKind; detailTypes: readonly string[]; resource: RegExp }> = {
  'aws.ec2spotfleet': { kind: 'spot-fleet', detailTypes: ['EC2 Spot Fleet Error', 'EC2 Spot Fleet Information'], resource: /^arn:aws[a-z-]*:ec2:[a-z0-9-]+:(\d{12}):spot-fleet-request\/(sfr-[0-9a-f-]+)$/ },
  'aws.ec2fleet': { kind: 'ec2-fleet', detailTypes: ['EC2 Fleet Error', 'EC2 Fleet Information'], resource: /^arn:aws[a-z-]*:ec2:[a-z0-9-]+:(\d{12}):fleet\/(fleet-[0-9a-f-]+)$/ },
};

/**
 * The sub-types that mean launches fail (and so may be a key the fleet's role cannot use):
 * an Error that blocks the fleet (all its configurations failed, or the configuration is not valid,
 * or the fleet may not launch), and the Information that one configuration failed several times.
 * `spotInstanceCountLimitExceeded` (a quota) and `launchSpecUnusable` (a price) never are.
 */
export const LAUNCH_FAILURE_SUB_TYPES = ['allLaunchSpecsTemporarilyBlacklisted', 'launchSpecTemporarilyBlacklisted', 'spotFleetRequestConfigurationInvalid', 'iamFleetRoleInvalid'] as const;

const MAX_TEXT = 4096;

export const isFleetEventSource = (source: unknown): boolean => typeof source === 'string' && source in FLEET_EVENTS;

/** The fleet an event is about: its one resource, an ARN of the event's own account. */
export function parseFleetEvent(o: Record<string, unknown>, account: string): { fleet: FleetRef; event: FleetEvent } {
  const spec = FLEET_EVENTS[o.source as string]!;
  const detailType = o['detail-type'];
  if (typeof detailType !== 'string' || !spec.detailTypes.includes(detailType)) {
    throw new InvalidInputError('detail-type', `expected one of ${spec.detailTypes.map((d) => `"${d}"`).join(', ')}, got ${describe(detailType)}`);
  }
  const detail = o.detail;
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) throw new InvalidInputError('detail', `expected an object, got ${describe(detail)}`);
  const d = detail as Record<string, unknown>;
  const subType = d['sub-type'];
  if (typeof subType !== 'string' || !(LAUNCH_FAILURE_SUB_TYPES as readonly string[]).includes(subType)) {
    throw new InvalidInputError('detail.sub-type', `expected a launch-failure sub-type (${LAUNCH_FAILURE_SUB_TYPES.join(', ')}), got ${describe(subType)}`);
  }
  const description = d.description ?? '';
  if (typeof description !== 'string' || description.length > MAX_TEXT) throw new InvalidInputError('detail.description', `expected text of at most ${MAX_TEXT} characters, got ${describe(description)}`);
  const resources = o.resources;
  if (!Array.isArray(resources) || resources.length !== 1) throw new InvalidInputError('resources', `expected the one ${spec.kind === 'spot-fleet' ? 'Spot Fleet request' : 'EC2 Fleet'} ARN, got ${describe(resources)}`);
  const m = typeof resources[0] === 'string' ? spec.resource.exec(resources[0]) : null;
  // A fleet of another account than the event's is never acted on.
  if (!m || m[1] !== account) throw new InvalidInputError('resources[0]', `expected a ${spec.kind === 'spot-fleet' ? 'spot-fleet-request' : 'fleet'} ARN of account ${account}, got ${describe(resources[0])}`);
  return { fleet: { kind: spec.kind, id: requireFleetId('resources[0]', spec.kind, m[2]) }, event: { detailType, subType, description } };
}
