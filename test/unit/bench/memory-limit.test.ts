/**
 * The memory the benchmark runs the report writer in (bench/memory-limit.ts): its function's
 * memorySize from serverless.yml, as a memory cgroup where this machine lets one be made. Where one
 * is made, Node sizes its heap from it and a process that passes it is killed; where none can be,
 * the command runs as given and the entry says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { functionMemoryMiB, memoryLimit } from '../../../bench/memory-limit';

const heapLimitMiB = (command: string, args: string[]) =>
  Number(execFileSync(command, [...args], { encoding: 'utf8' }).trim()) / 2 ** 20;
const HEAP_LIMIT = ['-e', 'console.log(require("v8").getHeapStatistics().heap_size_limit)'];

describe('the report writer memory limit', () => {
  it('is the memorySize serverless.yml gives the function, and refuses a function it does not name', () => {
    expect(functionMemoryMiB('writeSweepReport')).toBeGreaterThanOrEqual(128);
    expect(() => functionMemoryMiB('noSuchFunction')).toThrow('serverless.yml has no function noSuchFunction');
  });

  it('runs a command inside a cgroup of that memory, which sizes the heap from it and kills what passes it; or says why not', () => {
    const limit = memoryLimit(`amiwarden-test-${process.pid}`, 512);
    try {
      if (limit.describe.startsWith('none (')) {
        // No cgroup here: the command is run as given.
        expect(limit.wrap(process.execPath, ['-v'])).toEqual([process.execPath, ['-v']]);
        return;
      }
      expect(limit.describe).toMatch(/^512 MiB \(cgroup v[12]\)$/);
      const unlimited = heapLimitMiB(process.execPath, HEAP_LIMIT);
      const limited = heapLimitMiB(...limit.wrap(process.execPath, HEAP_LIMIT));
      expect(limited).toBeLessThan(512);
      expect(limited).toBeLessThan(unlimited);
      // 800 MiB of Buffers, touched, in 512 MiB: killed.
      const [command, args] = limit.wrap(process.execPath, ['-e', 'const a = []; for (let i = 0; i < 80; i++) a.push(Buffer.alloc(10 * 2 ** 20, 1)); console.log("fitted")']);
      const over = spawnSync(command, args, { encoding: 'utf8' });
      expect({ signal: over.signal, stdout: over.stdout }).toEqual({ signal: 'SIGKILL', stdout: '' });
    } finally {
      limit.remove();
    }
    expect([`/sys/fs/cgroup/memory/amiwarden-test-${process.pid}`, `/sys/fs/cgroup/amiwarden-test-${process.pid}`].filter(existsSync)).toEqual([]);
  });
});
