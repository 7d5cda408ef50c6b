/**
 * The bundling plugin that writes the SDK's generated package.json imports and error classes
 * compactly, with the same behaviour (bundling/sdk-compact.js).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ServiceException } from '@smithy/core/client';
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

type ErrorClass = new (opts: Record<string, unknown>) => Error;

/** Runs an ES module's text as CommonJS in this realm; `resolve` answers its imports. */
function run(source: string, resolve: (id: string) => unknown): Record<string, unknown> {
  const { code } = transformSync(source, { format: 'cjs', loader: 'js' });
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', code)(module, module.exports, resolve);
  return module.exports;
}

/**
 * A client's errors module, run against the client's own base exception, itself built on the
 * SDK's real ServiceException (whose `instanceof` looks at names and shape ids).
 */
function load(client: string, source: string): { errors: Record<string, ErrorClass>; base: ErrorClass } {
  const models = path.join(ROOT, 'node_modules/@aws-sdk', client, 'dist-es/models');
  const baseFile = /from "\.\/(\w+)"/.exec(source)![1]!;
  const baseModule = run(readFileSync(path.join(models, `${baseFile}.js`), 'utf8'), () => ({ ServiceException }));
  return { errors: run(source, () => baseModule) as Record<string, ErrorClass>, base: baseModule[baseFile] as ErrorClass };
}

/** What an error instance shows: its own properties in order, its class, prototype chain and `instanceof`. */
function observe(Ctor: ErrorClass, Base: ErrorClass, opts: Record<string, unknown>) {
  const error = new Ctor(opts);
  return {
    own: Object.entries(Object.getOwnPropertyDescriptors(error)).filter(([key]) => key !== 'stack'),
    statics: Object.entries(Object.getOwnPropertyDescriptors(Ctor)).filter(([key]) => key !== 'prototype'),
    constructorName: error.constructor.name,
    chain: [Object.getPrototypeOf(error) === Ctor.prototype, Object.getPrototypeOf(Ctor.prototype) === Base.prototype],
    instanceOf: [error instanceof Ctor, error instanceof Base, error instanceof ServiceException, error instanceof Error, ServiceException.isInstance(error)],
    // The SDK's fallback: an object that looks like this service error is one.
    lookalike: ({ name: error.name, $fault: 'client', $metadata: {} } as unknown) instanceof Ctor,
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
      const [before, after] = [load(client, source), load(client, compact!.code)];
      expect(Object.keys(after.errors).sort()).toEqual([...declared].sort());
      // Every field any error of the client copies, so that each copies its own and no other.
      const fields = [...new Set([...source.matchAll(/this\.(\w+) = opts\.\w+;/g)].map((m) => m[1]!))];
      const opts = { message: 'the message', $metadata: { httpStatusCode: 400 }, ...Object.fromEntries(fields.map((f) => [f, `value of ${f}`])) };
      for (const name of declared) {
        expect({ client, name, ...observe(after.errors[name]!, after.base, opts) }).toEqual({ client, name, ...observe(before.errors[name]!, before.base, opts) });
      }
    }
  });

  it('keeps $retryable a fresh object on each error, as the generated field is', () => {
    const source = readFileSync(path.join(ROOT, 'node_modules/@aws-sdk/client-sts/dist-es/models/errors.js'), 'utf8');
    const { IDPCommunicationErrorException: Ctor } = load('client-sts', compactErrorClasses(source)!.code).errors;

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

    const withField = (declared: string, copied: string) =>
      generated
        .replace('    $fault = "client";\n', `    $fault = "client";\n    ${declared};\n`)
        .replace('        Object.setPrototypeOf(this, NotFoundException.prototype);\n', `        Object.setPrototypeOf(this, NotFoundException.prototype);\n        ${copied}\n`);
    expect(compactErrorClasses(withField('Message', 'this.Message = opts.Message;'))?.classes).toBe(1);
    const second = generated.split('\n').slice(1).join('\n').replaceAll('NotFoundException', 'DisabledException');

    const notGenerated = {
      'a method': generated.replace('    constructor(opts) {', '    get code() { return 1; }\n    constructor(opts) {'),
      'a shape of another name': generated.replace('kms#NotFoundException', 'kms#Missing'),
      'a shape id with two #': generated.replace('kms#NotFoundException', 'kms#NotFoundException#x'),
      'another name field': generated.replace('    name = "NotFoundException";', '    name = "Other";'),
      'the prototype of another class': generated.replace('setPrototypeOf(this, NotFoundException.prototype)', 'setPrototypeOf(this, Other.prototype)'),
      'a field declared, not copied': withField('Message', ''),
      'a field copied from another option': withField('Message', 'this.Message = opts.Other;'),
      'any other $retryable': generated.replace('    $fault = "client";\n', '    $fault = "client";\n    $retryable = { x: this.name };\n'),
      'two namespaces': `${generated}${second.replace('com.amazonaws.kms#', 'com.amazonaws.other#')}`,
      'another statement': `${generated}export const other = 1;\n`,
    };
    expect(compactErrorClasses(`${generated}${second}`)?.classes).toBe(2);
    for (const [what, source] of Object.entries(notGenerated)) expect({ what, compact: compactErrorClasses(source) }).toEqual({ what, compact: null });
  });
});
