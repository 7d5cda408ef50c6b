/**
 * The deployed functions as Lambda runs them: each handler bundled with bundling/esbuild.config.js,
 * the configuration serverless-esbuild deploys with. The cold-start benchmark loads these bundles,
 * and test/integration/bundles.test.ts runs the workflows with them, on the Node.js of the deployed
 * runtime (`lambdaNode`).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import bundling from '../bundling/esbuild.config';
import { FUNCTIONS, ROOT } from './workflows';

/**
 * How a serverless-esbuild setup with no esbuild configuration of its own bundles a function for
 * nodejs24.x (its defaults: bundle, platform node, the runtime's target; esbuild's default
 * mainFields, no minification, no source map): the benchmark's point of comparison.
 */
export const DEFAULT_SERVERLESS_ESBUILD: BuildOptions = { bundle: true, platform: 'node', target: 'node24' };

/** The Node.js binary of the deployed runtime: the `node` package's (a devDependency), whatever the machine's own Node is. */
export const lambdaNode = (): string => path.join(ROOT, 'node_modules', 'node', 'bin', 'node');

/** Bundles every deployed function into `outDir` (with amiwarden's bundling unless `options` are given); returns the bundle of each function key. */
export async function bundleFunctions(outDir: string, options?: BuildOptions): Promise<Record<string, string>> {
  mkdirSync(outDir, { recursive: true });
  const { exclude: _packagingOnly, ...ours } = bundling.bundleOptions();
  const built = await Promise.all(
    Object.values(FUNCTIONS).map(async (fn) => {
      const outfile = path.join(outDir, `${fn.key}.js`);
      await build({ ...(options ?? ours), entryPoints: [path.join(ROOT, fn.handler.replace(/\.handler$/, '.ts'))], outfile, logLevel: 'error' });
      return [fn.key, outfile] as const;
    }),
  );
  return Object.fromEntries(built);
}
