/**
 * statemachines/reencrypt-and-share.asl.json, run as deployed by aws-local-stepfunctions with the
 * real handlers; EC2, KMS, STS, Auto Scaling and IAM are real-shaped SDK mocks over a small,
 * stateful world (test/fixtures/images.ts shapes). Each test is a cold start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionReport } from '../../local/state-machine';
import { TEST_ENV, slrArn } from '../fixtures/aws';

const CENTRAL = '999999999999';
const REGION = 'us-east-1';
const CMK = `arn:aws:kms:${REGION}:${CENTRAL}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const AWS_EBS = `arn:aws:kms:${REGION}:${CENTRAL}:key/798bc4bb-3079-4a9a-bc27-2c7f2b6c91d0`;
const SOURCE = 'ami-008c67c239389d171';
const COPY = 'ami-0c0ffee0c0ffee000';
const MEMBERS = ['111111111111', '222222222222'];

Object.assign(process.env, TEST_ENV, { AMIWARDEN_SHARE_TARGETS: MEMBERS.join(',') });

interface Scenario {
  /** The source's snapshot key; undefined = unencrypted. */
  sourceKey?: string | undefined;
  /** States the source reports, one per DescribeImages of it (the last one repeats). */
  sourceStates?: string[];
  /** States the copy reports, one per DescribeImages of the copy (the last one repeats). */
  copyStates?: string[];
  copyExists?: boolean;
  sharedWith?: string[];
  /** CopyImage answers the region's snapshot-copy quota error this many times first. */
  copyLimitExceeded?: number;
  /** Accounts whose CreateGrant KMS refuses (AccessDeniedException). */
  refuseGrantsFor?: string[];
}

interface Run {
  report: ExecutionReport;
  output: Record<string, any>;
  calls: (command: string) => Record<string, any>[];
}

const meta = { httpStatusCode: 200, requestId: '57358631-41cc-11e9-b45e-03f58e2fc2f0', attempts: 1, totalRetryDelay: 0 };

