/**
 * The CLI in a real terminal (tmux): `amiwarden sweep --local --mode enforce`, as a person runs it.
 * Every progress line names its target, and the final screen has the result per target and the
 * closing count line. The tmux server is private to this test (its own socket) and is ended by it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const socket = `amiwarden-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

afterAll(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
});

describe('amiwarden sweep --local --mode enforce in a terminal', () => {
  it('labels every progress line with its target and ends with the result and the count line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amiwarden-tty-'));
    const conf = path.join(dir, 'tmux.conf');
    writeFileSync(conf, 'set -g history-limit 50000\n');
    const done = path.join(dir, 'exit-code');
    const command = `cd ${ROOT} && node bin/amiwarden.js sweep --local --mode enforce --local-dir ${dir}/local; echo $? > ${done}; sleep 600`;
    tmux('-f', conf, 'new-session', '-d', '-x', '240', '-y', '60', '-s', 'cli', command);

    const deadline = Date.now() + 150_000;
    let exitCode: string | undefined;
    while (Date.now() < deadline && exitCode === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      try {
        exitCode = execFileSync('cat', [done], { encoding: 'utf8' }).trim();
      } catch {
        // still running
      }
    }
    const screen = tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'cli').replace(/\s+$/, '');
    const visible = tmux('capture-pane', '-p', '-J', '-t', 'cli');

    expect(exitCode).toBe('3');
    const lines = screen.split('\n');
    const progress = lines.filter((l) => /^\+\s*[\d.ms]+\s/.test(l));
    expect(progress.length).toBeGreaterThan(50);
    const unlabelled = progress.filter((l) => !/^\+\s*[\d.ms]+\s+\[(sweep|central [a-z0-9-]+|\d{12} [a-z0-9-]+( [\w-]+)?|ami-[0-9a-f]+ [a-z0-9-]+)\]\s+[→✓✗↻] \S/.test(l));
    expect(unlabelled).toEqual([]);
    // Finished states show as finished, with their time.
    expect(progress.filter((l) => /✓ .+\s\d+\.\d+s$/.test(l)).length).toBeGreaterThan(20);
    expect(progress.some((l) => /\[222222222222 us-east-1 batch\]\s+✓ Grant key access in member account\s+\d+\.\d+s$/.test(l))).toBe(true);
    // The final screen: the result per target, the remediations with their ids, the count line.
    expect(visible).toMatch(/What it did:/);
    expect(visible).toMatch(/\[999999999999 us-east-1\]\s+2 finding\(s\)/);
    expect(visible).toMatch(/launch-failure\s+111111111111 us-east-1 web\s+SUCCEEDED/);
    expect(visible).toMatch(/arn:aws:states:us-east-1:000000000000:execution:amiwarden-reencrypt-and-share:local-/);
    expect(visible).toMatch(/^Result: 4 remediated; 4 need a person\.$/m);
  }, 180_000);
});
