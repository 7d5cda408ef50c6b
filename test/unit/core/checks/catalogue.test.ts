import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, checkPermissions, firstResult } from '../../../../core/checks';
import { renderChecksTable, TABLE_BEGIN, TABLE_END, withChecksTable } from '../../../../core/checks/doc';
import { CAUSES } from '../../../../core/launch-failure';
import { FINDINGS } from '../../../../core/sweep';
import { launchWorld } from './world';

const ROOT = join(__dirname, '..', '..', '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'checks.md'), 'utf8');

describe('the check catalogue', () => {
  it('has unique, kebab-case ids', () => {
    const ids = CATALOGUE.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id))).toEqual([]);
  });

  it('is the taxonomy of both runs: the causes are its launcher ids, the findings its sweep ids', () => {
    expect(CAUSES).toEqual(CATALOGUE.filter((c) => c.scope === 'launcher' && c.runs.includes('diagnosis')).map((c) => c.id));
    expect(Object.keys(FINDINGS).sort()).toEqual(CATALOGUE.filter((c) => c.runs.includes('sweep') && c.severity !== 'none').map((c) => c.id).sort());
  });

  it('names every cause the launch-failure state machine routes on', () => {
    const asl = readFileSync(join(ROOT, 'statemachines', 'launch-failure.asl.json'), 'utf8');
    const routed = [...asl.matchAll(/"Variable": "\$\.diagnosis\.cause",\s*"StringEquals": "([^"]+)"/g)].map((m) => m[1]);
    expect(routed.length).toBeGreaterThan(0);
    expect(routed.filter((id) => !CAUSES.includes(id!))).toEqual([]);
  });

  it('gives every check that starts a workflow the permissions of its fix, and every check at least one fact', () => {
    expect(CATALOGUE.filter((c) => c.workflow === 'launch-failure' && c.fixPermissions.length === 0).map((c) => c.id)).toEqual([]);
    expect(CATALOGUE.filter((c) => c.facts.length === 0 || checkPermissions(c).length === 0).map((c) => c.id)).toEqual([]);
  });

  it('always decides something about a launcher (the last checks cover what the others leave)', () => {
    const world = launchWorld();
    expect(firstResult('launcher', 'diagnosis', world)?.id).toBe('missing-grant');
    world.keys[0]!.grantPresent = true;
    expect(firstResult('launcher', 'diagnosis', world)?.id).toBe('grant-present');
  });

  it('is documented once, in docs/checks.md: the generated table is current (npm run docs:checks)', () => {
    expect(doc).toContain(TABLE_BEGIN);
    expect(doc).toContain(TABLE_END);
    expect(withChecksTable(doc)).toBe(doc);
    expect(renderChecksTable()).toContain('`missing-grant`');
  });

  it('explains every check in docs/checks.md, and no check that does not exist', () => {
    const explained = [...doc.matchAll(/^### `([a-z0-9-]+)`$/gm)].map((m) => m[1]);
    expect(explained.sort()).toEqual(CATALOGUE.map((c) => c.id).sort());
  });
});
