/**
 * What a Spot Fleet request or an EC2 Fleet launches, and as whom: the diagnosis's facts of a fleet
 * (services/launch-failure.ts gathers the rest: images, keys, grants, as for a group).
 */
import type { Config } from '../core/config';
import { InvalidInputError } from '../core/errors';
import type { FleetRef } from '../core/fleets';
import { launchRoleArn } from '../core/launch-roles';
import type { LauncherFacts } from '../core/checks/types';
import { LAUNCHING_STATES } from '../adapters/fleets';
import type { Ec2Adapter } from '../adapters/ec2';

export interface LaunchSource {
  launcher: Omit<LauncherFacts, 'principal'>;
  /** The service-linked role that launches (the principal that must be able to use the key). */
  principalArn?: string;
  imageIds: string[];
  imageParameters: string[];
}

/**
 * A fleet's launch source. A cancelled or deleted fleet launches no more: not found. An instant
 * EC2 Fleet launches as its caller, not a service-linked role, and is refused here (a typed error,
 * no AWS change): the calling-role path decides for it.
 */
export async function fleetLaunchSource(ec2: Ec2Adapter, fleet: FleetRef, config: Pick<Config, 'partition'>, account: string): Promise<LaunchSource> {
  const view = await ec2.fleet(fleet.kind, fleet.id);
  if (!view || !LAUNCHING_STATES.has(view.state)) return { launcher: { kind: fleet.kind, name: fleet.id, found: false }, imageIds: [], imageParameters: [] };
  if (view.type === 'instant') {
    throw new InvalidInputError('fleetId', `${fleet.id} is an EC2 Fleet of type instant: it launches as the role that called CreateFleet, not as AWSServiceRoleForEC2Fleet`);
  }
  const templateImages = await Promise.all(view.launchTemplates.map((ref) => ec2.launchTemplateImage(ref)));
  const ids = [...view.imageIds, ...templateImages].filter((id): id is string => typeof id === 'string');
  const imageParameters = [...new Set(ids.filter((id) => id.startsWith('resolve:ssm:')))];
  return {
    launcher: { kind: fleet.kind, name: fleet.id, found: true, ...(imageParameters.length > 0 ? { imageParameters } : {}) },
    principalArn: launchRoleArn(config.partition, account, fleet.kind),
    imageIds: [...new Set(ids.filter((id) => id.startsWith('ami-')))],
    imageParameters,
  };
}
