/**
 * The bundling plugin that writes the SDK's generated package.json imports and error classes
 * compactly, with the same behaviour (bundling/sdk-compact.js).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { transformSync } from 'esbuild';
import { ROOT } from '../../../local/workflows';

const { versionOnly, compactErrorClasses, CLIENT_PACKAGE_JSON, ERRORS_MODULE } = createRequire(__filename)(path.join(ROOT, 'bundling/sdk-compact.js')) as {
  versionOnly: (packageJson: string) => string;
  compactErrorClasses: (source: string) => { code: string; classes: number } | null;
  CLIENT_PACKAGE_JSON: RegExp;
  ERRORS_MODULE: RegExp;
};

/** The clients amiwarden's functions bundle that have modeled errors (EC2 has none). */
const CLIENTS = ['client-kms', 'client-auto-scaling', 'client-iam', 'client-sts', 'client-s3', 'client-organizations', 'client-sqs'];

/** The service base exception, as @smithy's ServiceException builds one. */
class ServiceException extends Error {
  $fault: string;
  $metadata: unknown;
  constructor(options: { name: string; $fault: string; message?: string; $metadata?: unknown }) {
    super(options.message);
    Object.setPrototypeOf(this, ServiceException.prototype);
    this.name = options.name;
    this.$fault = options.$fault;
    this.$metadata = options.$metadata;
  }
}

/** Runs an errors module (ES module text) against the base exception; returns its exports. */
function load(source: string): Record<string, new (opts: Record<string, unknown>) => Error> {
  const { code } = transformSync(source, { format: 'cjs', loader: 'js' });
  const module = { exports: {} as Record<string, new (opts: Record<string, unknown>) => Error> };
  const require = () => new Proxy({}, { get: () => ServiceException });
  vm.runInNewContext(code, { module, exports: module.exports, require, Object });
  return module.exports;
}

/** What an error instance shows: its own properties in order, its class and its prototype chain. */
function observe(Ctor: new (opts: Record<string, unknown>) => Error, opts: Record<string, unknown>) {
  const error = new Ctor(opts);
  const own = Object.entries(Object.getOwnPropertyDescriptors(error)).filter(([key]) => key !== 'stack');
  const statics = Object.getOwnPropertyDescriptor(Ctor, 'shapeId');
  return {
    own,
    className: Ctor.name,
    shapeId: statics,
    instanceOfItself: error instanceof Ctor,
    instanceOfBase: error instanceof ServiceException && error instanceof Error,
    message: error.message,
  };
}

describe('versionOnly', () => {
  it('keeps the version a client reads for its User-Agent and nothing else', () => {
    const file = path.join(ROOT, 'node_modules/@aws-sdk/client-kms/package.json');
    expect(file).toMatch(CLIENT_PACKAGE_JSON);
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };

    expect(JSON.parse(versionOnly(readFileSync(file, 'utf8')))).toEqual({ version: pkg.version });
  });

  it('applies to the clients, not to other packages', () => {
    expect(path.join(ROOT, 'node_modules/@aws-sdk/core/package.json')).not.toMatch(CLIENT_PACKAGE_JSON);
    expect(path.join(ROOT, 'node_modules/@aws-sdk/client-ec2/dist-es/package.json')).not.toMatch(CLIENT_PACKAGE_JSON);
  });
});

describe('compactErrorClasses', () => {
  it('rewrites every error class of the clients amiwarden bundles into classes that behave the same', () => {
    for (const client of CLIENTS) {
      const file = path.join(ROOT, 'node_modules/@aws-sdk', client, 'dist-es/models/errors.js');
      expect(file).toMatch(ERRORS_MODULE);
      const source = readFileSync(file, 'utf8');
      const declared = source.match(/^export class \w+/gm)!.map((line) => line.slice('export class '.length));

      const compact = compactErrorClasses(source);

      expect({ client, classes: compact?.classes }).toEqual({ client, classes: declared.length });
      expect(compact!.code.length).toBeLessThan(source.length / 2);
      const [before, after] = [load(source), load(compact!.code)];
      expect(Object.keys(after).sort()).toEqual([...declared].sort());
      // Every field any error declares, so that each copies its own and no other.
      const opts = { message: 'the message', $metadata: { httpStatusCode: 400 }, Message: 'M', Type: 'T', Code: 'C', reason: 'r', Reason: 'R', error: 'e', error_description: 'd' };
      for (const name of declared) {
        expect({ client, name, ...observe(after[name]!, opts) }).toEqual({ client, name, ...observe(before[name]!, opts) });
      }
    }
  });

  it('keeps $retryable a fresh object on each error, as the generated field is', () => {
    const source = readFileSync(path.join(ROOT, 'node_modules/@aws-sdk/client-sts/dist-es/models/errors.js'), 'utf8');
    const { IDPCommunicationErrorException: Ctor } = load(compactErrorClasses(source)!.code);

    const [a, b] = [new Ctor!({}), new Ctor!({})] as unknown as { $retryable: object }[];

    expect(a!.$retryable).toEqual({});
    expect(a!.$retryable).not.toBe(b!.$retryable);
  });

  it('leaves a module that is not exactly the generated form as it is', () => {
    const generated = [
      'import { KMSServiceException as __BaseException } from "./KMSServiceException";',
      'export class NotFoundException extends __BaseException {',
      '    static shapeId = "com.amazonaws.kms#NotFoundException";',
      '    name = "NotFoundException";',
      '    $fault = "client";',
      '    constructor(opts) {',
      '        super({',
      '            name: "NotFoundException",',
      '            $fault: "client",',
      '            ...opts,',
      '        });',
      '        Object.setPrototypeOf(this, NotFoundException.prototype);',
      '    }',
      '}',
      '',
    ].join('\n');
    expect(compactErrorClasses(generated)?.classes).toBe(1);

    const withMethod = generated.replace('    constructor(opts) {', '    get code() { return 1; }\n    constructor(opts) {');
    const otherShapeName = generated.replace('kms#NotFoundException', 'kms#Missing');
    const fieldNotCopied = generated.replace('    $fault = "client";\n', '    $fault = "client";\n    Message;\n');
    const extraStatement = `${generated}export const other = 1;\n`;

    for (const source of [withMethod, otherShapeName, fieldNotCopied, extraStatement]) expect(compactErrorClasses(source)).toBeNull();
  });
});
