// @ts-check
/**
 * How every function is bundled for Lambda: serverless-esbuild reads this file
 * (serverless.yml: custom.esbuild.config), and so do the cold-start benchmark and the tests that run
 * the bundles, so that what is measured and tested is what deploys. The bundles hold the stock AWS
 * SDK clients and Powertools, as their authors ship them; the one plugin is a dated workaround for
 * an open SDK bug (./sdk-schema-keys.js).
 */
const { sdkSchemaKeys } = require('./sdk-schema-keys');

/** @returns {import('esbuild').BuildOptions & { exclude: string[] }} */
function bundleOptions() {
  return {
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    // ES modules first: esbuild can tree-shake them, and the SDK's are side-effect free.
    mainFields: ['module', 'main'],
    // The Lambda runtime's bundled SDK version is not ours: bundle the pinned clients.
    exclude: [],
    plugins: [sdkSchemaKeys()],
  };
}

module.exports = () => bundleOptions();
module.exports.bundleOptions = bundleOptions;
