/**
 * 6. A launch path beyond Auto Scaling: a member's Spot Fleet request launches the golden AMI and
 * its launches fail; Spot Fleet's error event travels member bus → central bus → the launch-failure
 * workflow, which grants the fleet's own service-linked role (AWSServiceRoleForEC2SpotFleet) from
 * inside the member account. The same event again changes nothing.
 */
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { clientConfig } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';
import { isReadOnly } from '../emulator/read-only';
import { drainQueues, type RoutedExecution } from '../local/event-router';
import { createFleet, createFleetRole, emitFleetError } from '../local/fleets';
import { HOME_REGION, type Organization } from '../local/organization';
import type { ExecutionReport, runWorkflow } from '../local/state-machine';
import type { createConsole } from './console';

export async function launchPathsStory(
  emulator: Emulator,
  org: Organization,
  out: ReturnType<typeof createConsole>,
  progress: NonNullable<Parameters<typeof runWorkflow>[2]>,
  executions: (RoutedExecution | (ExecutionReport & { trigger: string }))[],
): Promise<{ expectations: [string, boolean][]; summary: Record<string, unknown> }> {
  out.section('6. Another launch path: a Spot Fleet');
  const member = org.members[1]!;
  const role = await createFleetRole(emulator, member.account, 'spot-fleet');
  const fleetId = await createFleet(emulator, member.account, 'spot-fleet', org.goldenImageId);
  out.note(`${member.account} requests Spot Fleet ${fleetId} launching ${org.goldenImageId}; its instances launch as ${role.split('/').pop()}, not as an Auto Scaling role`);
  const route = async () => {
    const ran = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues, { ...progress, onExecution: (e) => out.outcome(e.output as Record<string, unknown> | undefined, e.status) });
    executions.push(...ran);
    return ran;
  };
  out.event(`aws.ec2spotfleet EC2 Spot Fleet Error allLaunchSpecsTemporarilyBlacklisted for ${fleetId}`);
  await emitFleetError(emulator, member.account, 'spot-fleet', fleetId);
  const fixed = await route();
  const grantsOf = async () =>
    ((await new KMSClient(clientConfig(emulator, org.centralAccount, HOME_REGION)).send(new ListGrantsCommand({ KeyId: org.keyArns[HOME_REGION]!, GranteePrincipal: role }))).Grants ?? []).map((g) => g.Name ?? '');
  const grants = await grantsOf();
  out.note(`${role.split('/').pop()} holds ${grants.join(', ') || 'no grant'} on ${org.keyArns[HOME_REGION]}`);

  await emulator.clearCalls();
  await emitFleetError(emulator, member.account, 'spot-fleet', fleetId);
  const replay = await route();
  const changes = (await emulator.calls()).filter((c) => !isReadOnly(c) && !['sqs', 'events', 's3'].includes(c.service));
  const status = (e: { output?: unknown } | undefined) => (e?.output as { status?: string } | undefined)?.status;
  return {
    expectations: [
      ['the Spot Fleet’s error reached the central account and its own service-linked role got the grant, from the member account', fixed.length === 1 && status(fixed[0]) === 'remediated' && grants.length === 1],
      ['the Spot Fleet’s error again changed nothing', replay.length === 1 && status(replay[0]) === 'no-action' && changes.length === 0 && (await grantsOf()).length === 1],
    ],
    summary: { account: member.account, spotFleetRequestId: fleetId, role, grants, replay: status(replay[0]) ?? null },
  };
}
