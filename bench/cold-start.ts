/**
 * Cold start of every deployed function: each handler bundled as serverless-esbuild bundles it
 * (the same bundling/esbuild.config.js), then the time to load the bundle in a fresh Node process,
 * on the Node.js of the deployed runtime, as a ratio to a bare `node -e 0`. Beside each, the same
 * handler bundled as a serverless-esbuild setup with no esbuild configuration bundles it (the
 * peer). Runs are interleaved (bare, f1, f1's peer, f2, …, bare, f1, …) so that machine noise hits
 * all alike; medians are compared.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import bundling from '../bundling/esbuild.config';
import { bundleFunctions, DEFAULT_SERVERLESS_ESBUILD, lambdaNode } from '../local/bundles';
import { ROOT } from '../local/workflows';

export interface ColdStart {
  function: string;
  bundleBytes: number;
  ratio: number;
  importMs: number;
  /** The same handler bundled as a default serverless-esbuild setup bundles it. */
  peerBundleBytes: number;
  peerRatio: number;
  /** ratio / peerRatio: below 1 is ahead of the default setup. */
  overPeer: number;
  /** With `parts`: where the load goes beyond a bare Node, in the same unit as the ratio. */
  parts?: ColdStartParts;
}

/**
 * A load in three steps, each timed in its own process and interleaved with the rest:
 * - `builtins`: Node's own modules the bundle requires (https, crypto, stream, …), loaded alone;
 * - `compile`: reading and compiling the bundle (a `vm.Script` of it, not run);
 * - `topLevel`: running it, the whole `require` less the two above.
 * Each is a difference of medians over a bare `node -e 0`'s median, so the three add up to the
 * ratio less 1; under noise a small part can come out a little below 0.
 */
export interface ColdStartParts {
  builtins: number;
  compile: number;
  topLevel: number;
}

/**
 * With `parts`: what the libraries every function starts with cost on their own, each bundled as the
 * functions are (bundling/esbuild.config.js) and loaded the same way, interleaved with the rest.
 * Cumulative, so that each difference is one module group:
 * - `powertools`: the Logger and Metrics, made as functions/common makes them (the Logger opens
 *   stdout and stderr);
 * - `powertools+sdk`: and the SDK's shared runtime (@smithy/core, @aws-sdk/core, the HTTP handler
 *   with `https`, the default credential chain) with one small JSON client, KMS, imported as the
 *   adapters import it (no client is made at load; the functions make theirs on first use);
 * - `powertools+sdk builtins`: the Node built-ins that bundle requires, loaded alone.
 */
export const PROBES: Record<string, string> = {
  powertools: `
    import { Logger } from '@aws-lambda-powertools/logger';
    import { Metrics } from '@aws-lambda-powertools/metrics';
    globalThis.probe = [new Logger({ serviceName: 'amiwarden', persistentKeys: { function: 'probe' } }), new Metrics({ namespace: 'amiwarden', serviceName: 'amiwarden' })];`,
  'powertools+sdk': `
    import { Logger } from '@aws-lambda-powertools/logger';
    import { Metrics } from '@aws-lambda-powertools/metrics';
    import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
    globalThis.probe = [new Logger({ serviceName: 'amiwarden', persistentKeys: { function: 'probe' } }), new Metrics({ namespace: 'amiwarden', serviceName: 'amiwarden' }), KMSClient, ListGrantsCommand];`,
};

export interface ProbeLoad {
  probe: string;
  bundleBytes: number;
  /** The whole load, as a ratio to a bare node. */
  ratio: number;
  /** Its Node built-ins alone, likewise. */
  builtinsRatio: number;
}

async function bundleProbes(outDir: string): Promise<Record<string, string>> {
  const { exclude: _packagingOnly, ...ours } = bundling.bundleOptions();
  const built = await Promise.all(
    Object.entries(PROBES).map(async ([name, contents]) => {
      const outfile = path.join(outDir, `probe-${name.replace(/\W/g, '-')}.js`);
      await build({ ...ours, stdin: { contents, resolveDir: ROOT, loader: 'ts' }, outfile, logLevel: 'error' });
      return [name, outfile] as const;
    }),
  );
  return Object.fromEntries(built);
}

/** The Node built-ins a bundle requires: what it loads before a line of its own runs. */
export function builtinsOf(bundleSource: string): string[] {
  const names = [...bundleSource.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!);
  return [...new Set(names.filter((name) => isBuiltin(name)))].sort();
}

/** The `node -e` scripts of one bundle's load, whole and in its steps (see ColdStartParts). */
export function loadScripts(file: string, builtins: string[]): { full: string; builtins: string; compile: string } {
  const requireBuiltins = `for (const m of ${JSON.stringify(builtins)}) require(m);`;
  return {
    full: `require(${JSON.stringify(file)})`,
    builtins: requireBuiltins,
    compile: `${requireBuiltins} new (require("node:vm").Script)(require("node:fs").readFileSync(${JSON.stringify(file)}, "utf8"), { filename: ${JSON.stringify(file)} });`,
  };
}

