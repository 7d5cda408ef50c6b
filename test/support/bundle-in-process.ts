/**
 * A module bundled as the functions are (bundling/esbuild.config.js: the lite clients in place of
 * the SDK's, the SDK's ES modules), then loaded into the test's own process: how the tests reach
 * code that only exists in that form. One difference from a function's bundle: Jest's module
 * sandbox has no dynamic import(), which the SDK's HTTP handler uses for node:http, so it becomes
 * a require here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import bundling from '../../bundling/esbuild.config';
import { ROOT } from '../../local/workflows';

/** Bundles `contents` (TypeScript, imports relative to the project root) before the file's tests and removes it after. */
export function useBundleInProcess<T>(contents: string): () => T {
  let dir: string | undefined;
  let loaded: T | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'amiwarden-in-process-'));
    const { exclude: _packagingOnly, ...options } = bundling.bundleOptions();
    const outfile = path.join(dir, 'bundle.js');
    await build({ ...options, sourcemap: false, logLevel: 'error', supported: { 'dynamic-import': false }, stdin: { resolveDir: ROOT, loader: 'ts', contents }, outfile });
    loaded = require(outfile) as T; // eslint-disable-line @typescript-eslint/no-require-imports
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!loaded) throw new Error('the bundle is not built yet (use it inside a test)');
    return loaded;
  };
}
