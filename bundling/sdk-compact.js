// @ts-check
/**
 * An esbuild plugin that writes two kinds of generated AWS SDK code more compactly, at bundle
 * time, with the same behaviour. Every byte a function bundles is parsed at each cold start.
 *
 * - A client's `package.json` is bundled whole (2–2.5 KiB of scripts, dependencies and metadata)
 *   for the one field its runtime config reads: `packageInfo.version`, for the User-Agent. The
 *   plugin bundles `{ "version": … }` instead.
 * - A client's `models/errors.js` declares one class per modeled error, each about 250 bytes
 *   minified: 48 for KMS, 50 for Organizations. Every one is reachable (the schemas register
 *   them all), so esbuild keeps them all. The plugin writes each as one call to a small factory
 *   that builds the same class: same name, `shapeId`, `$fault`, `$retryable`, fields, prototype
 *   chain, so `instanceof` and the SDK's error registry work as before. (One thing differs from
 *   a minified bundle of the generated classes: each class keeps its own name, where minifying
 *   renamed it, as in the unbundled SDK; the SDK's `instanceof` falls back on that name.)
 *
 * An errors module whose text is not exactly the generated form is left as it is; the unit test
 * (test/unit/deploy/sdk-compact.test.ts) checks that every client amiwarden bundles is rewritten.
 */
const { readFile } = require('node:fs/promises');

const CLIENT_PACKAGE_JSON = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/;
const ERRORS_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]models[\\/]errors\.js$/;

/**
 * @param {string} packageJson a client's package.json
 * @returns {string} the part of it the bundle reads
 */
function versionOnly(packageJson) {
  const { version } = JSON.parse(packageJson);
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return JSON.stringify({ version });
}

const BASE_IMPORT = /^import \{ (\w+) as __BaseException \} from "(\.\/\w+)";\n/;
const ERROR_CLASS = new RegExp(
  [
    String.raw`export class (\w+) extends __BaseException \{\n`,
    String.raw` {4}static shapeId = "([\w.]+#\w+)";\n`,
    String.raw` {4}name = "\1";\n`,
    String.raw` {4}\$fault = "(client|server)";\n`,
    String.raw`( {4}\$retryable = \{(?: throttling: true,? )?\};\n)?`,
    String.raw`((?: {4}\w+;\n)*)`,
    String.raw` {4}constructor\(opts\) \{\n`,
    String.raw` {8}super\(\{\n {12}name: "\1",\n {12}\$fault: "\3",\n {12}\.\.\.opts,\n {8}\}\);\n`,
    String.raw` {8}Object\.setPrototypeOf\(this, \1\.prototype\);\n`,
    String.raw`((?: {8}this\.\w+ = opts\.\w+;\n)*)`,
    String.raw` {4}\}\n\}\n`,
  ].join(''),
  'g',
);

/**
 * The factory each compact error class is made by, for the client's namespace (a `shapeId` is
 * `<namespace>#<name>`). `fields` are copied from the constructor's options, as the generated
 * constructors do; `retryable` makes the `$retryable` field's value, a new object each time.
 */
const factory = (/** @type {string} */ namespace) => [
  `const __namespace = ${JSON.stringify(namespace)};`,
  'const __error = (name, $fault, fields, retryable) => {',
  '    const C = { [name]: class extends __BaseException {',
  '        constructor(opts) {',
  '            super({ name, $fault, ...opts });',
  '            this.name = name;',
  '            this.$fault = $fault;',
  '            if (retryable) this.$retryable = retryable();',
  '            Object.setPrototypeOf(this, C.prototype);',
  '            for (const field of fields) this[field] = opts[field];',
  '        }',
  '    } }[name];',
  '    C.shapeId = `${__namespace}#${name}`;',
  '    return C;',
  '};',
].join('\n');

/**
 * @param {string} source a client's models/errors.js
 * @returns {{ code: string, classes: number } | null} the compact module, or null when the source
 *   is not exactly the generated form (then it is bundled as it is)
 */
function compactErrorClasses(source) {
  const base = source.match(BASE_IMPORT);
  if (!base) return null;
  const declared = (source.match(/^export class /gm) ?? []).length;
  /** @type {string[]} */
  const calls = [];
  /** @type {Set<string>} */
  const namespaces = new Set();
  let rest = source.slice(base[0].length);
  rest = rest.replace(ERROR_CLASS, (_whole, name, shapeId, fault, retryable, declaredFields, assigned) => {
    const fields = [...declaredFields.matchAll(/(\w+);/g)].map((m) => m[1]);
    const copied = [...assigned.matchAll(/this\.(\w+) = opts\.(\w+);/g)];
    // Each declared field is copied from the option of its own name, in order; anything else is not the generated form.
    if (copied.length !== fields.length || copied.some(([, to, from], i) => to !== fields[i] || from !== to)) return _whole;
    const [namespace, shapeName] = shapeId.split('#');
    if (shapeName !== name) return _whole;
    namespaces.add(namespace);
    const retryableValue = retryable ? retryable.trim().replace(/^\$retryable = (.*);$/, '$1') : null;
    calls.push(`export const ${name} = __error(${JSON.stringify(name)}, "${fault}", ${JSON.stringify(fields)}${retryableValue ? `, () => (${retryableValue})` : ''});`);
    return '';
  });
  if (calls.length !== declared || rest.trim() !== '' || namespaces.size !== 1) return null;
  return { code: `${base[0]}${factory([...namespaces][0])}\n${calls.join('\n')}\n`, classes: calls.length };
}

/** @returns {import('esbuild').Plugin} */
function sdkCompact() {
  return {
    name: 'amiwarden-sdk-compact',
    setup(build) {
      build.onLoad({ filter: CLIENT_PACKAGE_JSON }, async (args) => ({ contents: versionOnly(await readFile(args.path, 'utf8')), loader: 'json' }));
      build.onLoad({ filter: ERRORS_MODULE }, async (args) => {
        const compact = compactErrorClasses(await readFile(args.path, 'utf8'));
        return compact ? { contents: compact.code, loader: 'js' } : undefined;
      });
    },
  };
}

module.exports = { sdkCompact, versionOnly, compactErrorClasses, CLIENT_PACKAGE_JSON, ERRORS_MODULE };
