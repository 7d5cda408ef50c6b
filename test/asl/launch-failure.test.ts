/**
 * statemachines/launch-failure.asl.json, run as deployed by aws-local-stepfunctions with the real
 * handlers; AWS is answered by real-shaped SDK mocks (test/fixtures/aws.ts). Each test is a cold
 * start: modules are loaded in isolation so that no credentials or clients leak between cases.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionReport } from '../../local/state-machine';
import type { Scenario } from '../fixtures/aws';
import { ASG, CENTRAL, CMK_ARN, EC2_FLEET_ID, GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, MEMBER, REGION, SPOT_FLEET_ID, TEST_ENV, slrArn } from '../fixtures/aws';

const REQUIRED = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];
const event = (name: string) => JSON.parse(readFileSync(path.join(__dirname, '../fixtures/events', `${name}.json`), 'utf8'));

Object.assign(process.env, TEST_ENV);

interface Run {
  report: ExecutionReport;
  output: Record<string, unknown>;
  world: ReturnType<typeof import('../fixtures/aws').mockWorld>;
  calls: (command: string) => { input: Record<string, unknown> }[];
}

async function run(scenario: Scenario, input: unknown = event('launch-unsuccessful-kms-cancelled')): Promise<Run> {
  let result!: Run;
  await jest.isolateModulesAsync(async () => {
    const { mockWorld } = await import('../fixtures/aws');
    const { runWorkflow } = await import('../../local/state-machine');
    const world = mockWorld(scenario);
    try {
      const report = await runWorkflow('launch-failure', input);
      const all = [world.sts, world.asg, world.ec2, world.iam, world.kms].flatMap((m) => m.calls() as { args: unknown[] }[]);
      // `CreateGrant`: the calls that create a grant; `DryRun CreateGrant`: KMS's DryRun of it, which creates nothing.
      const calls = (command: string) => {
        const dryRun = command.startsWith('DryRun ');
        const name = command.replace(/^DryRun /, '');
        return all
          .filter((c) => (c.args[0] as { constructor: { name: string } }).constructor.name === `${name}Command`)
          .map((c) => ({ input: (c.args[0] as { input: Record<string, unknown> }).input }))
          .filter((c) => name !== 'CreateGrant' || (c.input.DryRun === true) === dryRun);
      };
      result = { report, output: (report.output ?? {}) as Record<string, unknown>, world, calls };
    } finally {
      world.reset();
    }
  });
  return result;
}

describe('launch-failure state machine', () => {
  it('grants the group’s service-linked role the eight operations on the central key, from the member account (happy path)', async () => {
    const { report, output, calls } = await run({});

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ workflow: 'launch-failure', status: 'remediated', cause: 'missing-grant', account: MEMBER, region: REGION, autoScalingGroupName: ASG });
    const creates = calls('CreateGrant');
    expect(creates).toHaveLength(1);
    expect(creates[0]!.input).toEqual({ KeyId: CMK_ARN, GranteePrincipal: slrArn(), Operations: REQUIRED, Name: `amiwarden:${MEMBER}:AWSServiceRoleForAutoScaling` });
    expect(calls('AssumeRole')[0]!.input).toMatchObject({ RoleArn: `arn:aws:iam::${MEMBER}:role/amiwarden-member`, ExternalId: 'amiwarden-test' });
    expect((output.grants as { operations: string[] }[])[0]!.operations).toEqual(REQUIRED);
    expect(report.path).toEqual([
      'Take the request',
      'Diagnose launch failure',
      'What caused the launch failure?',
      'Grant key access in member account',
      'Was the grant created?',
      'Verify grant is visible',
      'Record remediation',
    ]);
    expect(report.lambdaInvocations).toBe(3);
  });

  it('changes nothing when the grant already exists', async () => {
    const { report, output, calls } = await run({ grants: [{ granteePrincipal: slrArn(), operations: REQUIRED, name: `amiwarden:${MEMBER}:AWSServiceRoleForAutoScaling` }] });

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'no-action', cause: 'grant-present' });
    expect(calls('CreateGrant')).toHaveLength(0);
    expect(report.lambdaInvocations).toBe(1);
  });

  it('reports a disabled key as a finding and creates no grant', async () => {
    const { output, calls } = await run({ keyState: 'Disabled' }, event('launch-unsuccessful-kms-invalid-state'));

    expect(output).toMatchObject({ status: 'finding', cause: 'key-disabled-or-pending-deletion' });
    expect(output.fix).toMatch(/EnableKey|CancelKeyDeletion/);
    expect(calls('CreateGrant')).toHaveLength(0);
  });

  it('names an unavailable member role as a finding instead of failing', async () => {
    const { report, output, calls } = await run({ assumeRole: 'denied' });

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'finding', cause: 'member-role-unavailable' });
    expect(output.finding).toContain(`arn:aws:iam::${MEMBER}:role/amiwarden-member`);
    expect(calls('DescribeAutoScalingGroups')).toHaveLength(0);
  });

  it('grants the role the group actually uses when it carries a custom suffix', async () => {
    const custom = slrArn(MEMBER, 'web');
    const { output, calls } = await run({ serviceLinkedRoleArn: custom });

    expect(output).toMatchObject({ status: 'remediated', serviceLinkedRoleArn: custom });
    expect(calls('CreateGrant')[0]!.input).toMatchObject({ GranteePrincipal: custom, Name: `amiwarden:${MEMBER}:AWSServiceRoleForAutoScaling_web` });
  });

  it('creates a missing service-linked role (with its suffix) before granting, when configured to', async () => {
    const custom = slrArn(MEMBER, 'web');
    const { output, calls } = await run({ serviceLinkedRoleArn: custom, serviceLinkedRoleExists: false });

    expect(output).toMatchObject({ status: 'remediated', cause: 'service-linked-role-missing', serviceLinkedRoleCreated: true });
    expect(calls('CreateServiceLinkedRole')[0]!.input).toMatchObject({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'web' });
    expect(calls('CreateGrant')[0]!.input).toMatchObject({ GranteePrincipal: custom });
  });

  it('keeps retrying while KMS does not yet see the service-linked role it created, also on the retries', async () => {
    // The first attempt creates the role; the retries find it in IAM but KMS may still answer InvalidArnException.
    const { report, output, calls } = await run({ serviceLinkedRoleExists: false, slrInvisibleToKms: 3 });

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'remediated', cause: 'service-linked-role-missing' });
    expect(calls('CreateServiceLinkedRole')).toHaveLength(1);
    expect(calls('CreateGrant')).toHaveLength(4);
    expect(report.retries).toBe(3);
  });

  it('grants AWSServiceRoleForEC2Spot for a group that requests Spot from a launch configuration (its instances launch as that role)', async () => {
    const { report, output, calls } = await run({ spotLaunchConfiguration: true });

    const spotRole = `arn:aws:iam::${MEMBER}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'remediated', cause: 'missing-grant', serviceLinkedRoleArn: spotRole, autoScalingGroupName: ASG, launcher: { kind: 'auto-scaling-group', name: ASG } });
    expect(calls('DescribeLaunchConfigurations')[0]!.input).toEqual({ LaunchConfigurationNames: ['web-spot'] });
    expect(calls('GetRole').map((c) => c.input.RoleName)).toContain('AWSServiceRoleForEC2Spot');
    expect(calls('CreateGrant').map((c) => c.input)).toEqual([{ KeyId: CMK_ARN, GranteePrincipal: spotRole, Operations: REQUIRED, Name: `amiwarden:${MEMBER}:AWSServiceRoleForEC2Spot` }]);
  });

  it.each([
    ['a Spot Fleet error event', 'spot-fleet', 'starts-spot-fleet-error-all-launch-specs-blacklisted.json', 'spotfleet.amazonaws.com/AWSServiceRoleForEC2SpotFleet'],
    ['an EC2 Fleet error event', 'ec2-fleet', 'starts-ec2-fleet-error-all-launch-specs-blacklisted.json', 'ec2fleet.amazonaws.com/AWSServiceRoleForEC2Fleet'],
  ] as const)('on %s, grants the fleet’s own service-linked role from the member account and verifies it', async (_label, kind, file, role) => {
    const input = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/fleet-events', file), 'utf8'));
    const { report, output, calls } = await run({ fleet: { kind, via: 'override' } }, input);

    const arn = `arn:aws:iam::${MEMBER}:role/aws-service-role/${role}`;
    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'remediated', cause: 'missing-grant', serviceLinkedRoleArn: arn, autoScalingGroupName: null, launcher: { kind, name: kind === 'spot-fleet' ? SPOT_FLEET_ID : EC2_FLEET_ID } });
    expect(calls(kind === 'spot-fleet' ? 'DescribeSpotFleetRequests' : 'DescribeFleets')[0]!.input).toEqual(kind === 'spot-fleet' ? { SpotFleetRequestIds: [SPOT_FLEET_ID] } : { FleetIds: [EC2_FLEET_ID] });
    expect(calls('DescribeAutoScalingGroups')).toHaveLength(0);
    expect(calls('CreateGrant').map((c) => c.input)).toEqual([{ KeyId: CMK_ARN, GranteePrincipal: arn, Operations: REQUIRED, Name: `amiwarden:${MEMBER}:${role.split('/')[1]}` }]);
    expect((output.grants as { granteePrincipal: string }[]).map((g) => g.granteePrincipal)).toEqual([arn]);
  });

  it('creates a missing EC2 Fleet role (no suffix) before granting it, for a manual request', async () => {
    const { output, calls } = await run({ fleet: { kind: 'ec2-fleet', via: 'template' }, serviceLinkedRoleExists: false }, { account: MEMBER, region: REGION, fleetId: EC2_FLEET_ID });

    expect(output).toMatchObject({ status: 'remediated', cause: 'service-linked-role-missing', serviceLinkedRoleCreated: true });
    expect(calls('CreateServiceLinkedRole').map((c) => c.input)).toEqual([{ AWSServiceName: 'ec2fleet.amazonaws.com', Description: expect.any(String) }]);
    expect(calls('CreateGrant')[0]!.input).toMatchObject({ GranteePrincipal: `arn:aws:iam::${MEMBER}:role/aws-service-role/ec2fleet.amazonaws.com/AWSServiceRoleForEC2Fleet` });
  });

  it('plans the fleet grant in a dry run and changes nothing', async () => {
    const { output, calls } = await run({ fleet: { kind: 'spot-fleet', via: 'specification' } }, { account: MEMBER, region: REGION, spotFleetRequestId: SPOT_FLEET_ID, dryRun: true });

    expect(output).toMatchObject({ status: 'planned', cause: 'missing-grant', launcher: { kind: 'spot-fleet', name: SPOT_FLEET_ID } });
    expect(calls('CreateGrant')).toHaveLength(0);
    expect(calls('DryRun CreateGrant')).toHaveLength(1);
  });

  it('reports a cancelled Spot Fleet as gone and grants nothing', async () => {
    const { output, calls } = await run({ fleet: { kind: 'spot-fleet', state: 'cancelled_terminating' } }, { account: MEMBER, region: REGION, spotFleetRequestId: SPOT_FLEET_ID });

    expect(output).toMatchObject({ status: 'finding', cause: 'asg-not-found', autoScalingGroupName: null });
    expect(calls('CreateGrant')).toHaveLength(0);
  });

  it('refuses an instant EC2 Fleet (it launches as its caller) as bad input, changing nothing', async () => {
    const { report, calls } = await run({ fleet: { kind: 'ec2-fleet', type: 'instant' } }, { account: MEMBER, region: REGION, fleetId: EC2_FLEET_ID });

    expect(report.status).toBe('FAILED');
    // A typed input error goes straight to the failure record: no retry, no grant, no role created.
    expect([report.path, report.retries]).toEqual([['Take the request', 'Diagnose launch failure', 'Record failure', 'Launch-failure remediation failed'], 0]);
    expect(calls('DescribeFleets')).toHaveLength(1);
    expect([...calls('CreateGrant'), ...calls('CreateServiceLinkedRole')]).toHaveLength(0);
  });

  it('retries throttling with backoff and then succeeds', async () => {
    // The mock replaces send(), so the SDK's own retries are not in play: each throttle fails the Lambda with
    // TransientAwsError and the state machine retries it (the emulator tests cover the SDK's share).
    const { report, output, calls } = await run({ throttle: { command: 'DescribeAutoScalingGroups', times: 2 } });

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'remediated' });
    expect(report.retries).toBe(2);
    expect(calls('DescribeAutoScalingGroups')).toHaveLength(3);
    expect(calls('CreateGrant')).toHaveLength(1);
  });

  it('spots a key policy that lets members grant only for AWS resources, and spells out the fix', async () => {
    // KMS refuses what the key policy does not allow: the DryRun of the diagnosis says so first.
    const { output, calls } = await run({ keyPolicy: GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, createGrant: 'access-denied' });

    expect(output).toMatchObject({ status: 'finding', cause: 'key-policy-blocks-grant' });
    expect(output.finding).toMatch(/GrantIsForAWSResource/);
    expect(output.finding).toMatch(/no resource-based policy allows/);
    expect(output.fix).toContain('"kms:GranteePrincipal"');
    expect(calls('CreateGrant')).toHaveLength(0);
  });

  it('diagnoses a refused CreateGrant with KMS’s DryRun before trying it', async () => {
    const { report, output, calls } = await run({ createGrant: 'access-denied' });

    expect(output).toMatchObject({ status: 'finding', cause: 'key-policy-blocks-grant' });
    expect(output.fix).toContain('kms:CreateGrant');
    expect(calls('DryRun CreateGrant')).toHaveLength(1);
    expect(calls('CreateGrant')).toHaveLength(0);
    expect(report.path).toContain('Record diagnosis');
  });

  it('turns AccessDenied on CreateGrant into the key-policy finding (refused after a DryRun that passed)', async () => {
    const { report, output, calls } = await run({ createGrant: 'access-denied', dryRunPasses: true });

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'finding', cause: 'key-policy-blocks-grant' });
    expect(output.fix).toContain('kms:CreateGrant');
    expect(calls('CreateGrant')).toHaveLength(1);
    expect(report.path).toContain('Record refused grant');
  });

  it.each([
    ['a service control policy', 'with an explicit deny in a service control policy', 'organization-policy-blocks-grant', /service control polic/],
    ['a resource control policy', 'with an explicit deny in a resource control policy', 'organization-policy-blocks-grant', /resource control polic/],
    ['the member role’s own policy', 'because no identity-based policy allows the kms:CreateGrant action', 'member-policy-blocks-grant', /member stack/],
  ])('does not blame the key policy when %s refuses CreateGrant', async (_label, grantDenial, cause, fix) => {
    const { output } = await run({ createGrant: 'access-denied', grantDenial, dryRunPasses: true });

    expect(output).toMatchObject({ status: 'finding', cause });
    expect(String(output.fix)).toMatch(fix);
  });

  it('hands an AMI on the AWS managed key to re-encryption instead of granting', async () => {
    const awsKey = `arn:aws:kms:${REGION}:${CENTRAL}:key/798bc4bb-3079-4a9a-bc27-2c7f2b6c91d0`;
    const { report, output, calls } = await run({ snapshotKey: awsKey, keyManager: 'AWS' });

    expect(output).toMatchObject({ status: 'handed-over', cause: 'aws-managed-key-ami', imageId: 'ami-0a1b2c3d4e5f60718' });
    expect(output.reencryption).toContain(':stateMachine:ReencryptAndShareStateMachine'.replace(':stateMachine:', ':execution:amiwarden-reencrypt-and-share:').split(':ReencryptAndShareStateMachine')[0]);
    expect(report.children.map((c) => c.workflow)).toEqual(['reencrypt-and-share']);
    expect(calls('CreateGrant')).toHaveLength(0);
  });

  it('ignores a launch failure that is not about KMS without a single AWS call', async () => {
    const { output, calls } = await run({}, event('launch-unsuccessful-snapshot-id'));

    expect(output).toMatchObject({ status: 'no-action', cause: 'not-a-kms-failure' });
    expect(calls('AssumeRole')).toHaveLength(0);
    expect(calls('DescribeImages')).toHaveLength(0);
  });

  it('plans without changing anything in a dry run', async () => {
    const { output, calls } = await run({}, { account: MEMBER, region: REGION, autoScalingGroupName: ASG, dryRun: true });

    expect(output).toMatchObject({ status: 'planned', cause: 'missing-grant', grantsNeeded: [{ keyArn: CMK_ARN, granteePrincipal: slrArn() }] });
    expect(output.grantCheck).toMatch(/KMS DryRun: the grant would succeed/);
    expect(calls('DryRun CreateGrant')).toHaveLength(1);
    expect(calls('CreateGrant')).toHaveLength(0);
  });

  it('plans a refusal with its reason in a dry run: KMS’s DryRun says the grant would be refused, and why', async () => {
    const { output, calls } = await run(
      { createGrant: 'access-denied', grantDenial: 'with an explicit deny in a service control policy' },
      { account: MEMBER, region: REGION, autoScalingGroupName: ASG, dryRun: true },
    );

    expect(output).toMatchObject({ status: 'finding', cause: 'organization-policy-blocks-grant' });
    expect(String(output.finding)).toMatch(/service control policy/);
    expect(calls('CreateGrant')).toHaveLength(0);
  });

  it('fails through the one failure path, recording the input, on a spoofed event', async () => {
    const spoofed = { ...event('launch-unsuccessful-kms-cancelled'), source: 'my.app' };
    const { report, calls } = await run({}, spoofed);

    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('LaunchFailureRemediationFailed');
    expect(report.path).toEqual(['Take the request', 'Diagnose launch failure', 'Record failure', 'Launch-failure remediation failed']);
    expect(calls('AssumeRole')).toHaveLength(0);
  });
});

/** The EMF documents the handlers write during one execution, with metrics on (the tests' default is off). */
async function outcomesOf(scenario: Scenario, input?: unknown): Promise<{ status: unknown; outcomes: string[] }> {
  const written: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  try {
    const { output } = await run(scenario, input);
    const outcomes = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"CloudWatchMetrics"'))
      .map((line) => JSON.parse(line) as { workflow: string; _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } })
      .map((doc) => `${doc.workflow}:${doc._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name}`);
    return { status: output.status, outcomes };
  } finally {
    out.mockRestore();
    process.env.POWERTOOLS_METRICS_DISABLED = saved;
  }
}

