/**
 * The CLI's `--local` for real: `runCli` in this process with the real local runner, which starts
 * the emulator, builds the sandbox, plants an AMI on aws/ebs and an unencrypted one, creates the
 * report bucket, runs the compliance sweep's ASL with the real handlers and stops the emulator.
 */
import { localRunner } from '../../cli/local';
import { runCli } from '../../cli/main';
import { memoryOutput } from '../../cli/output';

beforeEach(() => {
  // Each run starts its own emulator: handlers must be loaded anew, with its endpoint.
  jest.resetModules();
});

describe('amiwarden sweep --local', () => {
  it('reports the planted problems and the groups without the grant, in one JSON object, with the report read back', async () => {
    const io = memoryOutput();

    const code = await runCli(['sweep', '--local', '--json', '--report', 'json'], { io, local: localRunner, onInterrupt: () => () => undefined });

    expect(io.stderr).toEqual([]);
    expect(io.stdout).toHaveLength(1);
    const out = JSON.parse(io.stdout[0]!);
    expect(code).toBe(0);
    expect(out).toMatchObject({ command: 'sweep', workflow: 'compliance-sweep', local: true, status: 'SUCCEEDED', input: { mode: 'report', accounts: ['111111111111', '222222222222'] } });
    expect(out.output.summary).toEqual({
      findings: 8,
      byFinding: { 'ami-aws-managed-key': 1, 'ami-unencrypted': 1, 'asg-missing-grant': 2, 'default-ebs-key-aws-managed': 4 },
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
  }, 120_000);

  it('runs the remediations too with --mode enforce, and prints them', async () => {
    const io = memoryOutput();

    const code = await runCli(['sweep', '--local', '--mode', 'enforce'], { io, local: localRunner, onInterrupt: () => () => undefined });

    const text = io.text();
    expect(code).toBe(0);
    expect(text).toMatch(/remediations\s+4 started/);
    expect(text).toContain('Remediations (4, run to completion in this process)');
    expect(text).toMatch(/launch-failure\s+111111111111\/web\s+SUCCEEDED/);
    expect(text).toMatch(/launch-failure\s+222222222222\/batch\s+SUCCEEDED/);
    expect(text.match(/reencrypt-and-share\s+ami-\w+\s+SUCCEEDED\s+\S+\s+reencrypted-and-shared → ami-\w+/g)).toHaveLength(2);
    // The children's states are shown live, marked as theirs.
    expect(text).toMatch(/↳\s+→ Copy image with organization key/);
    expect(text).toMatch(/emulator stopped \(pid \d+\)/);
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
      code = await runCli(['remediate-asg', '--local', '--json', '--verbose'], { io, local: localRunner, onInterrupt: () => () => undefined });
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
