/**
 * The memory a function is given, for the benchmark to run its bundle in: Lambda runs a function in
 * an environment of its `memorySize`, and Node sizes V8's heap (its young generation included) from
 * the memory it may use — a memory cgroup's limit where there is one. On a machine of many GiB, V8
 * keeps a far larger heap than it would in the function, and the peak RSS says more of the machine
 * than of the function. So the report writer runs in a Linux memory cgroup of its function's
 * memorySize where the machine lets the benchmark make one (cgroup v1's memory controller, or
 * cgroup v2 with it enabled, and the right to make a group), and it is killed, as in Lambda, if it
 * passes it; elsewhere it runs without a limit and the entry says so.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parseDocument, type Scalar } from 'yaml';
import { ROOT } from '../local/workflows';

/** serverless.yml as a YAML document (its `!Ref` and other tags kept as written), once it is known to name the function `key`. */
function serverlessDocument(key: string) {
  const doc = parseDocument(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
  if (!doc.hasIn(['functions', key])) throw new Error(`serverless.yml has no function ${key}`);
  return doc;
}

/** A numeric setting of a function in serverless.yml: its own, or the provider's. */
function functionNumber(key: string, setting: 'memorySize' | 'timeout'): number {
  const doc = serverlessDocument(key);
  const value = doc.getIn(['functions', key, setting]) ?? doc.getIn(['provider', setting]);
  if (typeof value !== 'number') throw new Error(`serverless.yml gives the function ${key} no ${setting}`);
  return value;
}

/** A function's memorySize in serverless.yml, MiB (the provider's when the function names none). */
export const functionMemoryMiB = (key: string): number => functionNumber(key, 'memorySize');

/** A function's `timeout` in serverless.yml, seconds (its own, or the provider's). */
export const functionTimeoutSeconds = (key: string): number => functionNumber(key, 'timeout');

/**
 * A function's own environment in serverless.yml, the variables of literal values only (one that
 * names a resource, `!Ref`, or a parameter, `${param:...}`, has no value before the stack is made):
 * what the benchmark runs its bundle with, as Lambda would, where it changes how the process runs
 * (the C allocator's settings).
 */
export function functionEnvironment(key: string): Record<string, string> {
  const environment = serverlessDocument(key).getIn(['functions', key, 'environment'], true);
  if (!isMap(environment)) return {};
  const literal = (value: unknown): value is Scalar => isScalar(value) && !value.tag && !String(value.value).includes('${');
  return Object.fromEntries(environment.items.flatMap((pair) => (isScalar(pair.key) && literal(pair.value) ? [[String(pair.key.value), String(pair.value.value)]] : [])));
}

/** The C allocator's settings a process takes from its environment (glibc). */
const ALLOCATOR_VARIABLES = ['GLIBC_TUNABLES'];

/** `env` without the allocator's settings: a process with glibc's defaults. */
export function withAllocatorDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !ALLOCATOR_VARIABLES.includes(name)));
}

/** `env` with a function's own environment in place of any allocator settings of its own, as Lambda gives the function its variables. */
export function asFunction(key: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...withAllocatorDefaults(env), ...functionEnvironment(key) };
}

export interface MemoryLimit {
  /** What the process runs under, as the entry reports it: "1024 MiB (cgroup v1)", or "none (why)". */
  describe: string;
  /** The command and arguments that run `command args` under the limit. */
  wrap(command: string, args: string[]): [string, string[]];
  /** Removes the group (once the processes run in it have ended). */
  remove(): void;
}

const V1 = '/sys/fs/cgroup/memory';
const V2 = '/sys/fs/cgroup';

function unlimited(why: string): MemoryLimit {
  return { describe: `none (${why})`, wrap: (command, args) => [command, args], remove: () => {} };
}

/** A memory cgroup of `mib` MiB named `name`, or no limit (and why) where one cannot be made. */
export function memoryLimit(name: string, mib: number): MemoryLimit {
  if (process.platform !== 'linux') return unlimited(`not Linux: ${process.platform}`);
  const bytes = String(mib * 1024 * 1024);
  let dir: string;
  let version: string;
  try {
    if (existsSync(path.join(V1, 'memory.limit_in_bytes'))) {
      dir = path.join(V1, name);
      version = 'cgroup v1';
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'memory.limit_in_bytes'), bytes);
    } else if (existsSync(path.join(V2, 'cgroup.subtree_control')) && readFileSync(path.join(V2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory')) {
      dir = path.join(V2, name);
      version = 'cgroup v2';
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'memory.max'), bytes);
      // Lambda has no swap: what passes the limit is killed, not swapped out.
      if (existsSync(path.join(dir, 'memory.swap.max'))) writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    } else {
      return unlimited('no memory cgroup controller here');
    }
  } catch (error) {
    return unlimited(`no memory cgroup could be made: ${(error as Error).message}`);
  }
  const procs = path.join(dir, 'cgroup.procs');
  return {
    describe: `${mib} MiB (${version})`,
    // The shell joins the group, then becomes the command: the command and all it starts are in it.
    wrap: (command, args) => ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, command, ...args]],
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // A group still holding a process cannot be removed; it is empty once the benchmark's processes end.
      }
    },
  };
}