describe('launch-failure outcome metrics', () => {
  it.each([
    ['the grant is made', {}, undefined, 'remediated', 'remediated'],
    ['the grant already exists', { grants: [{ granteePrincipal: slrArn(), operations: REQUIRED, name: `amiwarden:${MEMBER}:AWSServiceRoleForAutoScaling` }] }, undefined, 'no-action', 'no-action'],
    ['KMS refuses the grant', { createGrant: 'access-denied' as const }, undefined, 'finding', 'finding'],
    ['the key is disabled', { keyState: 'Disabled' }, event('launch-unsuccessful-kms-invalid-state'), 'finding', 'finding'],
    ['a dry run', {}, { account: MEMBER, region: REGION, autoScalingGroupName: ASG, dryRun: true }, 'planned', 'finding'],
  ] as [string, Scenario, unknown, string, string][])('records exactly one outcome when %s', async (_case, scenario, input, status, outcome) => {
    const result = await outcomesOf(scenario, input);

    expect(result).toEqual({ status, outcomes: [`launch-failure:${outcome}`] });
  });

  it('records failed when the workflow fails', async () => {
    const result = await outcomesOf({}, { ...event('launch-unsuccessful-kms-cancelled'), source: 'my.app' });

    expect(result.outcomes).toEqual(['launch-failure:failed']);
  });
});

describe('launch-failure state machine contract', () => {
  const definition = JSON.parse(readFileSync(path.join(__dirname, '../../statemachines/launch-failure.asl.json'), 'utf8'));
  const states = Object.entries(definition.States as Record<string, Record<string, unknown>>);

  it('gives every Task a Catch into the one failure path', () => {
    const tasks = states.filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    for (const [name, state] of tasks) {
      const catchers = state.Catch as { ErrorEquals: string[]; Next: string }[] | undefined;
      expect({ name, catches: catchers?.some((c) => c.ErrorEquals.includes('States.ALL')) }).toEqual({ name, catches: true });
      if (name !== 'Record failure') expect(catchers!.map((c) => c.Next)).toContain('Record failure');
    }
  });

  it('retries with backoff and jitter on the transient error every AWS-calling Task can throw', () => {
    for (const name of ['Diagnose launch failure', 'Grant key access in member account', 'Verify grant is visible']) {
      const retry = (definition.States[name].Retry as { ErrorEquals: string[]; BackoffRate: number; JitterStrategy?: string }[]).find((r) =>
        r.ErrorEquals.includes('TransientAwsError'),
      );
      expect(retry).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
    }
  });
});
