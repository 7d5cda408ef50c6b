/**
 * Faults in the middle of the re-encrypt-and-share workflow and of the compliance sweep: a copy
 * that ends `failed`, a target account whose member role is gone, a member role missing during a
 * sweep, AWS (the emulator) restarting mid-sweep. Each ends in a named outcome or finding, or a
 * recorded failure that a re-run converges from — never a half-done share left unreported.
 *
 * The emulator cannot make a CopyImage end `failed` (its copies are available at once, and it has
 * no endpoint to change an image's state), so the failed copy is simulated: a handler wrapper runs
 * the real "Check copy" inspection and reports the copy as EC2 does for a failed one (state
 * `failed`, classification `failed`, status `finding`). Everything else runs for real.
 */
import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../../../emulator/accounts';
import { startEmulator } from '../../../emulator/index';
import { applyEnvironment } from '../../../local/environment';
import { HOME_REGION, MEMBER_ROLE_NAME } from '../../../local/organization';
import { runWorkflow } from '../../../local/state-machine';
import { buildWorld, copiesOf, failureRecords, imageEvent, REPORT_BUCKET, grantsOn, launchPermissionsOf, mutatingCalls, report, useWorld, type World } from './support';

const world = useWorld();
const rows: Record<string, string | number>[] = [];
afterAll(() => report('re-encrypt-and-share and sweep: faults mid-run', rows));

type Handler = (payload: unknown) => Promise<unknown>;
const realHandler = async (name: string): Promise<Handler> => ((await import(`../../../functions/${name}/handler`)) as { handler: Handler }).handler;

