/** `npm start -- --json`, run as a user runs it: its last line is the state read back from the emulator. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const REQUIRED = ['CreateGrant', 'Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo'];

describe('the sandbox (npm start -- --json)', () => {
  it('tells the whole story and reports, from the emulator, every AMI on the CMK and shared, one grant per member, a sweep that converges, and a replay that changed nothing', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'sandbox/main.ts', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1' },
    });

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Diagnose launch failure');
    expect(run.stdout).toMatch(/emulator stopped/);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ ok: true, centralAccount: '999999999999', memberAccounts: ['111111111111', '222222222222'] });
    expect(Object.keys(summary.keyArns)).toEqual(['us-east-1', 'eu-west-1']);
    expect(summary.organizationId).toMatch(/^o-[a-z0-9]{10,32}$/);
    expect(Object.keys(summary.organizationalUnits)).toEqual(['workloads']);
    expect(summary.grants).toHaveLength(2);
    for (const grant of summary.grants) {
      expect(grant.keyArn).toBe(summary.keyArns['us-east-1']);
      expect([...grant.operations].sort()).toEqual(REQUIRED);
      expect(grant.granteePrincipal).toContain(`arn:aws:iam::${grant.account}:role/aws-service-role/autoscaling.amazonaws.com/`);
    }
    expect(summary.grants.map((g: { granteePrincipal: string }) => g.granteePrincipal.split('/').pop()).sort()).toEqual([
      'AWSServiceRoleForAutoScaling',
      'AWSServiceRoleForAutoScaling_apps',
    ]);
    const key = summary.keyArns['us-east-1'];
    expect(summary.images.map((i: { sourceKeyManager: string }) => i.sourceKeyManager).sort()).toEqual(['AWS', 'CUSTOMER', 'NONE', 'NONE']);
    for (const image of summary.images) {
      expect(image.snapshotKmsKeyIds).toEqual([key]);
      expect(image.launchPermissions).toEqual(['111111111111', '222222222222']);
      expect(image.remediatedImageId === null).toBe(image.sourceKeyManager === 'CUSTOMER');
    }
    expect(summary.executions.length).toBeGreaterThanOrEqual(14);
    expect(summary.executions.every((e: { status: string }) => e.status === 'SUCCEEDED')).toBe(true);
    expect(summary.executions.map((e: { workflow: string }) => e.workflow)).toEqual(expect.arrayContaining(['launch-failure', 'reencrypt-and-share', 'compliance-sweep']));
    expect(summary.sweep.findingsBefore).toBeGreaterThan(summary.sweep.findingsAfter);
    expect(Object.keys(summary.sweep.byFindingAfter).filter((f) => f !== 'default-ebs-key-aws-managed')).toEqual([]);
    expect(summary.replay).toEqual({ newImages: 0, newGrants: 0, failedExecutions: 0, mutatingCalls: 0 });
  }, 150_000);
});