async function run(scenario: Scenario, inputs: unknown[] = [{ imageId: SOURCE, region: REGION }]): Promise<Run & { reports: ExecutionReport[] }> {
  let result!: Run & { reports: ExecutionReport[] };
  await jest.isolateModulesAsync(async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const ec2m = await import('@aws-sdk/client-ec2');
    const kmsm = await import('@aws-sdk/client-kms');
    const stsm = await import('@aws-sdk/client-sts');
    const asgm = await import('@aws-sdk/client-auto-scaling');
    const iamm = await import('@aws-sdk/client-iam');
    const orgm = await import('@aws-sdk/client-organizations');
    const { runWorkflow } = await import('../../local/state-machine');
    const s = { sourceKey: AWS_EBS, sourceStates: ['available'], copyStates: ['available'], copyExists: false, sharedWith: [], ...scenario };
    let limitedCopies = s.copyLimitExceeded ?? 0;
    let copyCreated = new Date();

    const ec2 = mockClient(ec2m.EC2Client);
    const kms = mockClient(kmsm.KMSClient);
    const sts = mockClient(stsm.STSClient);
    const asg = mockClient(asgm.AutoScalingClient);
    const iam = mockClient(iamm.IAMClient);
    // Both members are active accounts of the organization (the share step checks it).
    const orgs = mockClient(orgm.OrganizationsClient);
    orgs.on(orgm.DescribeAccountCommand).callsFake((input: { AccountId: string }) => ({
      $metadata: { httpStatusCode: 200 },
      Account: { Id: input.AccountId, Arn: `arn:aws:organizations::${TEST_ENV.AMIWARDEN_CENTRAL_ACCOUNT_ID}:account/o-a1b2c3d4e5/${input.AccountId}`, Status: 'ACTIVE', State: 'ACTIVE', JoinedMethod: 'INVITED', Name: input.AccountId, Email: `${input.AccountId}@example.com` },
    }));
    let copyExists = s.copyExists;
    let copyPolls = 0;
    let sourcePolls = 0;
    const sourceTags: { Key: string; Value: string }[] = [];
    const permissions: Record<string, { UserId: string }[]> = { [SOURCE]: [], [COPY]: s.sharedWith.map((UserId) => ({ UserId })) };
    const grants: { GranteePrincipal: string; Name: string; Operations: string[] }[] = [];

    const image = (id: string) => {
      const isCopy = id === COPY;
      const state = isCopy ? s.copyStates[Math.min(copyPolls++, s.copyStates.length - 1)]! : s.sourceStates[Math.min(sourcePolls++, s.sourceStates.length - 1)]!;
      const encrypted = isCopy || s.sourceKey !== undefined;
      return {
        Architecture: 'x86_64',
        // A copy's CreationDate is when CopyImage started it (the copy check counts its wait from there).
        CreationDate: isCopy ? copyCreated.toISOString() : '2026-11-02T10:05:17.000Z',
        ImageId: id,
        ImageLocation: `${CENTRAL}/golden-2026-11-02`,
        ImageType: 'machine',
        Public: false,
        OwnerId: CENTRAL,
        State: state,
        ...(state === 'failed' ? { StateReason: { Code: 'Client.CopyImage', Message: 'Snapshot copy failed: the key is disabled' } } : {}),
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, SnapshotId: isCopy ? 'snap-0c0c0c0c0c0c0c0c0' : 'snap-0b80955e4f7052f72', VolumeSize: 8, VolumeType: 'gp3', Encrypted: encrypted } },
        ],
        Name: isCopy ? `golden-2026-11-02 [amiwarden ${SOURCE}]` : 'golden-2026-11-02',
        RootDeviceName: '/dev/xvda',
        RootDeviceType: 'ebs',
        VirtualizationType: 'hvm',
        Tags: isCopy ? [{ Key: 'amiwarden:source-image-id', Value: SOURCE }] : sourceTags,
        // What EC2 says a CopyImage copy was made from (the copy step trusts only this, never a tag).
        ...(isCopy ? { SourceImageId: SOURCE, SourceImageRegion: REGION } : {}),
      };
    };
    ec2.on(ec2m.DescribeImagesCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
      const f = input.Filters?.[0];
      if (f?.Name === 'image-id') return { $metadata: meta, Images: f.Values[0] === COPY && !copyExists ? [] : [image(f.Values[0]!)] };
      if (f?.Name === 'source-image-id') return { $metadata: meta, Images: copyExists && f.Values[0] === SOURCE ? [image(COPY)] : [] };
      return { $metadata: meta, Images: [] };
    });
    // GetImageAncestry as EC2 answers it: the copy, then its source (a root).
    ec2.on(ec2m.GetImageAncestryCommand).callsFake((input: { ImageId: string }) => ({
      $metadata: meta,
      ImageAncestryEntries: [
        ...(input.ImageId === COPY ? [{ ImageId: COPY, SourceImageId: SOURCE, SourceImageRegion: REGION, CreationDate: new Date('2026-11-02T11:00:00Z') }] : []),
        { ImageId: SOURCE, CreationDate: new Date('2026-11-02T10:05:17Z') },
      ],
    }));
    ec2.on(ec2m.DescribeSnapshotsCommand).callsFake((input: { SnapshotIds: string[] }) => ({
      $metadata: meta,
      Snapshots: input.SnapshotIds.map((id) => {
        const key = id === 'snap-0c0c0c0c0c0c0c0c0' ? CMK : s.sourceKey;
        return { SnapshotId: id, Encrypted: key !== undefined, ...(key ? { KmsKeyId: key } : {}), OwnerId: CENTRAL, Progress: '100%', State: 'completed', VolumeId: 'vol-ffffffff', VolumeSize: 8, StartTime: new Date('2026-11-02T10:05:17Z') };
      }),
    }));
    ec2.on(ec2m.CopyImageCommand).callsFake((input: { DryRun?: boolean }) => {
      if (input.DryRun) throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), { name: 'DryRunOperation', $metadata: { httpStatusCode: 412 } });
      if (limitedCopies > 0) {
        limitedCopies -= 1;
        throw Object.assign(new Error('Too many snapshot copies in progress. The limit is 20 for this destination region.'), { name: 'ResourceLimitExceeded', $fault: 'client', $metadata: { httpStatusCode: 400 } });
      }
      copyExists = true;
      copyCreated = new Date();
      return { $metadata: meta, ImageId: COPY };
    });
    ec2.on(ec2m.CreateTagsCommand).callsFake((input: { Tags: { Key: string; Value: string }[] }) => {
      sourceTags.push(...input.Tags);
      return { $metadata: meta };
    });
    ec2.on(ec2m.DescribeImageAttributeCommand).callsFake((input: { ImageId: string }) => ({ $metadata: meta, ImageId: input.ImageId, LaunchPermissions: permissions[input.ImageId] ?? [] }));
    ec2.on(ec2m.ModifyImageAttributeCommand).callsFake((input: { ImageId: string; LaunchPermission: { Add: { UserId: string }[] }; DryRun?: boolean }) => {
      if (input.DryRun) throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), { name: 'DryRunOperation', $metadata: { httpStatusCode: 412 } });
      permissions[input.ImageId]!.push(...input.LaunchPermission.Add);
      return { $metadata: meta };
    });
    kms.on(kmsm.DescribeKeyCommand).callsFake((input: { KeyId: string }) => ({
      $metadata: meta,
      KeyMetadata: {
        AWSAccountId: CENTRAL,
        KeyId: input.KeyId.split('/').pop(),
        Arn: input.KeyId,
        Enabled: true,
        Description: input.KeyId === AWS_EBS ? 'Default key that protects my EBS volumes when no other key is defined' : 'amiwarden organization key',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: input.KeyId === AWS_EBS ? 'AWS' : 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
        MultiRegion: false,
      },
    }));
    kms.on(kmsm.ListGrantsCommand).callsFake((input: { GranteePrincipal?: string }) => ({
      $metadata: meta,
      Truncated: false,
      Grants: grants.filter((g) => g.GranteePrincipal === input.GranteePrincipal).map((g, i) => ({ ...g, KeyId: CMK, GrantId: `${i}`.padStart(64, 'a') })),
    }));
    kms.on(kmsm.CreateGrantCommand).callsFake((input: { GranteePrincipal: string; Name: string; Operations: string[]; DryRun?: boolean }) => {
      if (s.refuseGrantsFor?.some((a) => input.GranteePrincipal.includes(`::${a}:`))) {
        throw Object.assign(new Error(`User: arn:aws:sts::111111111111:assumed-role/amiwarden-member/x is not authorized to perform: kms:CreateGrant on resource: ${CMK}`), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
      }
      // As KMS: a DryRun that would succeed answers DryRunOperationException and creates nothing.
      if (input.DryRun) throw new kmsm.DryRunOperationException({ message: 'The request would have succeeded, but the DryRun option is set.', $metadata: { httpStatusCode: 412 } });
      if (!grants.some((g) => g.Name === input.Name && g.GranteePrincipal === input.GranteePrincipal)) grants.push(input);
      return { $metadata: meta, GrantId: `${grants.length - 1}`.padStart(64, 'a') };
    });
    sts.on(stsm.AssumeRoleCommand).resolves({
      $metadata: meta,
      Credentials: { AccessKeyId: 'ASIAMEMBEREXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 900_000) },
    });
    asg.on(asgm.DescribeAutoScalingGroupsCommand).resolves({ $metadata: meta, AutoScalingGroups: [] });
    iam.on(iamm.GetRoleCommand).resolves({ $metadata: meta, Role: { RoleName: 'AWSServiceRoleForAutoScaling', Path: '/aws-service-role/autoscaling.amazonaws.com/', Arn: slrArn(), RoleId: 'AROAEXAMPLE', CreateDate: new Date() } });

    try {
      const reports: ExecutionReport[] = [];
      for (const input of inputs) reports.push(await runWorkflow('reencrypt-and-share', input));
      const all = [ec2, kms, sts, asg, iam, orgs].flatMap((m) => m.calls() as { args: unknown[] }[]);
      // `CreateGrant`: the calls that create a grant; `DryRun CreateGrant`: KMS's DryRun of it.
      const calls = (command: string) =>
        all
          .filter((c) => (c.args[0] as { constructor: { name: string } }).constructor.name === `${command.replace(/^DryRun /, '')}Command`)
          .map((c) => (c.args[0] as { input: Record<string, any> }).input)
          .filter((input) => !command.endsWith('CreateGrant') || (input.DryRun === true) === command.startsWith('DryRun '));
      const report = reports[reports.length - 1]!;
      result = { report, reports, output: (report.output ?? {}) as Record<string, any>, calls };
    } finally {
      [ec2, kms, sts, asg, iam, orgs].forEach((m) => m.restore());
    }
  });
  return result;
}

