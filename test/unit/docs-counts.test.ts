/**
 * The counts the docs quote, kept equal to the real ones: each row finds a claim in README.md or
 * docs/*.md and compares its numbers with what the code and the tests have. A claim reworded or
 * removed fails here too: update its row (or delete it) with the docs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HOSTILE_INPUTS, WORKFLOW_TARGETS, type HostileTarget } from '../fixtures/hostile-inputs';
import { MATRIX } from './security/cases';
import { COMMANDS } from '../../cli/main';

const ROOT = path.resolve(__dirname, '../..');
const doc = (file: string) => readFileSync(path.join(ROOT, file), 'utf8').replace(/\s+/g, ' ');

const GROUPS: Record<string, HostileTarget[]> = {
  'launch-failure': ['launch-failure', 'diagnose-launch-failure', 'grant-key-access', 'verify-key-access'],
  're-encrypt': ['reencrypt-and-share', 'inspect-image', 'copy-image', 'share-image', 'grant-target-access', 'update-launch-templates', 'apply-original-image-policy'],
  sweep: ['compliance-sweep', 'plan-sweep', 'inspect-central-images', 'inspect-member-account', 'write-sweep-report'],
};
const inGroup = (group: string) => HOSTILE_INPUTS.filter((i) => GROUPS[group]!.includes(i.target));
const workflowInputs = (group: string) => inGroup(group).filter((i) => WORKFLOW_TARGETS.includes(i.target)).length;
const handlerInputs = (group: string) => inGroup(group).filter((i) => !WORKFLOW_TARGETS.includes(i.target));
const handlers = (inputs: { target: HostileTarget }[]) => new Set(inputs.map((i) => i.target)).size;

const CLAIMS: { file: string; claim: RegExp; actual: () => number[] }[] = [
  { file: 'README.md', claim: /the (\d+)-case IAM allow\/deny matrix/, actual: () => [MATRIX.length] },
  { file: 'docs/security.md', claim: /All (\d+) cases pass/, actual: () => [MATRIX.length] },
  { file: 'README.md', claim: /a corpus of (\d+) hostile inputs/, actual: () => [HOSTILE_INPUTS.length] },
  {
    file: 'docs/reliability.md',
    claim: /(\d+) inputs \((\d+) launch-failure; (\d+) re-encrypt: (\d+) workflow input, (\d+) to its (\d+) handlers; (\d+) sweep: (\d+) workflow input, (\d+) to its (\d+) handlers\) across (\d+) workflows and (\d+) handlers/,
    actual: () => [
      HOSTILE_INPUTS.length,
      inGroup('launch-failure').length,
      inGroup('re-encrypt').length,
      workflowInputs('re-encrypt'),
      handlerInputs('re-encrypt').length,
      handlers(handlerInputs('re-encrypt')),
      inGroup('sweep').length,
      workflowInputs('sweep'),
      handlerInputs('sweep').length,
      handlers(handlerInputs('sweep')),
      new Set(HOSTILE_INPUTS.filter((i) => WORKFLOW_TARGETS.includes(i.target)).map((i) => i.target)).size,
      handlers(HOSTILE_INPUTS.filter((i) => !WORKFLOW_TARGETS.includes(i.target))),
    ],
  },
  { file: 'docs/cli.md', claim: /The CLI's (\d+) commands/, actual: () => [COMMANDS.length] },
];

describe('the counts the docs quote', () => {
  it('covers every hostile input in one of the groups the docs count', () => {
    expect(Object.values(GROUPS).flat().sort()).toEqual([...new Set(HOSTILE_INPUTS.map((i) => i.target))].sort());
  });

  it.each(CLAIMS.map((c) => [`${c.file}: ${c.claim.source.slice(0, 60)}`, c] as const))('%s', (_, c) => {
    const found = c.claim.exec(doc(c.file));
    if (!found) throw new Error(`${c.file} no longer says ${c.claim}: update or remove this row`);
    expect(found.slice(1).map(Number)).toEqual(c.actual());
  });
});
