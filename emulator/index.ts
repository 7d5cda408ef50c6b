/**
 * Starts the project's emulator (moto 5.2.1 + amiwarden's patches, emulator/server.py) on a free
 * loopback port and controls it: reset, fault injection, call log, stop.
 * Node built-ins only, so tests, the sandbox and benchmarks can all use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** `dryRun`: the request had DryRun set (it changes nothing, whatever its answer). */
export interface ApiCall { service: string; action: string; account: string; region: string; status: number; dryRun?: true }
export interface FaultRule { service: string; action?: string; account?: string; error: string; count?: number; rate?: number; seed?: number; status?: number; message?: string }
/** Grants an AWS service would add to a key (EBS: one per attached volume), fed in one call. */
/** A node group's health issues, as EKS reports them (API_Issue). */
export interface NodegroupHealthFeed {
  account: string;
  region: string;
  clusterName: string;
  nodegroupName: string;
  issues: { code: string; message: string; resourceIds?: string[] }[];
}

export interface GrantFeed { account: string; region: string; keyId: string; count: number; granteePrincipal: string; operations?: string[]; retiringPrincipal?: string; issuingAccount?: string; name?: string }
export interface Emulator {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  reset(): Promise<void>;
  setFaults(rules: FaultRule[]): Promise<void>;
  clearFaults(): Promise<void>;
  calls(): Promise<ApiCall[]>;
  clearCalls(): Promise<void>;
  /** Adds grants to a key at once (POST /amiwarden/kms/grants); resolves to how many the key holds. */
  feedGrants(feed: GrantFeed): Promise<number>;
  /** Sets an EKS node group's health issues (DescribeNodegroup `health.issues`), which moto never reports. */
  feedNodegroupHealth(feed: NodegroupHealthFeed): Promise<number>;
  stop(): Promise<void>;
}

export class EmulatorUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorUnavailableError';
  }
}

const SERVER_SCRIPT = join(__dirname, 'server.py');
const START_TIMEOUT_MS = 20_000;
const KILL_GRACE_MS = 3_000;
const INSTALL_HINT = "install it with: pip install 'moto[server]==5.2.1' (needs python3 on PATH)";

/** A port the OS just handed out: bind port 0 on loopback, read it, release it. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function startEmulator(options: { log?: (line: string) => void } = {}): Promise<Emulator> {
  if (!existsSync(SERVER_SCRIPT)) throw new EmulatorUnavailableError(`emulator script missing: ${SERVER_SCRIPT}`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', [SERVER_SCRIPT, '-H', '127.0.0.1', '-p', String(port)], {
    // AMIWARDEN_EMULATOR_PARENT_PID: the server exits when this process is gone, even if no exit hook of ours ran.
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', AMIWARDEN_EMULATOR_PARENT_PID: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Keep the stderr tail for a useful start-up error; forward lines to the caller's log.
  let stderrTail = '';
  let spawnError: Error | undefined;
  const forward = (chunk: Buffer, keep: boolean) => {
    const text = chunk.toString();
    if (keep) stderrTail = (stderrTail + text).slice(-4000);
    if (options.log) for (const line of text.split('\n')) if (line.trim()) options.log(line);
  };
  child.stdout?.on('data', (chunk: Buffer) => forward(chunk, false));
  child.stderr?.on('data', (chunk: Buffer) => forward(chunk, true));
  child.once('error', (error) => (spawnError = error));

  // A crashed or interrupted test run must never leave the server behind.
  const killOnExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (exited(child) || child.pid === undefined) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => !exited(child) && child.kill('SIGKILL'), KILL_GRACE_MS);
      await gone;
      clearTimeout(timer);
    })();
    return stopped;
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError || exited(child)) {
      await stop();
      const missingPython = (spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      const missingMoto = /No module named ['"]?(moto|flask|werkzeug)/.test(stderrTail);
      const reason = missingPython ? 'python3 was not found' : missingMoto ? 'moto_server (moto[server]) is not installed' : 'the emulator exited during start-up';
      throw new EmulatorUnavailableError(`${reason}; ${INSTALL_HINT}\n${stderrTail}`, { cause: spawnError });
    }
    try {
      const response = await fetch(`${endpoint}/amiwarden/calls`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EmulatorUnavailableError(`emulator did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms; ${INSTALL_HINT}\n${stderrTail}`);
    }
    await sleep(100);
  }

  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${endpoint}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path}: HTTP ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  return {
    endpoint,
    port,
    pid: child.pid as number,
    reset: async () => void (await call('POST', '/moto-api/reset')),
    setFaults: async (rules) => void (await call('POST', '/amiwarden/faults', { rules })),
    clearFaults: async () => void (await call('DELETE', '/amiwarden/faults')),
    calls: async () => ((await call('GET', '/amiwarden/calls')) as { calls: ApiCall[] }).calls,
    clearCalls: async () => void (await call('DELETE', '/amiwarden/calls')),
    feedGrants: async (feed) => ((await call('POST', '/amiwarden/kms/grants', feed)) as { grants: number }).grants,
    feedNodegroupHealth: async (feed) => ((await call('POST', '/amiwarden/eks/nodegroup-health', feed)) as { issues: number }).issues,
    stop,
  };
}
