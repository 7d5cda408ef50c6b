/**
 * The bundling plugin that makes the SDK's computed schema keys literal: the same objects, and
 * nothing else changed (bundling/sdk-schema-keys.js), and the test that says when it can go.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { ROOT } from '../../../local/workflows';

const CLIENTS = ['client-ec2', 'client-kms', 'client-auto-scaling', 'client-iam', 'client-sts', 'client-s3', 'client-organizations', 'client-sqs', 'client-sfn'];
const schemasOf = (client: string) => path.join(ROOT, 'node_modules/@aws-sdk', client, 'dist-es/schemas/schemas_0.js');

const { literalSchemaKeys, SCHEMA_MODULE } = createRequire(__filename)(path.join(ROOT, 'bundling/sdk-schema-keys.js')) as {
  literalSchemaKeys: (source: string) => { code: string; replaced: number; unresolved: number };
  SCHEMA_MODULE: RegExp;
};

/** Evaluates a schemas-like script and returns the value of `result`. */
const evaluate = (code: string) => vm.runInNewContext(`${code}\n;result`) as unknown;

describe('literalSchemaKeys', () => {
  it('turns a computed key naming a string constant into that literal, and the object is the same', () => {
    const source = [
      'const _xN = "xmlName";',
      'const _e = "error";',
      'const _c = "client";',
      'const _q = "with \\"quotes\\"";',
      'var result = [3, "n0", "Image", 0, [{ [_xN]: _c }, { [_e]: _c, [_q]: 1 }], [0, 0]];',
    ].join('\n');

    const { code, replaced, unresolved } = literalSchemaKeys(source);

    expect(replaced).toBe(3);
    expect(unresolved).toBe(0);
    expect(code).toContain('{ "xmlName": _c }');
    expect(code).not.toMatch(/\[_\w+\]:/);
    expect(evaluate(code)).toEqual(evaluate(source));
  });

  it('leaves a computed key it cannot resolve as it is, and counts it', () => {
    const source = 'let _dynamic = "x" + 1;\nvar result = { [_dynamic]: 1 };';

    const { code, replaced, unresolved } = literalSchemaKeys(source);

    expect({ replaced, unresolved }).toEqual({ replaced: 0, unresolved: 1 });
    expect(code).toBe(source);
  });

  it('resolves every computed key of the SDK clients amiwarden bundles, and changes nothing but those keys', () => {
    for (const client of CLIENTS) {
      const file = schemasOf(client);
      expect(file).toMatch(SCHEMA_MODULE);
      const source = readFileSync(file, 'utf8');

      const { code, replaced, unresolved } = literalSchemaKeys(source);

      expect({ client, unresolved }).toEqual({ client, unresolved: 0 });
      expect({ client, some: replaced > 0 }).toEqual({ client, some: true });
      expect(code).not.toMatch(/\[_\w+\]:/);
      // Only the keys changed: take them back out of both texts and they are the same.
      const keysOut = (text: string) => text.replace(/\[_\w+\]:|"[^"\\\n]*":/g, 'KEY:');
      expect(keysOut(code)).toBe(keysOut(source));
    }
  });
});

// The workaround exists for aws/aws-sdk-js-v3#7607 (fix: smithy-lang/smithy-typescript#1889, not
// released on 2026-12-01). This fails once the installed SDK writes literal keys: then remove
// bundling/sdk-schema-keys.js and this file, and compare the cold starts in `npm run bench`.
describe('the SDK bug the workaround is for', () => {
  it('is still in the installed SDK (if this fails, the installed SDK no longer writes computed schema keys: remove the workaround)', () => {
    const computed = CLIENTS.filter((client) => /\[_\w+\]:/.test(readFileSync(schemasOf(client), 'utf8')));

    expect(computed).toEqual(CLIENTS);
  });
});