describe('reencrypt-and-share state machine', () => {
  it('copies an AMI on aws/ebs onto the organization key, shares the copy and grants both members (copy needed)', async () => {
    const { report, output, calls } = await run({});

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ workflow: 'reencrypt-and-share', status: 'reencrypted-and-shared', classification: 'aws-managed-key', sourceImageId: SOURCE, imageId: COPY });
    const copies = calls('CopyImage');
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ SourceImageId: SOURCE, SourceRegion: REGION, Encrypted: true, KmsKeyId: CMK, CopyImageTags: true, ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(copies[0]!.Name).toContain(SOURCE);
    // The source and its snapshot, linked to the copy (what the original-image role is scoped to).
    expect(calls('CreateTags')[0]).toEqual({ Resources: [SOURCE, 'snap-0b80955e4f7052f72'], Tags: [{ Key: 'amiwarden:copy-image-id', Value: COPY }] });
    expect(calls('ModifyImageAttribute')).toEqual([{ ImageId: COPY, Attribute: 'launchPermission', LaunchPermission: { Add: MEMBERS.map((UserId) => ({ UserId })) } }]);
    expect(calls('CreateGrant').map((g) => g.GranteePrincipal).sort()).toEqual(MEMBERS.map((m) => slrArn(m)));
    expect(output.grants.map((g: { outcome: string }) => g.outcome)).toEqual(['granted', 'granted']);
    expect(output.original).toMatchObject({ action: 'keep', outcome: 'kept' });
    expect(report.path).toEqual([
      'Take the request',
      'Inspect image',
      'What does the image need?',
      'Copy image with organization key',
      'Was a copy made?',
      'Check copy',
      'Is the copy available?',
      'Use the copy',
      'Share image with targets',
      'Was the image shared?',
      'Make image launchable in target accounts',
      'Grant key access to target account',
      'Grant key access to target account',
      'Were any target accounts asked?',
      'Look for target accounts that failed',
      'Did every target account get key access?',
      'Publish the launchable image',
      'Update launch templates in opted-in accounts',
      'Was a copy shared?',
      'Keep the original image',
      'Was this a dry run?',
      'Record result',
    ]);
  });

  it('shares an image already on the organization key without copying it (already compliant)', async () => {
    const { output, calls } = await run({ sourceKey: CMK });

    expect(output).toMatchObject({ status: 'shared', classification: 'compliant', imageId: SOURCE, copy: null });
    expect(calls('CopyImage')).toHaveLength(0);
    expect(calls('ModifyImageAttribute')[0]).toMatchObject({ ImageId: SOURCE });
  });

  it('waits with a Wait state while the copy is pending, then shares it (pending then available)', async () => {
    const { report, output, calls } = await run({ copyStates: ['pending', 'pending', 'available'] });

    expect(output).toMatchObject({ status: 'reencrypted-and-shared', imageId: COPY });
    expect(report.path.filter((s) => s === 'Wait for copy')).toHaveLength(2);
    expect(report.path.filter((s) => s === 'Check copy')).toHaveLength(3);
    expect(calls('CopyImage')).toHaveLength(1);
  });

  it('waits for a source that is still pending before looking at its keys (pending then available)', async () => {
    const { report, output, calls } = await run({ sourceKey: CMK, sourceStates: ['pending', 'available'] });

    expect(output).toMatchObject({ status: 'shared', classification: 'compliant' });
    expect(report.path.slice(0, 6)).toEqual(['Take the request', 'Inspect image', 'What does the image need?', 'Wait for image to be ready', 'Inspect image', 'What does the image need?']);
    expect(calls('DescribeSnapshots')).toHaveLength(1);
  });

  it('reports a copy that failed, and shares nothing (copy failed)', async () => {
    const { report, output, calls } = await run({ copyStates: ['pending', 'failed'] });

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'finding', copyState: 'failed', copyClassification: 'failed', finding: expect.stringContaining('Snapshot copy failed') });
    expect(calls('ModifyImageAttribute')).toHaveLength(0);
    expect(calls('CreateGrant')).toHaveLength(0);
  });

  it('waits out the region’s snapshot-copy quota (ResourceLimitExceeded) in the state machine, then copies', async () => {
    const { report, output, calls } = await run({ copyLimitExceeded: 2 });

    expect(report.status).toBe('SUCCEEDED');
    expect(output).toMatchObject({ status: 'reencrypted-and-shared' });
    expect(calls('CopyImage').filter((c) => !c.DryRun)).toHaveLength(3);
    expect(report.retries).toBe(2);
  });

  it('converges a duplicate event on the one copy: no second CopyImage, share or grant (duplicate event)', async () => {
    const event = { version: '0', id: 'e1', 'detail-type': 'EC2 AMI State Change', source: 'aws.ec2', account: CENTRAL, time: '2026-11-02T10:15:00Z', region: REGION, resources: [], detail: { ImageId: SOURCE, State: 'available' } };
    const { reports, calls } = await run({}, [event, { ...event, id: 'e2' }]);

    expect(reports.map((r) => (r.output as { imageId: string }).imageId)).toEqual([COPY, COPY]);
    expect(reports.map((r) => (r.output as { copy: { outcome: string } }).copy.outcome)).toEqual(['started', 'reused']);
    expect(calls('CopyImage')).toHaveLength(1);
    expect(calls('ModifyImageAttribute')).toHaveLength(1);
    expect(calls('CreateGrant')).toHaveLength(2);
  });

  it('shares with an OU only: no target account to grant now, and the execution succeeds past the empty Map (no account targets)', async () => {
    const ou = `arn:aws:organizations::${CENTRAL}:ou/${TEST_ENV.AMIWARDEN_ORGANIZATION_ID}/ou-ab12-cdef3456`;
    process.env.AMIWARDEN_SHARE_TARGETS = ou;
    try {
      const { report, output, calls } = await run({ sourceKey: CMK });

      expect(report.status).toBe('SUCCEEDED');
      expect(output).toMatchObject({ status: 'shared', grants: [], sharing: { accounts: [], deferredTargets: [ou] } });
      expect(report.path).toEqual(expect.arrayContaining(['Were any target accounts asked?', 'Was a copy shared?']));
      expect(report.path).not.toContain('Look for target accounts that failed');
      expect(calls('CreateGrant')).toHaveLength(0);
    } finally {
      process.env.AMIWARDEN_SHARE_TARGETS = MEMBERS.join(',');
    }
  });

  it('fails as partially failed when KMS refuses a target account’s grant, after sharing with every target (grant refused)', async () => {
    const { report, calls } = await run({ refuseGrantsFor: [MEMBERS[1]!] });

    expect(report.status).toBe('FAILED');
    expect(report.error?.name).toBe('ReencryptAndSharePartiallyFailed');
    expect(report.path).toEqual(expect.arrayContaining(['Look for target accounts that failed', 'Did every target account get key access?', 'Name the target accounts that failed', 'Record failure', 'Did only target accounts fail?', 'Re-encrypt and share partially failed']));
    expect(report.path).not.toContain('Apply original image policy');
    expect(calls('ModifyImageAttribute')).toEqual([{ ImageId: COPY, Attribute: 'launchPermission', LaunchPermission: { Add: MEMBERS.map((UserId) => ({ UserId })) } }]);
    expect(calls('CreateGrant').map((g) => g.GranteePrincipal).sort()).toEqual(MEMBERS.map((m) => slrArn(m)));
  });

  it('plans with EC2 DryRun and changes nothing (dry run)', async () => {
    const { output, calls } = await run({}, [{ imageId: SOURCE, region: REGION, dryRun: true }]);

    expect(output).toMatchObject({
      status: 'planned',
      classification: 'aws-managed-key',
      copy: { outcome: 'planned', kmsKeyId: CMK, permitted: true },
      sharing: { outcome: 'planned', added: MEMBERS.map((UserId) => ({ UserId })) },
      grants: [expect.objectContaining({ outcome: 'planned' }), expect.objectContaining({ outcome: 'planned' })],
    });
    expect((output.grants as { grants: { planned: boolean; permitted: boolean }[] }[]).flatMap((g) => g.grants)).toEqual(
      expect.arrayContaining([expect.objectContaining({ planned: true, permitted: true })]),
    );
    expect(calls('DryRun CreateGrant').length).toBeGreaterThan(0);
    expect(calls('CopyImage')).toEqual([expect.objectContaining({ DryRun: true })]);
    expect(calls('CreateTags')).toHaveLength(0);
    expect(calls('ModifyImageAttribute')).toHaveLength(0);
    expect(calls('CreateGrant')).toHaveLength(0);
  });
});

describe('reencrypt-and-share state machine contract', () => {
  const definition = JSON.parse(readFileSync(path.join(__dirname, '../../statemachines/reencrypt-and-share.asl.json'), 'utf8'));
  const states = Object.entries(definition.States as Record<string, Record<string, unknown>>);

  it('gives every top-level Task and the Map a Catch into the one failure path', () => {
    for (const [name, state] of states.filter(([, s]) => s.Type === 'Task' || s.Type === 'Map')) {
      if (name === 'Record failure') continue;
      const catchers = state.Catch as { ErrorEquals: string[]; Next: string }[];
      expect({ name, next: catchers.find((c) => c.ErrorEquals.includes('States.ALL'))?.Next }).toEqual({ name, next: 'Record failure' });
    }
  });

  it('waits with Wait states, never in a Lambda, and fans out with bounded concurrency', () => {
    expect(states.filter(([, s]) => s.Type === 'Wait').map(([n]) => n)).toEqual(['Wait for image to be ready', 'Wait for copy']);
    const map = definition.States['Make image launchable in target accounts'];
    expect(map.MaxConcurrency).toBeGreaterThan(0);
    expect(map.MaxConcurrency).toBeLessThanOrEqual(20);
  });
});
