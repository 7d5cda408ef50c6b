// @ts-check
/**
 * An esbuild plugin that lets esbuild tree-shake the AWS SDK's schemas: a workaround for an open
 * upstream bug, added 2026-11 and to be removed when the fix ships.
 *
 * Since @aws-sdk 3.930, each client's `schemas/schemas_0.js` writes schema traits with computed
 * keys that name module constants: `const _xN = "xmlName"; … { [_xN]: _CMp }`. esbuild must
 * assume a computed key may run code (ToPropertyKey can call toString), so it keeps every schema
 * that has one, and all the schemas those reach: 2,230 of EC2's 3,357 schemas, 533 KiB in every
 * function that sends even one EC2 request, and most of its cold start
 * (aws/aws-sdk-js-v3#7607; the generator fix, smithy-lang/smithy-typescript#1889, is not released).
 *
 * This plugin makes, at bundle time, the change that fix makes: each computed key that names a
 * `const _x = "literal"` of the same file becomes that literal (`{ "xmlName": _CMp }`), which is
 * the same object. Nothing else in the file changes; a computed key it cannot resolve stays as it is.
 *
 * When to remove it: test/unit/deploy/sdk-schema-keys.test.ts fails with "the installed SDK no
 * longer writes computed schema keys" once an SDK release carries the fix; then delete this file
 * and its line in ./esbuild.config.js, and compare the cold starts in `npm run bench`.
 */
const { readFile } = require('node:fs/promises');

/** Schema modules of every AWS SDK client, including the nested clients of the credential providers. */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/;
const STRING_CONSTANT = /^const (_[A-Za-z0-9_$]*) = ("(?:[^"\\\n]|\\.)*");$/gm;
const COMPUTED_KEY = /\[(_[A-Za-z0-9_$]*)\]:/g;

/**
 * @param {string} source a schemas module
 * @returns {{ code: string, replaced: number, unresolved: number }}
 */
function literalSchemaKeys(source) {
  /** @type {Map<string, string>} */
  const constants = new Map();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) constants.set(/** @type {string} */ (name), /** @type {string} */ (literal));
  let replaced = 0;
  let unresolved = 0;
  const code = source.replace(COMPUTED_KEY, (whole, /** @type {string} */ name) => {
    const literal = constants.get(name);
    if (literal === undefined) {
      unresolved++;
      return whole;
    }
    replaced++;
    return `${literal}:`;
  });
  return { code, replaced, unresolved };
}

/** @returns {import('esbuild').Plugin} */
function sdkSchemaKeys() {
  return {
    name: 'amiwarden-sdk-schema-keys',
    setup(build) {
      build.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({
        contents: literalSchemaKeys(await readFile(args.path, 'utf8')).code,
        loader: 'js',
      }));
    },
  };
}

module.exports = { sdkSchemaKeys, literalSchemaKeys, SCHEMA_MODULE };
