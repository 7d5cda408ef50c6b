/**
 * The cold-start breakdown (`npm run bench -- --parts`): which built-ins a bundle loads, and that
 * the "compile" step compiles the bundle without running it, so that the three parts measure
 * what they are named for.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinsOf, loadScripts } from '../../../bench/cold-start';

describe('builtinsOf', () => {
  it("lists the Node built-ins a bundle requires, with or without node:, once each, and nothing else", () => {
    const source = [
      'var a=require("node:https"),b=require("crypto");',
      'const c=require("./local.js"),d=require("@aws-sdk/client-kms");',
      'x.require("node:https");require("node:fs/promises");require("not-a-builtin")',
    ].join('\n');
    expect(builtinsOf(source)).toEqual(['crypto', 'node:fs/promises', 'node:https']);
  });
});

describe('loadScripts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'amiwarden-parts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (script: string) => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });

  it('compiles the bundle without running it; the whole load runs it', () => {
    const marker = path.join(dir, 'ran');
    const bundle = path.join(dir, 'bundle.js');
    writeFileSync(bundle, `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "yes");`);
    const scripts = loadScripts(bundle, ['node:fs']);

    expect(run(scripts.compile).status).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(run(scripts.full).status).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('really compiles: a bundle that does not parse fails the compile step', () => {
    const bundle = path.join(dir, 'broken.js');
    writeFileSync(bundle, 'const = ;');
    const compiled = run(loadScripts(bundle, []).compile);
    expect(compiled.status).not.toBe(0);
    expect(compiled.stderr).toContain('SyntaxError');
  });

  it('loads the listed built-ins in the built-ins step (a bare node loads neither)', () => {
    const loadedOf = (prefix: string) => {
      const out = run(`${prefix} process.stdout.write(JSON.stringify(["zlib", "https"].map((m) => process.moduleLoadList.includes("NativeModule " + m))))`);
      expect(out.status).toBe(0);
      return JSON.parse(out.stdout) as boolean[];
    };
    expect(loadedOf('')).toEqual([false, false]);
    expect(loadedOf(loadScripts(path.join(dir, 'unused.js'), ['node:zlib', 'node:https']).builtins)).toEqual([true, true]);
  });
});
