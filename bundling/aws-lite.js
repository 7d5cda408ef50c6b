// @ts-check
/**
 * An esbuild plugin: in the Lambda bundles, amiwarden's adapters import the KMS, STS, IAM, S3,
 * Organizations and Auto Scaling clients, and adapters/launch-templates.ts its EC2 client, from ./aws-lite (see
 * ./aws-lite/client.ts) instead of the SDK packages. Only the project's own imports are
 * redirected; the CLI, the sandbox and the tests run the SDK.
 */
const path = require('node:path');

const LITE = /^@aws-sdk\/client-(kms|sts|iam|s3|organizations|auto-scaling)$/;
/** Adapters that import a client for one operation whose response the SDK models at length. */
const LITE_FOR_IMPORTER = { [path.join('adapters', 'launch-templates.ts')]: { '@aws-sdk/client-ec2': 'ec2-launch-templates.ts' } };

/** @returns {import('esbuild').Plugin} */
function awsLite() {
  return {
    name: 'amiwarden-aws-lite',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/client-ec2$/ }, (args) => {
        const importer = Object.keys(LITE_FOR_IMPORTER).find((file) => args.importer.endsWith(`${path.sep}${file}`));
        const lite = importer && LITE_FOR_IMPORTER[/** @type {keyof LITE_FOR_IMPORTER} */ (importer)][args.path];
        return lite ? { path: path.join(__dirname, 'aws-lite', lite) } : undefined;
      });
      build.onResolve({ filter: LITE }, (args) => {
        if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        return { path: path.join(__dirname, 'aws-lite', `${LITE.exec(args.path)?.[1]}.ts`) };
      });
    },
  };
}

module.exports = { awsLite };
