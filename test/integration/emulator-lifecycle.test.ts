/**
 * The emulator never outlives the process that started it, however that process ends: a test
 * run or CLI killed with SIGKILL, or sent SIGTERM while the emulator is still starting (before any
 * handler of ours is installed), runs no exit hook; moto then notices its parent is gone and exits.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../local/workflows';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** Starts the emulator in a child node process; resolves with both pids once it listens. */
function startInChild(): Promise<{ parent: ReturnType<typeof spawn>; emulatorPid: number }> {
  const script = `import('${path.join(ROOT, 'emulator/index.ts')}').then(async (m) => { const e = await (m.startEmulator ?? m.default.startEmulator)(); console.log('pid ' + e.pid); setInterval(() => {}, 1000); });`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /pid (\d+)/.exec(out);
      if (m) resolve({ parent, emulatorPid: Number(m[1]) });
    });
    parent.once('exit', (code) => reject(new Error(`the starting process exited (${code}) before the emulator listened: ${out}`)));
  });
}

describe('emulator lifecycle', () => {
  it('exits when the process that started it is killed with SIGKILL (no exit hook runs)', async () => {
    const { parent, emulatorPid } = await startInChild();
    expect(alive(emulatorPid)).toBe(true);

    parent.kill('SIGKILL');

    const gone = await waitFor(() => !alive(emulatorPid), 5000);
    if (!gone) process.kill(emulatorPid, 'SIGKILL');
    expect(gone).toBe(true);
  }, 30_000);
});
