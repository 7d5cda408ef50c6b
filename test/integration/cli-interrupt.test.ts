/**
 * Ctrl-C during `amiwarden sweep --local --json`, in a real process: it says on stderr what it
 * stopped, stdout is still one JSON object, it exits 130, and the emulator does not outlive it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('Ctrl-C', () => {
  it('sweep --local --json: one JSON object, what stopped on stderr, exit 130, no emulator left', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amiwarden-int-'));
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/amiwarden.js'), 'sweep', '--local', '--mode', 'enforce', '--json', '--local-dir', dir], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    const progressed = new Promise<void>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += String(d);
        if (/\[sweep\]\s+→ Plan sweep/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await progressed;
    child.kill('SIGINT');
    const code = await exited;

    expect(code).toBe(130);
    const out = stdout.trim().split('\n');
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: false, command: 'sweep', local: true, status: 'INTERRUPTED', error: { exitCode: 130 } });
    expect(stderr).toContain('amiwarden: interrupted: stopped the local compliance-sweep run [sweep] and the emulator; nothing runs on');
    const pid = Number(/emulator listening on \S+ \(pid (\d+)\)/.exec(stderr)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(pid)).toBe(false);
  }, 120_000);
});
