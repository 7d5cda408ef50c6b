import { resultsOf } from '../../../../core/checks';
import { grantDuplicate } from '../../../../core/checks/grant-duplicate';
import { grantName } from '../../../../core/grants';
import { slrArn } from '../../../fixtures/aws';
import { grant, keyWorld } from './grant-world';

describe('check grant-duplicate', () => {
  const grants = [grant('other', { creationDate: '2025-01-01T00:00:00.000Z' }), grant('ours', { name: grantName(slrArn()) })];

  it('keeps amiwarden’s named grant and reports the other, a finding only under the default policy', () => {
    const results = resultsOf(grantDuplicate, keyWorld(grants));
    expect(results.map((r) => [r.resource.split('/').pop(), r.status, r.repair])).toEqual([['other', 'finding', undefined]]);
  });

  it('under revoke, a repair that revokes it (and makes no new grant)', () => {
    expect(resultsOf(grantDuplicate, keyWorld(grants, 'revoke'))[0]!.repair).toEqual({ account: '111111111111', createServiceLinkedRole: false, revokeGrantIds: ['other'] });
  });
});
