/**
 * The hostile-input corpus's checks can fail: deliberately broken code that each row must catch.
 *
 * 1. The "no mutating call" oracle. Each row is sent again with every Lambda it reaches broken the
 *    same way: before doing its real work (and refusing exactly as the real code does), it makes
 *    one change in AWS. The row's response is still what it expects, so only the oracle can see
 *    the difference, and it must: the change is among the mutating calls. The changes go round the
 *    verbs a prefix test used to miss (S3 PutObject over sweeps/latest.json, DeleteObject, KMS
 *    UpdateAlias / TagResource / CancelKeyDeletion, IAM UpdateAssumeRolePolicy, Auto Scaling
 *    UpdateAutoScalingGroup / SetDesiredCapacity) and the usual ones (EC2 CreateTags).
 * 2. The guards of rows whose refusal depends on the world, not on the input's shape: with the
 *    guard removed, the row must fail. An account outside the organization whose member role
 *    trusts amiwarden is refused only by amiwarden's own organization check.
 */
import { AutoScalingClient, SetDesiredCapacityCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { CancelKeyDeletionCommand, KMSClient, TagResourceCommand, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../../../emulator/accounts';
import type { HostileInput, HostileWorld } from '../../fixtures/hostile-inputs';
import { HOSTILE_INPUTS, useHostileWorld, type Mutant } from './hostile-harness';
import { mutatingCalls, REPORT_BUCKET } from './support';

const { world, hostile, send, expectResponse } = useHostileWorld();

/** One change in AWS, as `service:Action` in the call log, and how broken code makes it. */
interface Change {
  call: string;
  make: (w: HostileWorld) => Promise<unknown>;
}

const config = (account: string) => ({ ...clientConfig(world.emulator(), account, hostile().region), maxAttempts: 1 });
const quietly = (promise: Promise<unknown>) => promise.catch(() => undefined);

const CHANGES: Change[] = [
  { call: 's3:PutObject', make: (w) => new S3Client({ ...config(w.centralAccount), forcePathStyle: true }).send(new PutObjectCommand({ Bucket: REPORT_BUCKET, Key: 'sweeps/latest.json', Body: '{"overwritten":true}' })) },
  { call: 's3:DeleteObject', make: (w) => new S3Client({ ...config(w.centralAccount), forcePathStyle: true }).send(new DeleteObjectCommand({ Bucket: REPORT_BUCKET, Key: `sweeps/${w.runId}/report.json` })) },
  { call: 'kms:UpdateAlias', make: (w) => new KMSClient(config(w.centralAccount)).send(new UpdateAliasCommand({ AliasName: 'alias/amiwarden', TargetKeyId: w.keyArn })) },
  { call: 'kms:TagResource', make: (w) => new KMSClient(config(w.centralAccount)).send(new TagResourceCommand({ KeyId: w.keyArn, Tags: [{ TagKey: 'mutant', TagValue: 'yes' }] })) },
  // Fails (the key is not pending deletion): the oracle counts an attempted change too.
  { call: 'kms:CancelKeyDeletion', make: (w) => quietly(new KMSClient(config(w.centralAccount)).send(new CancelKeyDeletionCommand({ KeyId: w.keyArn }))) },
  {
    call: 'iam:UpdateAssumeRolePolicy',
    make: async (w) => {
      const iam = new IAMClient(config(w.member));
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'amiwarden-member' }));
      // The same trust again: a real write that leaves the world as it was for the next rows.
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'amiwarden-member', PolicyDocument: decodeURIComponent(Role!.AssumeRolePolicyDocument!) }));
    },
  },
  { call: 'autoscaling:UpdateAutoScalingGroup', make: (w) => new AutoScalingClient(config(w.member)).send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: w.autoScalingGroupName, MaxSize: 3 })) },
  { call: 'autoscaling:SetDesiredCapacity', make: (w) => quietly(new AutoScalingClient(config(w.member)).send(new SetDesiredCapacityCommand({ AutoScalingGroupName: w.autoScalingGroupName, DesiredCapacity: 0 }))) },
  { call: 'ec2:CreateTags', make: (w) => new EC2Client(config(w.centralAccount)).send(new CreateTagsCommand({ Resources: [w.goldenImageId], Tags: [{ Key: 'mutant', Value: 'yes' }] })) },
];

/** Broken code: the first Lambda the row reaches makes `change` before its real work. */
function changingFirst(change: Change): Mutant {
  let made = false;
  return {
    wrap: (real) => async (payload) => {
      if (!made) {
        made = true;
        await change.make(hostile());
      }
      return real(payload);
    },
  };
}

// A row that Step Functions itself refuses (an execution input over 256 KiB) runs no code of
// amiwarden's that a mutant could change: hostile-guards.test.ts names those rows and shows each
// fails with the runner's quota (test/conformance/local-step-functions.test.ts) raised. The guard
// of every other row is removed there too.
const settled = HOSTILE_INPUTS.filter((h) => !('stepFunctions' in h.expected));
const label = (h: HostileInput) => `${h.target}: ${h.name}`;

describe('the no-mutating-call oracle catches a change that a row’s code makes before it refuses', () => {
  it('goes round every change on the list', () => {
    expect(settled.length).toBeGreaterThan(CHANGES.length * 5);
  });

  it.each(settled.map((h, i) => [`${label(h)} (${CHANGES[i % CHANGES.length]!.call})`, h, CHANGES[i % CHANGES.length]!] as const))('%s', async (_label, entry, change) => {
    const result = await send(entry, changingFirst(change));

    // Refused as the real code refuses: the response check alone passes…
    expectResponse(entry, result);
    // …and the oracle sees the change.
    expect(mutatingCalls(await world.emulator().calls()).map((c) => `${c.service}:${c.action}`)).toContain(change.call);
  }, 20_000);
});

describe('with its guard removed, a row whose refusal depends on the world fails', () => {
  const outsiderRows = settled.filter((h) => /outside the organization/.test(h.name) && 'outcome' in h.expected);

  it('the rows that send an account outside the organization are the launch-failure, diagnose and grant ones', () => {
    expect(outsiderRows.map(label).sort()).toEqual([
      'diagnose-launch-failure: manual account outside the organization',
      'grant-key-access: an account outside the organization, with its own role',
      'launch-failure: manual account outside the organization',
    ]);
  });

  it.each(outsiderRows.map((h) => [label(h), h] as const))('without the organization check, %s fails', async (_label, entry) => {
    // A cold start (no session left from an earlier row), with the guard removed: Organizations is
    // taken to say every account is a member.
    jest.resetModules();
    const { OrganizationsAdapter } = await import('../../../adapters/organizations');
    const spy = jest.spyOn(OrganizationsAdapter.prototype, 'isActiveMember').mockResolvedValue(true);
    try {
      const result = await send(entry);
      const mutations = mutatingCalls(await world.emulator().calls());

      // The outsider's role is assumed and read: the row's expectation or its oracle fails.
      expect(spy).toHaveBeenCalledWith(hostile().outsider);
      expect({ result, mutations: mutations.length > 0 }).not.toEqual({ result: { outcome: (entry.expected as { outcome: string }).outcome }, mutations: false });
    } finally {
      spy.mockRestore();
    }
  }, 20_000);
});
