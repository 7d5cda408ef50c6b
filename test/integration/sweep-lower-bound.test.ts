/**
 * The benchmark's lower bound of the sweep's calls (bench/lower-bound.ts) is honest for the world it
 * builds: the sweep, on the emulator, makes exactly the calls of each term of the bound, action by
 * action. A term the bound forgot (a fact the catalogue reads and the bound does not count), or a call
 * the sweep makes that no fact needs, fails here; the figures at scale are BENCHMARKS.md's.
 */
import { measureSweep } from '../../bench/sweep';

describe('the sweep benchmark’s lower bound', () => {
  it('counts, action by action, the calls the sweep of 30 AMIs over 4 keys and 2 member accounts makes', async () => {
    const cost = await measureSweep(30);

    expect(cost.status).toMatch(/^SUCCEEDED/);
    expect(cost.callsByAction).toEqual(cost.boundByAction);
    expect(cost.apiCalls).toBe(cost.lowerBound);
    // The terms the catalogue's newer facts added: Allowed AMIs per member region, KMS's DryRun of each
    // ungranted role's CreateGrant, and a GetRole per distinct service-linked role (the default and a custom one).
    expect(cost.boundByAction).toMatchObject({ 'ec2:GetAllowedImagesSettings': 2, 'kms:CreateGrant(DryRun)': 2, 'iam:GetRole': 3, 'sts:AssumeRole': 2 });
  }, 180_000);
});
