#!/usr/bin/env node
'use strict';
// The amiwarden CLI is TypeScript (cli/main.ts), run through tsx: no build step. Both hooks are
// needed: require() for the CLI itself, import() for what --local loads on demand (the emulator
// runner and the Lambda handlers that local/workflows.ts imports lazily). Importing `tsx/esm`
// registers the ESM hooks, as `node --import tsx/esm` would.
// Node 20 is supported here; the SDK's notice about its future versions is noise on a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');

import('tsx/esm')
  .then(() => require('../cli/main.ts').runCli(process.argv.slice(2)))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`amiwarden: ${error && error.message ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
