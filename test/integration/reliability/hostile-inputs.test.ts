/**
 * Every malformed or hostile input of test/fixtures/hostile-inputs.ts, sent into a live world where
 * a real grant is missing (the bait: anything that slips through would create it), is refused with
 * a typed, named error — returned by the handler, or recorded by the state machine on its failure
 * path with the original input — or ends in a named outcome, and causes no mutating AWS call.
 */
import { HOSTILE_INPUTS, WORKFLOW_TARGETS } from '../../fixtures/hostile-inputs';
import { REGIONS } from '../../../local/organization';
import { HANDLERS, useHostileWorld } from './hostile-harness';
import { copiesOf, grantsOn, launchPermissionsOf } from './support';

const { world, hostile, refusedAsExpected } = useHostileWorld();

describe('hostile and malformed input changes nothing', () => {
  it('the corpus holds at least 60 inputs across every target', () => {
    expect(HOSTILE_INPUTS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(HOSTILE_INPUTS.map((h) => h.target))).toEqual(new Set([...WORKFLOW_TARGETS, ...Object.keys(HANDLERS)]));
    expect(new Set(HOSTILE_INPUTS.map((h) => `${h.target}: ${h.name}`)).size).toBe(HOSTILE_INPUTS.length);
  });

  it.each(HOSTILE_INPUTS.map((h) => [`${h.target}: ${h.name}`, h] as const))('%s', async (_label, entry) => refusedAsExpected(entry), 20_000);

  it('after the whole corpus, the bait is untouched: no grant exists on any key, the aws/ebs AMI has no copy, nothing is shared further', async () => {
    for (const region of REGIONS) expect(await grantsOn(world.get(), undefined, region)).toEqual([]);
    expect(await copiesOf(world.get(), hostile().awsManagedImageId)).toEqual([]);
    expect(await launchPermissionsOf(world.get(), hostile().awsManagedImageId)).toEqual([]);
    expect(await launchPermissionsOf(world.get(), hostile().goldenImageId)).toEqual(world.get().org.members.map((m) => m.account).sort());
  });
});
