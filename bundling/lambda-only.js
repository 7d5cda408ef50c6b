// @ts-check
/**
 * An esbuild plugin for what a Lambda bundle never runs, so that it is neither bundled nor loaded
 * at cold start:
 * - the SDK's default credential chain beyond its first link: Lambda gives a function its role's
 *   credentials in the environment, so `@aws-sdk/credential-provider-node` resolves to
 *   ./lambda-credentials.mjs (the environment, read as the chain's first link reads it);
 * - event streams: no operation amiwarden calls has one, and the SDK's one dynamic
 *   `import("@smithy/core/event-streams")` makes esbuild wrap half of @smithy/core in lazy module
 *   initialisers that it cannot tree-shake; it resolves to ./no-event-streams.mjs, which fails
 *   with a clear error should an operation with an event stream ever be added.
 * - the shared config files: a Lambda function has no ~/.aws/config or ~/.aws/credentials, so the
 *   SDK's file reader resolves to ./no-config-files.mjs, which answers as a missing file does
 *   (settings come from the environment, as before); `node:fs/promises` is then not loaded.
 * The CLI, the sandbox and the tests run the sources with the full SDK; test/integration/bundles
 * runs the workflows with these bundles.
 */
const { readFile } = require('node:fs/promises');
const path = require('node:path');

const CONFIG_FILE_READER = /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]config[\\/]shared-ini-file-loader[\\/]readFile\.js$/;

/** @returns {import('esbuild').Plugin} */
function lambdaOnly() {
  return {
    name: 'amiwarden-lambda-only',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: path.join(__dirname, 'lambda-credentials.mjs') }));
      build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
        args.kind === 'dynamic-import' ? { path: path.join(__dirname, 'no-event-streams.mjs') } : undefined,
      );
      build.onLoad({ filter: CONFIG_FILE_READER }, async () => ({ contents: await readFile(path.join(__dirname, 'no-config-files.mjs'), 'utf8'), loader: 'js' }));
    },
  };
}

module.exports = { lambdaOnly, CONFIG_FILE_READER };
