/** The contracts between the state machines, the error classes, serverless.yml and the local runner. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_NAMES } from '../../../core/errors';
import { loadDefinition } from '../../../local/state-machine';
import { FUNCTIONS, ROOT, WORKFLOWS } from '../../../local/workflows';

const STATES_ERRORS = /^(States\.|Lambda\.)/;

function errorNames(node: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => errorNames(n, into));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'ErrorEquals') (value as string[]).forEach((n) => into.add(n));
      else errorNames(value, into);
    }
  }
  return into;
}

describe.each(Object.values(WORKFLOWS))('workflow $name', (spec) => {
  const raw = JSON.parse(readFileSync(path.join(ROOT, spec.definition), 'utf8'));

  it('matches only error names that core/errors.ts defines (or States.* / Lambda.*)', () => {
    const names = [...errorNames(raw)];
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !STATES_ERRORS.test(n) && !(ERROR_NAMES as readonly string[]).includes(n))).toEqual([]);
  });

  it('invokes only functions that serverless.yml deploys with the same handler', () => {
    const serverless = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
    const { tasks } = loadDefinition(spec.name);
    expect(Object.keys(tasks).length).toBeGreaterThan(0);
    for (const logicalId of new Set(Object.values(tasks))) {
      const fn = FUNCTIONS[logicalId]!;
      expect(serverless).toMatch(new RegExp(`\\n  ${fn.key}:\\n(    .*\\n)*?    handler: ${fn.handler.replace(/\./g, '\\.')}\\n`));
    }
  });

  it('is deployed from the same files', () => {
    const serverless = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
    expect(serverless).toContain(`\${file(${spec.definition})}`);
    if (spec.pattern) expect(serverless).toContain(`\${file(${spec.pattern})}`);
  });
});