const deleteMemberRole = (w: World, account: string) => new IAMClient(clientConfig(w.emulator, account, HOME_REGION)).send(new DeleteRoleCommand({ RoleName: MEMBER_ROLE_NAME }));
const centralEc2 = (w: World) => new EC2Client(clientConfig(w.emulator, w.org.centralAccount, HOME_REGION));
const tagsOf = async (w: World, imageId: string) =>
  Object.fromEntries(((await centralEc2(w).send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!.Tags ?? []).map((t) => [t.Key, t.Value]));
const snapshotsOf = async (w: World, imageId: string) =>
  (await centralEc2(w).send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0]!.BlockDeviceMappings!.map((m) => m.Ebs!.SnapshotId!);
const existingSnapshots = async (w: World, ids: string[]) =>
  ((await centralEc2(w).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots ?? []).map((s) => s.SnapshotId!).filter((id) => ids.includes(id));
const sweepRequest = (w: World) => ({ mode: 'report', accounts: w.org.members.map((m) => m.account) });
type SweepOutput = { summary: { byFinding: Record<string, number> } };

describe('re-encrypt and share: faults mid-run', () => {
  beforeEach(async () => void (await world.build()), 30_000);

  it('a copy that ends failed: finding, nothing shared or granted; a re-run converges on one copy', async () => {
    const w = world.get();
    const inspect = await realHandler('inspect-image');
    const input = { imageId: w.awsManagedImageId, region: HOME_REGION };

    const execution = await runWorkflow('reencrypt-and-share', input, {
      handlers: {
        // Simulated (see the file comment): "Check copy" sees the copy as EC2 reports a failed one.
        InspectImageLambdaFunction: async (payload) => {
          const inspection = (await inspect(payload)) as Record<string, unknown>;
          if ((payload as { event?: { trigger?: string } }).event?.trigger !== 'copy') return inspection;
          return { ...inspection, state: 'failed', classification: 'failed', status: 'finding', needsCopy: false, finding: `The image ${String(inspection.imageId)} is failed: Client.InternalError: copy failed` };
        },
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.path).toContain('Record failed copy');
    expect(execution.path).not.toContain('Share image with targets');
    expect(execution.output).toMatchObject({ status: 'finding', classification: 'aws-managed-key', copyState: 'failed', copyClassification: 'failed', copy: { outcome: 'started' } });
    const changed = mutatingCalls(await w.emulator.calls()).filter((c) => c.status === 200).map((c) => c.action);
    expect(changed.sort()).toEqual(['CopyImage', 'CreateTags']);
    const [copy] = await copiesOf(w, w.awsManagedImageId);
    expect(await launchPermissionsOf(w, copy!)).toEqual([]);
    expect(await grantsOn(w)).toEqual([]);

    await w.emulator.clearCalls();
    const rerun = await runWorkflow('reencrypt-and-share', input);

    expect(rerun.output).toMatchObject({ status: 'reencrypted-and-shared', copy: { outcome: 'reused' }, imageId: copy });
    expect(await copiesOf(w, w.awsManagedImageId)).toEqual([copy]);
    expect(mutatingCalls(await w.emulator.calls()).filter((c) => c.action === 'CopyImage')).toEqual([]);
    rows.push({ fault: 'copy ends failed (simulated)', execution: execution.status, result: 'finding (Record failed copy), not shared, 0 grants; re-run: copy reused, shared, granted', 'mutating calls': changed.join(', ') });
  }, 60_000);

  it('the member role of one target account is missing: the copy is shared with both, the other target is granted, and the execution fails as partially failed with the failure recorded', async () => {
    const w = world.get();
    const [present, missing] = w.org.members;
    await deleteMemberRole(w, missing!.account);
    await w.emulator.clearCalls();
    const input = { imageId: w.awsManagedImageId, region: HOME_REGION };

    const execution = await runWorkflow('reencrypt-and-share', input);

    expect(execution.status).toBe('FAILED');
    expect(execution.error?.name).toBe('ReencryptAndSharePartiallyFailed');
    const [copy] = await copiesOf(w, w.awsManagedImageId);
    expect(await launchPermissionsOf(w, copy!)).toEqual(w.org.members.map((m) => m.account).sort());
    expect(await grantsOn(w, present!.serviceLinkedRoleArn)).toHaveLength(1);
    expect(await grantsOn(w, missing!.serviceLinkedRoleArn)).toEqual([]);
    const records = await failureRecords(w);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ workflow: 'reencrypt-and-share', execution: execution.executionArn, input, error: { name: 'TargetAccountsFailed' } });
    expect((records[0]!.error as { accounts?: unknown }).accounts).toEqual([
      { account: missing!.account, outcome: 'member-role-unavailable', finding: expect.stringMatching(/Cannot assume arn:aws:iam::\d{12}:role\/amiwarden-member/) },
    ]);
    rows.push({ fault: 'member role missing in one target account', execution: `${execution.status} (${execution.error?.name})`, result: 'shared with both; one granted; the other recorded on the failure queue', 'mutating calls': mutatingCalls(await w.emulator.calls()).filter((c) => c.status === 200).length });
  }, 60_000);

  it.each([
    ['KMS throttles every CreateGrant', 'failed'],
    ['the key is disabled before the grants', 'key-not-usable'],
  ])('%s: the execution fails as partially failed, every target recorded with the original event; a re-run once it clears converges', async (fault, outcome) => {
    const w = world.get();
    const kms = new KMSClient(clientConfig(w.emulator, w.org.centralAccount, HOME_REGION));
    const keyArn = w.org.keyArns[HOME_REGION]!;
    const event = imageEvent(w.org.centralAccount, w.awsManagedImageId, 'available', `failing-targets-${outcome}`);
    const grantTarget = await realHandler('grant-target-access');
    if (outcome === 'failed') await w.emulator.setFaults([{ service: 'kms', action: 'CreateGrant', error: 'ThrottlingException' }]);

    const execution = await runWorkflow('reencrypt-and-share', event, {
      handlers: {
        GrantTargetAccessLambdaFunction: async (payload) => {
          if (outcome === 'key-not-usable') await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
          return grantTarget(payload);
        },
      },
    });
    await w.emulator.clearFaults();

    expect({ status: execution.status, error: execution.error?.name }).toEqual({ status: 'FAILED', error: 'ReencryptAndSharePartiallyFailed' });
    expect(await grantsOn(w)).toEqual([]);
    const records = await failureRecords(w);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ workflow: 'reencrypt-and-share', input: event, error: { name: 'TargetAccountsFailed' } });
    const accounts = (records[0]!.error as { accounts?: { account: string; outcome: string }[] }).accounts ?? [];
    expect(accounts.map((a) => [a.account, a.outcome])).toEqual(w.org.members.map((m) => [m.account, outcome]));

    if (outcome === 'key-not-usable') await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    const rerun = await runWorkflow('reencrypt-and-share', event);
    expect(rerun.status).toBe('SUCCEEDED');
    for (const member of w.org.members) expect(await grantsOn(w, member.serviceLinkedRoleArn)).toHaveLength(1);
    rows.push({ fault, execution: `${execution.status} (${execution.error?.name})`, result: `every target ${outcome}, recorded with the event; re-run: granted`, 'mutating calls': '-' });
  }, 90_000);
});

