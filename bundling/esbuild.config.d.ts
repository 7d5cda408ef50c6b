import type { BuildOptions } from 'esbuild';

/** serverless-esbuild's options: esbuild's, and the packages left out of the bundle. */
export type BundleOptions = BuildOptions & { exclude: string[] };
declare function config(): BundleOptions;
declare namespace config {
  function bundleOptions(): BundleOptions;
}
export = config;
