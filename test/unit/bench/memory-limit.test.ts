/**
 * The memory the benchmark runs the report writer in (bench/memory-limit.ts): its function's
 * memorySize from serverless.yml, as a memory cgroup where this machine lets one be made. Where one
 * is made, Node sizes its heap from it and a process that passes it is killed; where none can be,
 * the command runs as given and the entry says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asFunction, functionEnvironment, functionMemoryMiB, functionTimeoutSeconds, memoryLimit, withAllocatorDefaults } from '../../../bench/memory-limit';
import { lambdaNode } from '../../../local/bundles';
import { ROOT } from '../../../local/workflows';

const heapLimitMiB = (command: string, args: string[]) =>
  Number(execFileSync(command, [...args], { encoding: 'utf8' }).trim()) / 2 ** 20;
const HEAP_LIMIT = ['-e', 'console.log(require("v8").getHeapStatistics().heap_size_limit)'];

describe('the report writer memory limit', () => {
  it('is the memorySize serverless.yml gives the function, and refuses a function it does not name', () => {
    expect(functionMemoryMiB('writeSweepReport')).toBeGreaterThanOrEqual(128);
    expect(() => functionMemoryMiB('noSuchFunction')).toThrow('serverless.yml has no function noSuchFunction');
  });

  it('reads a function’s timeout there too (the throughput model’s bound on a child): the member inspection’s, under its Task’s', () => {
    const asl = JSON.parse(readFileSync(path.join(__dirname, '../../../statemachines/compliance-sweep.asl.json'), 'utf8')) as {
      States: { 'Inspect member accounts': { ItemProcessor: { States: { 'Inspect member account': { TimeoutSeconds: number } } } } };
    };
    const task = asl.States['Inspect member accounts'].ItemProcessor.States['Inspect member account'].TimeoutSeconds;
    expect(functionTimeoutSeconds('inspectMemberAccount')).toBeGreaterThan(0);
    expect(functionTimeoutSeconds('inspectMemberAccount')).toBeLessThan(task);
    expect(() => functionTimeoutSeconds('noSuchFunction')).toThrow('serverless.yml has no function noSuchFunction');
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

/**
 * After a 5 MiB Buffer is freed, twenty 1 MiB Buffers are made and held: how much the C allocator's
 * main heap (`[heap]` in /proc/self/smaps) grew, in MiB.
 */
const MAIN_HEAP_GROWTH = `
  const { readFileSync } = require('node:fs');
  const { rssByMappingKiB } = require(${JSON.stringify(path.join(ROOT, 'bench/live-memory.cjs'))});
  const heap = () => rssByMappingKiB(readFileSync('/proc/self/smaps', 'utf8'))['[heap]'] ?? 0;
  let part = Buffer.allocUnsafeSlow(5 * 2 ** 20); part.fill(1); part = null; gc(); gc();
  const before = heap();
  const held = []; for (let i = 0; i < 20; i++) held.push(Buffer.allocUnsafeSlow(2 ** 20).fill(2));
  console.log((heap() - before) / 1024);
  held.length = 0;`;

describe('the report writer environment', () => {
  it('is its literal variables in serverless.yml: the allocator setting, and no variable naming a resource', () => {
    expect(functionEnvironment('writeSweepReport')).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' });
    // recordFailure's only variable is a !Ref, which has no value before the stack is made.
    expect(functionEnvironment('recordFailure')).toEqual({});
    expect(() => functionEnvironment('noSuchFunction')).toThrow('serverless.yml has no function noSuchFunction');
  });

  it('replaces the allocator settings of the environment it is run from, and keeps the rest', () => {
    const from = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1', AMIWARDEN_MODE: 'report' };
    expect(asFunction('writeSweepReport', from)).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072', AMIWARDEN_MODE: 'report' });
    expect(asFunction('repairGrants', from)).toEqual({ AMIWARDEN_MODE: 'report' });
    expect(withAllocatorDefaults(from)).toEqual({ AMIWARDEN_MODE: 'report' });
  });

  it('keeps large Buffers out of glibc`s heap on the runtime`s Node, where glibc otherwise takes them from it once a 5 MiB one is freed', () => {
    // glibc's behaviour, on Linux (smaps); musl and other platforms have their own allocators.
    const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
    if (!glibc || !existsSync('/proc/self/smaps')) return expect(process.platform === 'linux' && glibc && existsSync('/proc/self/smaps')).toBeFalsy();
    // A file, not -e: a script given with -e kept the 5 MiB Buffer alive past its collection.
    const dir = mkdtempSync(path.join(tmpdir(), 'amiwarden-heap-'));
    try {
      const program = path.join(dir, 'main-heap-growth.cjs');
      writeFileSync(program, MAIN_HEAP_GROWTH);
      const growth = (env: NodeJS.ProcessEnv) => Number(execFileSync(lambdaNode(), ['--expose-gc', program], { encoding: 'utf8', env }).trim());
      // glibc's dynamic mmap threshold: the freed 5 MiB raised it, and the 1 MiB Buffers came from its heap.
      expect(growth(withAllocatorDefaults(process.env))).toBeGreaterThanOrEqual(15);
      expect(growth(asFunction('writeSweepReport', { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }))).toBeLessThan(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