/** A configuration the handlers accept, so that loading a bundle runs its real initialisation. */
const ENV = {
  AMIWARDEN_CENTRAL_ACCOUNT_ID: '999999999999',
  AMIWARDEN_KMS_KEY_ARNS: 'us-east-1=arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  AMIWARDEN_SHARE_TARGETS: '111111111111',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/**
 * Every run on one CPU, the same one: a Lambda function of up to 1,769 MB has less than one vCPU,
 * so V8's helper threads do not run beside the main thread there either; and one core of a
 * machine can be steadily slower than another (here: 140 ms against 104 ms for `node -e 0`), which
 * would otherwise split the runs into two populations. The benchmark pins itself to the machine's
 * last CPU while it times the loads (its children inherit the affinity) with `taskset` where there
 * is one, and then lets go; elsewhere the runs are not pinned.
 */
function pinToOneCpu(): { cpu: string; restore: () => void } {
  // The machine's last CPU (os.cpus() lists them all, whatever this process's affinity is now).
  const core = String(os.cpus().length - 1);
  const before = spawnSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' }).stdout?.match(/list:\s*(\S+)/)?.[1];
  const pinned = spawnSync('taskset', ['-cp', core, String(process.pid)], { encoding: 'utf8' });
  if (pinned.status !== 0 || !before) return { cpu: 'not pinned (no taskset)', restore: () => {} };
  return { cpu: `pinned to CPU ${core}`, restore: () => void spawnSync('taskset', ['-cp', before, String(process.pid)]) };
}

function timeNode(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const run = spawnSync(lambdaNode(), args, { env: { ...process.env, ...ENV }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function measureColdStarts(
  outDir: string,
  rounds = 25,
  { parts = false }: { parts?: boolean } = {},
): Promise<{ bareMs: number; cpu: string; node: string; functions: ColdStart[]; probes?: ProbeLoad[] }> {
  const bundles = await bundleFunctions(outDir);
  const probes = parts ? await bundleProbes(outDir) : {};
  const probeScripts = Object.fromEntries(Object.entries(probes).map(([name, file]) => [name, loadScripts(file, builtinsOf(readFileSync(file, 'utf8')))]));
  const probeSamples: Record<string, { full: number[]; builtins: number[] }> = Object.fromEntries(Object.keys(probes).map((name) => [name, { full: [], builtins: [] }]));
  const peers = await bundleFunctions(path.join(outDir, 'default-serverless-esbuild'), DEFAULT_SERVERLESS_ESBUILD);
  const scripts = Object.fromEntries(Object.entries(bundles).map(([key, file]) => [key, loadScripts(file, builtinsOf(readFileSync(file, 'utf8')))]));
  const peerScripts = Object.fromEntries(Object.entries(peers).map(([key, file]) => [key, loadScripts(file, []).full]));
  const steps = parts ? (['full', 'builtins', 'compile'] as const) : (['full'] as const);
  const { cpu, restore } = pinToOneCpu();
  const bare: number[] = [];
  const samples: Record<string, Record<string, number[]>> = Object.fromEntries(Object.keys(bundles).map((k) => [k, { full: [], builtins: [], compile: [], peer: [] }]));
  try {
    timeNode(['-e', '0']); // warm the file cache
    for (let round = 0; round < rounds; round++) {
      bare.push(timeNode(['-e', '0']));
      for (const key of Object.keys(bundles)) {
        for (const step of steps) samples[key]![step]!.push(timeNode(['-e', scripts[key]![step]]));
        samples[key]!.peer!.push(timeNode(['-e', peerScripts[key]!]));
      }
      for (const name of Object.keys(probes)) {
        probeSamples[name]!.full.push(timeNode(['-e', probeScripts[name]!.full]));
        probeSamples[name]!.builtins.push(timeNode(['-e', probeScripts[name]!.builtins]));
      }
    }
  } finally {
    restore(); // the workflows and the sweep (and the emulator they start) use every CPU again
  }
  const bareMs = median(bare);
  const share = (ms: number) => Math.round((ms / bareMs) * 100) / 100;
  return {
    bareMs,
    cpu,
    node: spawnSync(lambdaNode(), ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim(),
    functions: Object.entries(bundles).map(([key, file]) => {
      const m = (step: string) => median(samples[key]![step]!);
      return {
        function: key,
        bundleBytes: statSync(file).size,
        importMs: Math.round(m('full') * 10) / 10,
        ratio: share(m('full')),
        peerBundleBytes: statSync(peers[key]!).size,
        peerRatio: share(m('peer')),
        overPeer: Math.round((m('full') / m('peer')) * 100) / 100,
        ...(parts ? { parts: { builtins: share(m('builtins') - bareMs), compile: share(m('compile') - m('builtins')), topLevel: share(m('full') - m('compile')) } } : {}),
      };
    }),
    ...(parts
      ? {
          probes: Object.entries(probes).map(([name, file]) => ({
            probe: name,
            bundleBytes: statSync(file).size,
            ratio: share(median(probeSamples[name]!.full)),
            builtinsRatio: share(median(probeSamples[name]!.builtins)),
          })),
        }
      : {}),
  };
}
