// @ts-check
/**
 * How every function is bundled for Lambda: serverless-esbuild reads this file
 * (serverless.yml: custom.esbuild.config), and so does the cold-start benchmark, so that what is
 * measured is what deploys.
 */
const { awsLite } = require('./aws-lite');
const { lambdaOnly } = require('./lambda-only');
const { sdkCompact } = require('./sdk-compact');
const { sdkSchemaKeys } = require('./sdk-schema-keys');

/** @returns {import('esbuild').BuildOptions & { exclude: string[] }} */
function bundleOptions() {
  return {
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // ES modules first: esbuild can tree-shake them, and the SDK's are side-effect free.
    mainFields: ['module', 'main'],
    // The Lambda runtime's bundled SDK version is not ours: bundle the pinned clients.
    exclude: [],
    plugins: [awsLite(), sdkSchemaKeys(), sdkCompact(), lambdaOnly()],
  };
}

module.exports = () => bundleOptions();
module.exports.bundleOptions = bundleOptions;
