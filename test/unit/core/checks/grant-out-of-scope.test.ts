import { resultsOf } from '../../../../core/checks';
import { grantOutOfScope } from '../../../../core/checks/grant-out-of-scope';
import { slrArn } from '../../../fixtures/aws';
import { GONE, grant, keyWorld } from './grant-world';

describe('check grant-out-of-scope', () => {
  it('reports the grant of an account that is not an active account amiwarden serves, kept by default', () => {
    const [result] = resultsOf(grantOutOfScope, keyWorld([grant('g', { granteePrincipal: slrArn(GONE), issuingAccount: `arn:aws:iam::${GONE}:root` })]));
    expect(result).toMatchObject({ id: 'grant-out-of-scope', status: 'finding', account: GONE });
    expect(result!.evidence).toContain(`account ${GONE} is not an active account of the organization`);
    expect(result!.repair).toBeUndefined();
  });

  it('judges nothing when the sweep did not list the organization', () => {
    const world = keyWorld([grant('g', { granteePrincipal: slrArn(GONE) })]);
    world.grantHealth!.scope.accounts = null;
    expect(resultsOf(grantOutOfScope, world)).toEqual([]);
  });
});
