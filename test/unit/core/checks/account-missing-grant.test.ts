import { resultsOf } from '../../../../core/checks';
import { accountMissingGrant } from '../../../../core/checks/account-missing-grant';
import { MEMBER, slrArn } from '../../../fixtures/aws';
import { accountWorld } from './grant-world';

describe('check account-missing-grant', () => {
  it('gives a new account’s existing Auto Scaling role its grant before its first launch; an ordinary sweep does not', () => {
    expect(resultsOf(accountMissingGrant, accountWorld())).toEqual([]);
    const [result] = resultsOf(accountMissingGrant, accountWorld({ newAccount: true }));
    expect(result).toMatchObject({ id: 'account-missing-grant', status: 'remediable', resource: slrArn() });
    expect(result!.repair).toEqual({ account: MEMBER, serviceLinkedRoleArn: slrArn(), createServiceLinkedRole: false, revokeGrantIds: [] });
  });

  it('creates a missing role first only when allowed', () => {
    expect(resultsOf(accountMissingGrant, accountWorld({ exists: false, newAccount: true, createServiceLinkedRole: true }))[0]!.repair?.createServiceLinkedRole).toBe(true);
    expect(resultsOf(accountMissingGrant, accountWorld({ exists: false, newAccount: true, createServiceLinkedRole: false }))).toEqual([]);
  });

  it.each([
    ['the grant is there', { grantPresent: true }],
    ['a group result of the account fixes it', { handled: true }],
  ])('finds nothing when %s', (_label, role) => {
    expect(resultsOf(accountMissingGrant, accountWorld({ newAccount: true, ...role }))).toEqual([]);
  });
});