describe('re-encrypt and share: a retry finishes what an earlier attempt left half done', () => {
  beforeEach(async () => void (await world.build()), 30_000);

  it('tagging the source fails after CopyImage succeeded: the retry reuses the copy and links the source to it', async () => {
    const w = world.get();
    // Every SDK attempt of the first CreateTags fails (3 attempts): the step fails after its copy was made.
    await w.emulator.setFaults([{ service: 'ec2', action: 'CreateTags', error: 'RequestLimitExceeded', count: 3 }]);

    const execution = await runWorkflow('reencrypt-and-share', { imageId: w.awsManagedImageId, region: HOME_REGION });

    expect(execution.status).toBe('SUCCEEDED');
    const output = execution.output as { imageId: string; copy: { outcome: string } };
    expect(output.copy.outcome).toBe('reused');
    expect(execution.retries).toBeGreaterThanOrEqual(1);
    expect(await copiesOf(w, w.awsManagedImageId)).toEqual([output.imageId]);
    expect(await tagsOf(w, w.awsManagedImageId)).toMatchObject({ 'amiwarden:copy-image-id': output.imageId });
    rows.push({ fault: 'CreateTags on the source fails after CopyImage', execution: execution.status, result: 'retry reuses the copy and tags the source', 'mutating calls': '-' });
  }, 60_000);

  it('deleting the original’s snapshots fails after it was deregistered: the retry deletes them', async () => {
    const w = world.get();
    const snapshots = await snapshotsOf(w, w.awsManagedImageId);
    applyEnvironment({ AMIWARDEN_ORIGINAL_IMAGE_POLICY: 'deregister', AMIWARDEN_DELETE_SNAPSHOTS: 'true' });
    await w.emulator.setFaults([{ service: 'ec2', action: 'DeleteSnapshot', error: 'RequestLimitExceeded', count: 3 }]);

    let execution;
    try {
      execution = await runWorkflow('reencrypt-and-share', { imageId: w.awsManagedImageId, region: HOME_REGION });
    } finally {
      delete process.env.AMIWARDEN_ORIGINAL_IMAGE_POLICY;
      delete process.env.AMIWARDEN_DELETE_SNAPSHOTS;
    }

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ original: { outcome: 'deregistered', deletedSnapshots: snapshots } });
    expect(await existingSnapshots(w, snapshots)).toEqual([]);
    rows.push({ fault: 'DeleteSnapshot fails after DeregisterImage', execution: execution.status, result: 'retry deletes the snapshots left', 'mutating calls': '-' });
  }, 60_000);
});

