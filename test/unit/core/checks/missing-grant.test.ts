import { resultsOf } from '../../../../core/checks';
import { missingGrant } from '../../../../core/checks/missing-grant';
import { grantName } from '../../../../core/grants';
import { CMK_ARN, slrArn } from '../../../fixtures/aws';
import { launchWorld } from './world';

describe('check missing-grant', () => {
  it('names the grant the launcher’s role needs on the organization key', () => {
    const result = resultsOf(missingGrant, launchWorld())[0];
    expect(result).toMatchObject({ id: 'missing-grant', status: 'remediable', severity: 'high', resource: 'autoScalingGroup/web' });
    expect(result!.grantsNeeded).toEqual([{ keyArn: CMK_ARN, granteePrincipal: slrArn(), name: grantName(slrArn()) }]);
  });

  it('grants to the role the launcher names (a custom suffix)', () => {
    const facts = launchWorld();
    facts.launcher!.principal!.arn = slrArn(undefined, 'web');
    expect(resultsOf(missingGrant, facts)[0]!.grantsNeeded![0]!.granteePrincipal).toBe(slrArn(undefined, 'web'));
  });

  it.each<[string, (f: ReturnType<typeof launchWorld>) => void]>([
    ['the grant is there', (f) => (f.keys[0]!.grantPresent = true)],
    ['the key is not a configured central key', (f) => (f.keys[0]!.managed = false)],
    ['the image is not encrypted', (f) => (f.images[0]!.snapshots[0] = { snapshotId: 'snap-0b80955e4f7052f72', encrypted: false })],
  ])('finds nothing when %s', (_label, change) => {
    const facts = launchWorld();
    change(facts);
    expect(resultsOf(missingGrant, facts)).toEqual([]);
  });
});
