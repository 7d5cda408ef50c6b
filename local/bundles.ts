/**
 * The deployed functions as Lambda runs them: each handler bundled with bundling/esbuild.config.js,
 * the configuration serverless-esbuild deploys with. The cold-start benchmark loads these bundles,
 * and test/integration/bundles.test.ts runs the workflows with them.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import bundling from '../bundling/esbuild.config';
import { FUNCTIONS, ROOT } from './workflows';

/** Bundles every deployed function into `outDir`; returns the bundle of each function key. */
export async function bundleFunctions(outDir: string): Promise<Record<string, string>> {
  mkdirSync(outDir, { recursive: true });
  const { exclude: _packagingOnly, ...options } = bundling.bundleOptions();
  const built = await Promise.all(
    Object.values(FUNCTIONS).map(async (fn) => {
      const outfile = path.join(outDir, `${fn.key}.js`);
      await build({ ...options, entryPoints: [path.join(ROOT, fn.handler.replace(/\.handler$/, '.ts'))], outfile, logLevel: 'error' });
      return [fn.key, outfile] as const;
    }),
  );
  return Object.fromEntries(built);
}
