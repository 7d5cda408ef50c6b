/**
 * The benchmark's lower bound of the sweep's calls (bench/lower-bound.ts) is honest for the world it
 * builds: the sweep, on the emulator, makes exactly the calls of each term of the bound, action by
 * action. A term the bound forgot (a fact the catalogue reads and the bound does not count), or a call
 * the sweep makes that no fact needs, fails here; the figures at scale are BENCHMARKS.md's.
 */
import { measureSweep } from '../../bench/sweep';
import { measureSweepScale } from '../../bench/sweep-scale';

describe('the sweep benchmark’s lower bound', () => {
  // Each case configures the handlers afresh (a cold start): jest's module registry must forget them.
  beforeEach(() => jest.resetModules());

  it('counts, action by action, the calls the sweep of 30 AMIs over 4 keys and 2 member accounts makes', async () => {
    const cost = await measureSweep(30);

    expect(cost.status).toMatch(/^SUCCEEDED/);
    expect(cost.callsByAction).toEqual(cost.boundByAction);
    expect(cost.apiCalls).toBe(cost.lowerBound);
    // The terms the catalogue's newer facts added: Allowed AMIs per member region, KMS's DryRun of each
    // ungranted role's CreateGrant, and a GetRole per distinct service-linked role (the default and a custom one).
    expect(cost.boundByAction).toMatchObject({ 'ec2:GetAllowedImagesSettings': 2, 'kms:CreateGrant(DryRun)': 2, 'iam:GetRole': 3, 'sts:AssumeRole': 2 });
  }, 180_000);

  it('counts one member session per account, not per account and Region: one AssumeRole and one Organizations check each over 2 Regions', async () => {
    const cost = await measureSweep(30, () => {}, { regions: ['us-east-1', 'eu-west-1'], organization: true });

    expect(cost.status).toMatch(/^SUCCEEDED/);
    expect(cost.regions).toBe(2);
    expect(cost.callsByAction).toEqual(cost.boundByAction);
    expect(cost.apiCalls).toBe(cost.lowerBound);
    // 2 member accounts: a session each (valid in every Region), the Regions' own reads twice each.
    expect(cost.boundByAction).toMatchObject({ 'sts:AssumeRole': 2, 'organizations:DescribeAccount': 2, 'autoscaling:DescribeAutoScalingGroups': 4, 'ec2:GetAllowedImagesSettings': 4 });
  }, 240_000);

  it('at 17 Regions, more than the batch size (10): each child takes a whole account of 17 targets, inspected for real, and the calls are the bound', async () => {
    const entry = await measureSweepScale({ accounts: 3, regions: 17, amis: 10, stub: false });

    expect(entry.status).toMatch(/^SUCCEEDED/);
    expect([entry.regions, entry.mapChildren]).toEqual([17, 3]);
    expect(entry.callsByAction).toEqual(entry.boundByAction);
    expect(entry.apiCalls).toBe(entry.lowerBound);
    // One session per account (this world has no organization: no membership check), each Region's reads once a target.
    expect(entry.boundByAction).toMatchObject({ 'sts:AssumeRole': 3, 'autoscaling:DescribeAutoScalingGroups': 51 });
  }, 240_000);
});
