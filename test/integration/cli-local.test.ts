/**
 * The CLI's `--local` for real: `runCli` in this process with the real local runner, which starts
 * the emulator, builds the sandbox, plants an AMI on aws/ebs and an unencrypted one, creates the
 * report bucket, runs the compliance sweep's ASL with the real handlers and stops the emulator.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { localRunner } from '../../cli/local';
import { runCli } from '../../cli/main';
import { memoryOutput } from '../../cli/output';

/** Each test keeps its local records and reports in a folder of its own. */
const localEnv = () => ({ ...process.env, AMIWARDEN_LOCAL_DIR: mkdtempSync(path.join(tmpdir(), 'amiwarden-local-')) });

beforeEach(() => {
  // Each run starts its own emulator: handlers must be loaded anew, with its endpoint.
  jest.resetModules();
});

describe('amiwarden sweep --local', () => {
  it('reports the planted problems and the groups without the grant, in one JSON object, with the report read back and kept for `report --local`', async () => {
    const io = memoryOutput();
    const env = localEnv();

    const code = await runCli(['sweep', '--local', '--json', '--report', 'json'], { io, env, local: localRunner, onInterrupt: () => () => undefined });

    // stdout: the one JSON object; the notes and the progress went to stderr.
    expect(io.stdout).toHaveLength(1);
    expect(io.stderr.some((l) => /emulator stopped/.test(l))).toBe(true);
    const out = JSON.parse(io.stdout[0]!);
    // A report-mode sweep that found something: it needs a person.
    expect(code).toBe(3);
    expect(out.exitCode).toBe(3);
    expect(out).toMatchObject({ command: 'sweep', workflow: 'compliance-sweep', local: true, status: 'SUCCEEDED', input: { mode: 'report', accounts: ['111111111111', '222222222222'] } });
    expect(out.output.summary).toEqual({
      findings: 8,
      byFinding: { 'ami-aws-managed-key': 1, 'ami-unencrypted': 1, 'missing-grant': 2, 'default-ebs-key-aws-managed': 4 },
      bySeverity: { high: 3, medium: 1, low: 4 },
      accounts: 2,
      regions: 2,
    });
    expect(out.output.remediationsStarted).toBe(0);
    expect(out.children).toEqual([]);

    const planted = out.sandbox.planted as { imageId: string; encryption: string }[];
    expect(planted.map((p) => p.encryption)).toEqual(['aws/ebs', 'unencrypted']);
    // The report read back from the emulator's bucket before it stopped: the planted images are the ami- findings.
    expect(out.report).toMatchObject({ format: 'json', location: out.output.reports.json });
    const findings = out.report.content.findings as { resource: string; finding: string }[];
    expect(findings.filter((f) => f.finding === 'ami-aws-managed-key').map((f) => f.resource)).toEqual([planted[0]!.imageId]);
    expect(findings.filter((f) => f.finding === 'ami-unencrypted').map((f) => f.resource)).toEqual([planted[1]!.imageId]);
    expect(out.states.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['Plan sweep', 'Write sweep report', 'Record sweep']));

    // The emulator is gone; the reports are in the local folder.
    expect(existsSync(out.savedReports.csv)).toBe(true);
    const later = memoryOutput();
    expect(await runCli(['report', '--local', '--json'], { io: later, env })).toBe(0);
    expect(JSON.parse(later.stdout[0]!)).toEqual(out.report.content);
  }, 120_000);

  it('runs the remediations too with --mode enforce, and prints them', async () => {
    const io = memoryOutput();

    const code = await runCli(['sweep', '--local', '--mode', 'enforce'], { io, env: localEnv(), local: localRunner, onInterrupt: () => () => undefined });

    const text = io.text();
    // The four remediations ran; the members' default EBS keys (no remediation) need a person.
    expect(code).toBe(3);
    expect(text).toMatch(/remediations\s+4 started/);
    expect(text).toContain('Remediations (4, run to completion in this process)');
    expect(text).toMatch(/launch-failure\s+111111111111 us-east-1 web\s+SUCCEEDED/);
    expect(text).toMatch(/launch-failure\s+222222222222 us-east-1 batch\s+SUCCEEDED/);
    expect(text.match(/reencrypt-and-share\s+ami-\w+ us-east-1\s+SUCCEEDED\s+\S+\s+reencrypted-and-shared → ami-\w+/g)).toHaveLength(2);
    // The remediations run in parallel: the re-encryption of the aws/ebs AMI grants every target's
    // Auto Scaling role too, so the launch-failure child may find web's grant made already.
    expect(text).toMatch(/\[111111111111 us-east-1\]\s+2 finding\(s\)\n\s+\+ autoScalingGroup\/web: missing-grant \(high\): launch-failure SUCCEEDED \((remediated|no-action)\)/);
    expect(io.stdout[io.stdout.length - 1]).toBe('Result: 4 remediated; 4 need a person.');
    // The children's states are shown live on stderr, each line labelled with its target.
    const progress = io.stderr.filter((l) => /^\+\s*\d/.test(l));
    expect(progress.length).toBeGreaterThan(50);
    for (const line of progress) expect(line).toMatch(/^\+\s*[\d.ms]+\s+\[(sweep|central [a-z0-9-]+|\d{12} [a-z0-9-]+( \S+)?|ami-\w+ [a-z0-9-]+)\]\s+[→✓✗↻] /);
    expect(progress.some((l) => /\[ami-\w+ us-east-1\]\s+→ Copy image with organization key/.test(l))).toBe(true);
    expect(progress.some((l) => /\[111111111111 us-east-1 web\]\s+✓ Grant key access in member account\s+[\d.]+s$/.test(l))).toBe(true);
    expect(io.stderr.join('\n')).toMatch(/emulator stopped \(pid \d+\)/);
    expect(io.stdout.some((l) => /^\+\s*\d/.test(l))).toBe(false);
  }, 180_000);
});

describe('amiwarden remediate-asg --local', () => {
  it('--json --verbose: the handlers\' logs go to stderr, and stdout stays the one JSON object', async () => {
    const io = memoryOutput();
    const written: string[] = [];
    const logged: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (logged.push(String(chunk)), true));
    const env = { ...process.env };
    delete process.env.POWERTOOLS_LOG_LEVEL; // as a user runs it: the tests silence the handlers
    let code: number;
    try {
      code = await runCli(['remediate-asg', '--local', '--json', '--verbose'], { io, env: localEnv(), local: localRunner, onInterrupt: () => () => undefined });
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.env = env;
    }

    expect(code).toBe(0);
    expect(written).toEqual([]);
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ command: 'remediate-asg', status: 'SUCCEEDED' });
    expect(logged.some((line) => JSON.parse(line).message === 'Launch failure diagnosed')).toBe(true);
  }, 120_000);
});
