import { resultsOf } from '../../../../core/checks';
import { grantDead } from '../../../../core/checks/grant-dead';
import { grantName } from '../../../../core/grants';
import { CMK_ARN, MEMBER, slrArn } from '../../../fixtures/aws';
import { deadGrant, grant, keyWorld } from './grant-world';

describe('check grant-dead', () => {
  it('reports a grant whose grantee KMS shows as a unique id, with its evidence, and repairs it for the current role without revoking it by default', () => {
    const [result, ...rest] = resultsOf(grantDead, keyWorld([deadGrant()]));
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ id: 'grant-dead', status: 'remediable', severity: 'medium', resource: `${CMK_ARN}/grant/g-dead`, account: MEMBER });
    expect(result!.evidence).toContain('for AROAYAAAAAAAAAAAAAAAA, created by arn:aws:iam::111111111111:root');
    expect(result!.repair).toEqual({ account: MEMBER, serviceLinkedRoleArn: slrArn(), createServiceLinkedRole: false, revokeGrantIds: [] });
    expect(result!.fix).toContain(`create ${grantName(slrArn())}`);
  });

  it('revokes it only under the revoke policy; and makes no new grant when the current role already holds one', () => {
    expect(resultsOf(grantDead, keyWorld([deadGrant()], 'revoke'))[0]!.repair?.revokeGrantIds).toEqual(['g-dead']);
    const covered = resultsOf(grantDead, keyWorld([deadGrant(), grant('g-new', { name: grantName(slrArn()) })]))[0]!;
    expect(covered).toMatchObject({ status: 'finding' });
    expect(covered.repair).toBeUndefined();
  });

  it('finds nothing when every grantee is an ARN', () => {
    expect(resultsOf(grantDead, keyWorld([grant('g')]))).toEqual([]);
  });
});
