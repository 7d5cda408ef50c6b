/** `npm start --silent -- --json`, run as a user runs it: stdout is one JSON object, the state read back from the emulator; the story is on stderr. */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const REQUIRED = ['CreateGrant', 'Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo'];

describe('the sandbox (npm start --silent -- --json)', () => {
  it('tells the whole story and reports, from the emulator, every AMI on the CMK and shared, one grant per member, a sweep that converges, and a replay that changed nothing', () => {
    const run = spawnSync('npm', ['start', '--silent', '--', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, NO_COLOR: '1' },
    });

    expect(run.status).toBe(0);
    // The story, the tables and the checks are on stderr; stdout is the JSON alone (`| jq .` works).
    expect(run.stderr).toContain('Diagnose launch failure');
    expect(run.stderr).toMatch(/emulator stopped/);
    expect(run.stderr).toMatch(/✔ no execution failed/);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ ok: true, centralAccount: '999999999999', memberAccounts: ['111111111111', '222222222222'] });
    expect(Object.keys(summary.keyArns)).toEqual(['us-east-1', 'eu-west-1']);
    expect(summary.organizationId).toMatch(/^o-[a-z0-9]{10,32}$/);
    expect(Object.keys(summary.organizationalUnits)).toEqual(['workloads']);
    // One per member group's role, and the EKS node group's: the default role of the member whose groups use a custom suffix.
    expect(summary.grants).toHaveLength(3);
    for (const grant of summary.grants) {
      expect(grant.keyArn).toBe(summary.keyArns['us-east-1']);
      expect([...grant.operations].sort()).toEqual(REQUIRED);
      expect(grant.granteePrincipal).toContain(`arn:aws:iam::${grant.account}:role/aws-service-role/autoscaling.amazonaws.com/`);
    }
    expect(summary.grants.map((g: { account: string; granteePrincipal: string }) => `${g.account}:${g.granteePrincipal.split('/').pop()}`).sort()).toEqual([
      '111111111111:AWSServiceRoleForAutoScaling',
      '222222222222:AWSServiceRoleForAutoScaling',
      '222222222222:AWSServiceRoleForAutoScaling_apps',
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
    // The web family's pointer moved from the golden image to the re-encrypted copy; members read it through RAM.
    expect(summary.pointer.before).toBe(summary.images.find((i: { sourceKeyManager: string }) => i.sourceKeyManager === 'CUSTOMER').sourceImageId);
    expect(summary.pointer.after).toBe(summary.images.find((i: { sourceKeyManager: string }) => i.sourceKeyManager === 'AWS').remediatedImageId);
    expect(summary.pointer.memberReads).toEqual([summary.pointer.after, summary.pointer.after]);
    // The sweep's findings went to Security Hub; those enforce fixed are RESOLVED.
    expect(summary.securityHub.findings).toBeGreaterThan(0);
    expect(summary.securityHub.resolved).toBeGreaterThan(0);
    expect(summary.replay).toEqual({ newImages: 0, newGrants: 0, failedExecutions: 0, mutatingCalls: 0 });
    // Grant health: the re-created role's dead grant, reported with its evidence and replaced (kept: policy keep); a new account granted from its stack event.
    expect(summary.grantHealth.deadGrantFinding).toMatchObject({ finding: 'grant-dead', detail: expect.stringMatching(/for AROA[A-Z0-9]+, created by arn:aws:iam::111111111111:root/) });
    expect(summary.grantHealth).toMatchObject({ replacedBy: ['amiwarden:111111111111:AWSServiceRoleForAutoScaling'], deadGrantKept: true, newAccount: '444444444444' });
    // A launch path beyond Auto Scaling, end to end: the Spot Fleet's own role got its grant; the replay changed nothing.
    expect(summary.spotFleet).toMatchObject({ account: '222222222222', role: 'arn:aws:iam::222222222222:role/aws-service-role/spotfleet.amazonaws.com/AWSServiceRoleForEC2SpotFleet', grants: ['amiwarden:222222222222:AWSServiceRoleForEC2SpotFleet'], replay: 'no-action' });
    expect(summary.grantHealth.newAccountGrants).toEqual({ 'us-east-1': ['amiwarden:444444444444:AWSServiceRoleForAutoScaling'], 'eu-west-1': ['amiwarden:444444444444:AWSServiceRoleForAutoScaling'] });
  }, 180_000);

  it('without moto: one line that says what to install, no Python traceback, exit 1 (and one JSON object with --json)', () => {
    // A python3 that cannot see its site-packages, where moto is installed.
    const bin = mkdtempSync(path.join(tmpdir(), 'no-moto-'));
    const real = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\nexec ${real} -S "$@"\n`);
    chmodSync(path.join(bin, 'python3'), 0o755);
    const env = { ...process.env, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}` };

    const sandbox = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'sandbox/main.ts', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
    expect(sandbox.status).toBe(1);
    expect(sandbox.stderr).toMatch(/^amiwarden sandbox: cannot start the emulator: moto_server \(moto\[server\]\) is not installed; install it with: pip install 'moto\[server\]==5\.2\.1'/m);
    expect(sandbox.stderr).not.toMatch(/Traceback|ModuleNotFoundError/);
    expect(JSON.parse(sandbox.stdout)).toMatchObject({ ok: false });

    const cli = spawnSync(process.execPath, [path.join(ROOT, 'bin/amiwarden.js'), 'remediate-asg', '--local'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim().split('\n').filter((l) => l.startsWith('amiwarden:'))).toEqual([
      "amiwarden: cannot start the emulator: moto_server (moto[server]) is not installed; install it with: pip install 'moto[server]==5.2.1' (needs python3 on PATH)",
    ]);
    expect(cli.stderr).not.toMatch(/Traceback|ModuleNotFoundError/);
    expect(cli.stdout).toBe('');
  }, 120_000);

  it('Ctrl-C: says what it stopped, still one JSON object with --json, exit 130, no emulator left', async () => {
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches tsx and the Node process it runs.
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'sandbox/main.ts', '--json'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    const started = new Promise<void>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += String(d);
        if (/Building the organization/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await started;
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/amiwarden sandbox: interrupted: stopped the story and the emulator \(pid \d+\)/);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toEqual({ ok: false, interrupted: true, error: 'interrupted: stopped the story and the emulator' });
    const pid = Number(/listening on \S+, pid (\d+)/.exec(stderr)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const gone = () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    const deadline = Date.now() + 10_000;
    while (!gone() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gone()).toBe(true);
  }, 120_000);
});
