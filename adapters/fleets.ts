/**
 * EC2 Spot Fleet requests and EC2 Fleets, read-only: what each launches from. A fleet's images are
 * those of its launch specifications (Spot Fleet), of its launch templates' versions, and of the
 * `ImageId` overrides that replace a template's image (EC2 API Reference, FleetLaunchTemplateOverrides
 * and LaunchTemplateOverrides).
 */
import {
  DescribeFleetsCommand,
  DescribeSpotFleetRequestsCommand,
  type EC2Client,
  type FleetData,
  type SpotFleetRequestConfig,
} from '@aws-sdk/client-ec2';
import { call, hasCode } from './aws';
import type { LaunchTemplateRef } from './autoscaling';

export type FleetKind = 'spot-fleet' | 'ec2-fleet';

export interface FleetView {
  kind: FleetKind;
  id: string;
  /** SpotFleetRequestState or FleetState (active, modifying, cancelled_running, deleted, …). */
  state: string;
  /** `request`, `maintain` or (EC2 Fleet) `instant`. */
  type: string;
  /** Image ids named directly: launch specifications and overrides. */
  imageIds: string[];
  /** Launch templates whose own image is launched (no override of the configuration names an image). */
  launchTemplates: LaunchTemplateRef[];
}

/** States in which a fleet still launches instances (a cancelled or deleted one launches no more). */
export const LAUNCHING_STATES = new Set(['submitted', 'active', 'modifying']);

type TemplateConfig = {
  LaunchTemplateSpecification?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  Overrides?: { ImageId?: string }[];
};

function fromTemplateConfigs(configs: TemplateConfig[] | undefined): Pick<FleetView, 'imageIds' | 'launchTemplates'> {
  const imageIds: string[] = [];
  const launchTemplates: LaunchTemplateRef[] = [];
  for (const config of configs ?? []) {
    const overrides = config.Overrides ?? [];
    overrides.forEach((o) => o.ImageId && imageIds.push(o.ImageId));
    const spec = config.LaunchTemplateSpecification;
    // The template's own image is launched unless every override replaces it.
    if (spec && (overrides.length === 0 || overrides.some((o) => !o.ImageId))) {
      launchTemplates.push({
        ...(spec.LaunchTemplateId ? { launchTemplateId: spec.LaunchTemplateId } : {}),
        ...(spec.LaunchTemplateName ? { launchTemplateName: spec.LaunchTemplateName } : {}),
        ...(spec.Version ? { version: spec.Version } : {}),
      });
    }
  }
  return { imageIds, launchTemplates };
}

export function toSpotFleetView(id: string, state: string | undefined, config: SpotFleetRequestConfig['SpotFleetRequestConfig']): FleetView {
  const templates = fromTemplateConfigs(config?.LaunchTemplateConfigs as TemplateConfig[] | undefined);
  const specs = (config?.LaunchSpecifications ?? []).flatMap((s) => (s.ImageId ? [s.ImageId] : []));
  return { kind: 'spot-fleet', id, state: state ?? 'unknown', type: config?.Type ?? 'maintain', imageIds: [...new Set([...specs, ...templates.imageIds])], launchTemplates: templates.launchTemplates };
}

export function toFleetView(fleet: FleetData): FleetView {
  const templates = fromTemplateConfigs(fleet.LaunchTemplateConfigs as TemplateConfig[] | undefined);
  return { kind: 'ec2-fleet', id: fleet.FleetId ?? '', state: fleet.FleetState ?? 'unknown', type: fleet.Type ?? 'maintain', imageIds: [...new Set(templates.imageIds)], launchTemplates: templates.launchTemplates };
}

/** One Spot Fleet request by id (undefined: EC2 knows no such request). */
export async function describeSpotFleetRequest(client: EC2Client, id: string): Promise<FleetView | undefined> {
  try {
    const out = await call('ec2:DescribeSpotFleetRequests', () => client.send(new DescribeSpotFleetRequestsCommand({ SpotFleetRequestIds: [id] })));
    const found = out.SpotFleetRequestConfigs?.find((c) => c.SpotFleetRequestId === id);
    return found ? toSpotFleetView(id, found.SpotFleetRequestState, found.SpotFleetRequestConfig) : undefined;
  } catch (error) {
    if (hasCode(error, 'InvalidSpotFleetRequestId.NotFound', 'InvalidSpotFleetRequestId.Malformed')) return undefined;
    throw error;
  }
}

/** One EC2 Fleet by id (undefined: EC2 knows no such fleet). */
export async function describeFleet(client: EC2Client, id: string): Promise<FleetView | undefined> {
  try {
    const out = await call('ec2:DescribeFleets', () => client.send(new DescribeFleetsCommand({ FleetIds: [id] })));
    const found = out.Fleets?.find((f) => f.FleetId === id);
    return found ? toFleetView(found) : undefined;
  } catch (error) {
    if (hasCode(error, 'InvalidFleetId.NotFound', 'InvalidFleetId.Malformed')) return undefined;
    throw error;
  }
}

/** Every Spot Fleet request and every EC2 Fleet of the account in this Region that still launches, all pages. */
export async function launchingFleets(client: EC2Client): Promise<FleetView[]> {
  const fleets: FleetView[] = [];
  let token: string | undefined;
  do {
    const out = await call('ec2:DescribeSpotFleetRequests', () => client.send(new DescribeSpotFleetRequestsCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) })));
    for (const c of out.SpotFleetRequestConfigs ?? []) if (c.SpotFleetRequestId) fleets.push(toSpotFleetView(c.SpotFleetRequestId, c.SpotFleetRequestState, c.SpotFleetRequestConfig));
    token = out.NextToken;
  } while (token);
  do {
    const out = await call('ec2:DescribeFleets', () => client.send(new DescribeFleetsCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) })));
    for (const f of out.Fleets ?? []) if (f.FleetId) fleets.push(toFleetView(f));
    token = out.NextToken;
  } while (token);
  // Instant fleets launch once, as their caller (not a service-linked role), and emit no events.
  return fleets.filter((f) => LAUNCHING_STATES.has(f.state) && f.type !== 'instant');
}
