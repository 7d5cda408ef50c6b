import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve(__dirname, '../../../bin/amiwarden.js');

describe('bin/amiwarden.js', () => {
  it('runs the TypeScript CLI from any directory and prints the help', () => {
    const out = execFileSync(process.execPath, [BIN, '--help'], { cwd: os.tmpdir(), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(out).toContain('usage: amiwarden <command>');
    expect(out).toContain('remediate-asg');
  });

  it('exits 2 on a bad argument, with the message on stderr', () => {
    const run = spawnSync(process.execPath, [BIN, 'remediate-asg', '--account', 'x', '--region', 'us-east-1', '--asg', 'web'], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^amiwarden: invalid --account/);
    expect(run.stdout).toBe('');
  });
});