describe('the failure path keeps the original input, however large or deep', () => {
  beforeEach(async () => void (await world.build()), 30_000);

  const DEPTH = 10_000;
  /** `[[[…]]]`, DEPTH levels: JSON.parse takes it, a recursive JSON.stringify does not. */
  const nested = () => JSON.parse(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`) as unknown;
  const depthOf = (value: unknown) => {
    let depth = 0;
    for (let v = value; Array.isArray(v); v = v[0]) depth += 1;
    return depth;
  };
  /** The object the failure record names, read back as the operator would (JSON.parse, no recursion limit). */
  const keptObject = async (w: World, ref: { bucket: string; key: string }) => {
    const s3 = new S3Client({ ...clientConfig(w.emulator, w.org.centralAccount, HOME_REGION), forcePathStyle: true });
    const out = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return JSON.parse(await out.Body!.transformToString()) as { workflow: string; input: Record<string, unknown> };
  };

  const expectKept = async (w: World, original: Record<string, unknown>) => {
    const records = await failureRecords(w);
    expect(records).toHaveLength(1);
    const record = records[0] as unknown as { input: unknown; inputObject?: { bucket: string; key: string; bytes: number }; error: { name: string } };
    expect(record.error.name).toBe('InvalidInputError');
    expect(record.input).toBeNull();
    expect(record.inputObject).toEqual({ bucket: REPORT_BUCKET, key: expect.stringMatching(/^failures\/reencrypt-and-share\//), bytes: expect.any(Number) });
    const kept = await keptObject(w, record.inputObject!);
    expect(kept.workflow).toBe('reencrypt-and-share');
    const { deep, ...rest } = kept.input;
    const { deep: originalDeep, ...originalRest } = original;
    expect(rest).toEqual(originalRest);
    expect(depthOf(deep)).toBe(depthOf(originalDeep));
    return record.inputObject!.bytes;
  };

  it('an input over 250,000 bytes: the execution’s failure is queued naming an S3 object that holds the original', async () => {
    const w = world.get();
    // Over what SQS takes (250,000 bytes of record), under Step Functions' 256 KiB input quota (an
    // input over it never starts: the local runner refuses it with States.DataLimitExceeded).
    const original = { imageId: 'ami-0123456789abcdef0', region: HOME_REGION, note: 'x'.repeat(255_000) };

    const execution = await runWorkflow('reencrypt-and-share', original);

    expect(execution.error?.name).toBe('ReencryptAndShareFailed');
    const bytes = await expectKept(w, original);
    rows.push({ fault: 'workflow input over 250,000 bytes', execution: execution.status, result: `queued; original kept in S3 (${bytes} bytes)`, 'mutating calls': 'PutObject (failures/)' });
  }, 60_000);

  // The local runner does not finish a workflow whose input is nested this deep (aws-local-stepfunctions
  // works through it recursively), so record-failure gets the step's payload directly, as from Step Functions.
  it('an input nested 10,000 levels deep: record-failure queues the failure naming an S3 object that holds the original', async () => {
    const w = world.get();
    const original = { imageId: 'ami-0123456789abcdef0', region: HOME_REGION, deep: nested() };
    const { handler } = (await import('../../../functions/record-failure/handler')) as { handler: (p: unknown) => Promise<{ recorded: boolean; queued: boolean }> };

    const result = await handler({
      workflow: 'reencrypt-and-share',
      input: original,
      error: { Error: 'InvalidInputError', Cause: 'Invalid input deep: unknown field' },
      execution: 'arn:aws:states:us-east-1:999999999999:execution:amiwarden-reencrypt-and-share-dev:deep-1',
    });

    expect(result).toEqual({ recorded: true, queued: true });
    const bytes = await expectKept(w, original);
    rows.push({ fault: 'step input nested 10,000 levels', execution: '-', result: `queued; original kept in S3 (${bytes} bytes)`, 'mutating calls': 'PutObject (failures/)' });
  }, 60_000);
});

describe('compliance sweep: faults mid-run', () => {
  it('a member role is missing: a member-role-unavailable finding for that account, not a failed sweep', async () => {
    const w = await world.build();
    const [, missing] = w.org.members;
    await deleteMemberRole(w, missing!.account);
    await w.emulator.clearCalls();

    const execution = await runWorkflow('compliance-sweep', sweepRequest(w));

    expect(execution.status).toBe('SUCCEEDED');
    // One finding per region swept; the other member is still inspected (its missing grant found).
    expect((execution.output as SweepOutput).summary.byFinding).toMatchObject({ 'member-role-unavailable': 2, 'missing-grant': 1, 'ami-aws-managed-key': 1 });
    expect(mutatingCalls(await w.emulator.calls()).filter((c) => c.service !== 's3')).toEqual([]);
    rows.push({ fault: 'sweep: member role missing', execution: execution.status, result: 'finding member-role-unavailable (×2 regions)', 'mutating calls': 'S3 report writes only' });
  }, 60_000);

  it('a member inspection that left no inventory (a tolerated Map failure, a timeout): a member-inspection-failed row, not a silent gap', async () => {
    const w = await world.build();
    const [, lost] = w.org.members;
    const inspectMember = await realHandler('inspect-member-account');
    // The Map tolerates some failed items; the item of one account and region ends without its inventory.
    const execution = await runWorkflow('compliance-sweep', sweepRequest(w), {
      handlers: {
        InspectMemberAccountLambdaFunction: async (payload) => {
          // One batch of targets (ItemBatcher): the lost target is dropped from it, the others inspected for real.
          const batch = payload as { BatchInput: unknown; Items: { account: string; region: string }[] };
          const items = batch.Items.filter((t) => !(t.account === lost!.account && t.region === HOME_REGION));
          if (items.length === 0) return { targets: 0, byStatus: {}, findings: 0 };
          return inspectMember({ ...batch, Items: items });
        },
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    const byFinding = (execution.output as SweepOutput).summary.byFinding;
    expect(byFinding['member-inspection-failed']).toBe(1);
    rows.push({ fault: 'sweep: one member inspection left no inventory', execution: execution.status, result: 'finding member-inspection-failed for that account and region', 'mutating calls': '-' });
  }, 60_000);

  it('the emulator restarts mid-sweep: the execution fails with a named error; after the restart a re-run converges', async () => {
    let emulator = await startEmulator();
    try {
      let w = await buildWorld(emulator);
      const inspectMember = await realHandler('inspect-member-account');
      const interrupted = emulator;

      // The central inventory is written, then AWS goes away while member accounts are inspected.
      const execution = await runWorkflow('compliance-sweep', sweepRequest(w), {
        handlers: {
          InspectMemberAccountLambdaFunction: async (payload) => {
            await interrupted.stop();
            return inspectMember(payload);
          },
        },
      });

      expect(execution.status).toBe('FAILED');
      expect(execution.error?.name).toBe('ComplianceSweepFailed');
      expect(execution.path).toEqual(expect.arrayContaining(['Inspect member accounts', 'Record failure', 'Compliance sweep failed']));
      expect(execution.path).not.toContain('Write sweep report');

      // A restarted moto keeps nothing: the world is rebuilt, and the same request is run again.
      emulator = await startEmulator();
      w = await buildWorld(emulator);
      const rerun = await runWorkflow('compliance-sweep', sweepRequest(w));

      expect(rerun.status).toBe('SUCCEEDED');
      expect((rerun.output as SweepOutput).summary.byFinding).toEqual({ 'ami-aws-managed-key': 1, 'missing-grant': 2, 'default-ebs-key-aws-managed': 4 });
      expect(await failureRecords(w)).toEqual([]);
      rows.push({ fault: 'sweep: emulator stopped while members are inspected', execution: execution.status, result: `${execution.error?.name}; after restart re-run: SUCCEEDED, same findings as a calm sweep`, 'mutating calls': '-' });
    } finally {
      await emulator.stop();
    }
  }, 90_000);
});
