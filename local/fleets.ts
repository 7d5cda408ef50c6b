/**
 * Spot Fleet requests and EC2 Fleets in a member account of the emulator's organization, built
 * through the EC2 API as in AWS, and the error event each fleet's service puts on the account's
 * default bus when its launches fail (EC2 User Guide, "Spot Fleet event types", "EC2 Fleet event
 * types"). In AWS only EC2 can emit `aws.ec2spotfleet` / `aws.ec2fleet` events; the emulator lets
 * the caller stand in for it.
 */
import { CreateFleetCommand, CreateLaunchTemplateCommand, EC2Client, RequestSpotFleetCommand } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateServiceLinkedRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { clientConfig } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';
import { HOME_REGION } from './organization';

const cfg = (emulator: Emulator, account: string) => clientConfig(emulator, account, HOME_REGION);

export type FleetKind = 'spot-fleet' | 'ec2-fleet';

/** The service-linked role a fleet launches as, created as EC2's console creates it for a new fleet. */
export async function createFleetRole(emulator: Emulator, account: string, kind: FleetKind): Promise<string> {
  const service = kind === 'spot-fleet' ? 'spotfleet.amazonaws.com' : 'ec2fleet.amazonaws.com';
  return (await new IAMClient(cfg(emulator, account)).send(new CreateServiceLinkedRoleCommand({ AWSServiceName: service }))).Role!.Arn!;
}

/**
 * A fleet of type maintain that launches `imageId` through a launch template, with a target
 * capacity of 0 (nothing runs: the emulator launches no instance of a central image a member cannot
 * see yet, and the test stands in for the error event). Returns the fleet's id.
 */
export async function createFleet(emulator: Emulator, account: string, kind: FleetKind, imageId: string, name = `${kind}-workers`): Promise<string> {
  const ec2 = new EC2Client(cfg(emulator, account));
  const template = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: imageId, InstanceType: 't3.micro' } }));
  const launchTemplate = { LaunchTemplateId: template.LaunchTemplate!.LaunchTemplateId!, Version: '$Default' };
  if (kind === 'spot-fleet') {
    const out = await ec2.send(
      new RequestSpotFleetCommand({
        SpotFleetRequestConfig: {
          IamFleetRole: `arn:aws:iam::${account}:role/aws-ec2-spot-fleet-tagging-role`,
          AllocationStrategy: 'priceCapacityOptimized',
          TargetCapacity: 0,
          Type: 'maintain',
          LaunchTemplateConfigs: [{ LaunchTemplateSpecification: launchTemplate, Overrides: [{ InstanceType: 't3.micro' }] }],
        },
      }),
    );
    return out.SpotFleetRequestId!;
  }
  const out = await ec2.send(
    new CreateFleetCommand({
      Type: 'maintain',
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: launchTemplate, Overrides: [{ InstanceType: 't3.micro' }] }],
      TargetCapacitySpecification: { TotalTargetCapacity: 0, DefaultTargetCapacityType: 'spot' },
    }),
  );
  return out.FleetId!;
}

/** The error a fleet's service emits after several failed launches (`allLaunchSpecsTemporarilyBlacklisted`). */
export async function emitFleetError(emulator: Emulator, account: string, kind: FleetKind, fleetId: string, subType = 'allLaunchSpecsTemporarilyBlacklisted'): Promise<void> {
  const out = await new EventBridgeClient(cfg(emulator, account)).send(
    new PutEventsCommand({
      Entries: [
        {
          Source: kind === 'spot-fleet' ? 'aws.ec2spotfleet' : 'aws.ec2fleet',
          DetailType: kind === 'spot-fleet' ? 'EC2 Spot Fleet Error' : 'EC2 Fleet Error',
          Resources: [`arn:aws:ec2:${HOME_REGION}:${account}:${kind === 'spot-fleet' ? 'spot-fleet-request' : 'fleet'}/${fleetId}`],
          Detail: JSON.stringify({
            description: 'Several attempts to launch instances have failed. Either the request could not be satisfied or the configuration is not valid. We will retry the request again later. For more information, see the description of the event.',
            'sub-type': subType,
          }),
        },
      ],
    }),
  );
  if (out.FailedEntryCount) throw new Error(`PutEvents refused the event: ${JSON.stringify(out.Entries)}`);
}
