/**
 * Cold start of every deployed function: each handler bundled as serverless-esbuild bundles it
 * (same options as serverless.yml), then the time to load the bundle in a fresh Node process as
 * a ratio to a bare `node -e 0`. Runs are interleaved (bare, f1, f2, …, bare, f1, …) so that
 * machine noise hits all alike; medians are compared.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { FUNCTIONS, ROOT } from '../local/workflows';

export interface ColdStart {
  function: string;
  bundleBytes: number;
  ratio: number;
  importMs: number;
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

export async function bundleFunctions(outDir: string): Promise<Record<string, string>> {
  mkdirSync(outDir, { recursive: true });
  const bundles: Record<string, string> = {};
  for (const fn of Object.values(FUNCTIONS)) {
    const entry = path.join(ROOT, fn.handler.replace(/\.handler$/, '.ts'));
    const outfile = path.join(outDir, `${fn.key}.js`);
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      minify: true,
      sourcemap: false,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      mainFields: ['module', 'main'],
      logLevel: 'error',
    });
    bundles[fn.key] = outfile;
  }
  return bundles;
}

function timeNode(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env: { ...process.env, ...ENV }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${run.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function measureColdStarts(outDir: string, rounds = 15): Promise<{ bareMs: number; functions: ColdStart[] }> {
  const bundles = await bundleFunctions(outDir);
  const bare: number[] = [];
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(bundles).map((k) => [k, []]));
  timeNode(['-e', '0']); // warm the file cache
  for (let round = 0; round < rounds; round++) {
    bare.push(timeNode(['-e', '0']));
    for (const [key, file] of Object.entries(bundles)) samples[key]!.push(timeNode(['-e', `require(${JSON.stringify(file)})`]));
  }
  const bareMs = median(bare);
  return {
    bareMs,
    functions: Object.entries(bundles).map(([key, file]) => ({
      function: key,
      bundleBytes: statSync(file).size,
      importMs: Math.round(median(samples[key]!) * 10) / 10,
      ratio: Math.round((median(samples[key]!) / bareMs) * 100) / 100,
    })),
  };
}
