/**
 * Faults in the middle of a run: the member role disappears or stops trusting amiwarden, the key
 * is disabled between the diagnosis and the grant, a step fails for good, the emulator (AWS)
 * restarts during a workflow. Each ends in a clear finding or a converged state — never a
 * half-done change left unreported — and what cannot be processed lands on the failure queue
 * with the original event.
 */
import { DeleteRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { clientConfig } from '../../../emulator/accounts';
import { startEmulator } from '../../../emulator/index';
import { HOME_REGION, MEMBER_ROLE_NAME } from '../../../local/organization';
import { runWorkflow } from '../../../local/state-machine';
import { buildWorld, failureRecords, grantsOn, launchFailureEvent, mutatingCalls, report, useWorld } from './support';

const world = useWorld();
const rows: Record<string, string | number>[] = [];
afterAll(() => report('launch-failure: faults mid-run', rows));

type Handler = (payload: unknown) => Promise<unknown>;
const realHandler = async (name: 'grant-key-access' | 'verify-key-access'): Promise<Handler> =>
  ((await import(`../../../functions/${name}/handler`)) as { handler: Handler }).handler;

describe('launch-failure: faults mid-run end in a finding or a converged state', () => {
  beforeEach(async () => void (await world.build()), 30_000);

  const member = () => world.get().org.members[0]!;
  const manual = () => ({ account: member().account, region: HOME_REGION, autoScalingGroupName: member().autoScalingGroupName });
  const iam = () => new IAMClient(clientConfig(world.emulator(), member().account, HOME_REGION));

  it('the member role was deleted: finding member-role-unavailable, nothing changed', async () => {
    await iam().send(new DeleteRoleCommand({ RoleName: MEMBER_ROLE_NAME }));
    await world.emulator().clearCalls();

    const execution = await runWorkflow('launch-failure', launchFailureEvent(member().account, member().autoScalingGroupName));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ status: 'finding', cause: 'member-role-unavailable', account: member().account });
    expect((execution.output as { finding: string }).finding).toMatch(/Cannot assume arn:aws:iam::\d{12}:role\/amiwarden-member .*\(AccessDenied\)/);
    expect(mutatingCalls(await world.emulator().calls())).toEqual([]);
    expect(await grantsOn(world.get())).toEqual([]);
    rows.push({ fault: 'member role deleted', execution: execution.status, result: 'finding member-role-unavailable', 'mutating calls': 0 });
  }, 30_000);

  it('the member role no longer trusts amiwarden (trust changed to another account): finding, nothing changed', async () => {
    await iam().send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: MEMBER_ROLE_NAME,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    await world.emulator().clearCalls();

    const execution = await runWorkflow('launch-failure', manual());

    expect(execution.output).toMatchObject({ status: 'finding', cause: 'member-role-unavailable' });
    expect(mutatingCalls(await world.emulator().calls())).toEqual([]);
    rows.push({ fault: 'member role untrusted', execution: execution.status, result: 'finding member-role-unavailable', 'mutating calls': 0 });
  }, 30_000);

  it('the key is disabled between diagnosis and grant: finding key-not-usable, no grant; once enabled, a re-run converges', async () => {
    const w = world.get();
    const kms = new KMSClient(clientConfig(w.emulator, w.org.centralAccount, HOME_REGION));
    const keyArn = w.org.keyArns[HOME_REGION]!;
    const grant = await realHandler('grant-key-access');

    const execution = await runWorkflow('launch-failure', manual(), {
      handlers: {
        GrantKeyAccessLambdaFunction: async (payload) => {
          await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
          return grant(payload);
        },
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.path).toContain('Record refused grant');
    expect(execution.output).toMatchObject({ status: 'finding', cause: 'key-not-usable' });
    expect(await grantsOn(w)).toEqual([]);
    // CreateGrant was tried and refused by KMS (DisabledException): nothing but the test's DisableKey changed.
    const mutating = mutatingCalls(await w.emulator.calls());
    expect(mutating.filter((c) => c.status === 200).map((c) => c.action)).toEqual(['DisableKey']);
    expect(mutating.filter((c) => c.status !== 200).map((c) => c.action)).toEqual(['CreateGrant']);

    await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    const rerun = await runWorkflow('launch-failure', manual());

    expect(rerun.output).toMatchObject({ status: 'remediated', cause: 'missing-grant' });
    expect(await grantsOn(w, member().serviceLinkedRoleArn)).toHaveLength(1);
    rows.push({ fault: 'key disabled before the grant', execution: execution.status, result: 'finding key-not-usable; re-run after EnableKey: remediated', 'mutating calls': 0 });
  }, 30_000);

  it('a step that fails for good records the failure with the original event on the failure queue', async () => {
    const w = world.get();
    const event = launchFailureEvent(member().account, member().autoScalingGroupName, 'a-failing-event');
    await w.emulator.setFaults([{ service: 'autoscaling', action: 'DescribeAutoScalingGroups', error: 'ValidationError', count: 1 }]);

    const execution = await runWorkflow('launch-failure', event);

    expect(execution.status).toBe('FAILED');
    expect(execution.error?.name).toBe('LaunchFailureRemediationFailed');
    const records = await failureRecords(w);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ workflow: 'launch-failure', execution: execution.executionArn, error: { name: 'AwsCallError' } });
    const { error: _added, ...original } = records[0]!.input as Record<string, unknown>;
    expect(original).toEqual(event);
    expect(mutatingCalls(await w.emulator.calls())).toEqual([]);
    rows.push({ fault: 'Auto Scaling refuses a call', execution: execution.status, result: 'recorded on the failure queue with the original event', 'mutating calls': 0 });
  }, 30_000);
});

describe('launch-failure: the emulator restarts during a workflow', () => {
  it('the interrupted execution fails with a named error; after the restart a re-run converges to exactly one grant', async () => {
    let emulator = await startEmulator();
    try {
      let w = await buildWorld(emulator);
      const [member] = w.org.members;
      const input = { account: member!.account, region: HOME_REGION, autoScalingGroupName: member!.autoScalingGroupName };
      const verify = await realHandler('verify-key-access');
      const interrupted = emulator;

      // The grant is made, then AWS goes away before it is verified.
      const execution = await runWorkflow('launch-failure', input, {
        handlers: {
          VerifyKeyAccessLambdaFunction: async (payload) => {
            await interrupted.stop();
            return verify(payload);
          },
        },
      });

      expect(execution.status).toBe('FAILED');
      expect(execution.error?.name).toBe('LaunchFailureRemediationFailed');
      expect(execution.path).toEqual(expect.arrayContaining(['Grant key access in member account', 'Verify grant is visible', 'Record failure', 'Launch-failure remediation failed']));

      // A restarted moto keeps nothing: the world is rebuilt, and the same request is run again.
      emulator = await startEmulator();
      w = await buildWorld(emulator);
      const rerun = await runWorkflow('launch-failure', input);

      expect(rerun.output).toMatchObject({ status: 'remediated' });
      expect(await grantsOn(w, member!.serviceLinkedRoleArn)).toHaveLength(1);
      rows.push({ fault: 'emulator stopped before verification', execution: execution.status, result: `${execution.error?.name}; after restart re-run: remediated, 1 grant`, 'mutating calls': '-' });
    } finally {
      await emulator.stop();
    }
  }, 60_000);
});
