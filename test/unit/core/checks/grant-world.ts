/** The organization key of one Region and its grants, as the sweep sees them: each test says how its world differs. */
import type { ObservedGrant } from '../../../../core/grant-health';
import { REQUIRED_GRANT_OPERATIONS, grantName } from '../../../../core/grants';
import type { AccountFacts, CentralKeyFacts } from '../../../../core/checks/types';
import { CENTRAL, CMK_ARN, MEMBER, REGION, slrArn } from '../../../fixtures/aws';

export const GONE = '333333333333';

export const grant = (id: string, rest: Partial<ObservedGrant> = {}): ObservedGrant => ({
  grantId: id,
  granteePrincipal: slrArn(),
  operations: [...REQUIRED_GRANT_OPERATIONS],
  issuingAccount: `arn:aws:iam::${MEMBER}:root`,
  creationDate: '2026-01-01T00:00:00.000Z',
  ...rest,
});

export const deadGrant = (id = 'g-dead') => grant(id, { granteePrincipal: 'AROAYAAAAAAAAAAAAAAAA', name: grantName(slrArn()) });

export function keyWorld(grants: ObservedGrant[], policy: 'keep' | 'revoke' = 'keep'): CentralKeyFacts {
  return {
    region: REGION,
    centralAccountId: CENTRAL,
    keyArn: CMK_ARN,
    policy: null,
    grants,
    grantCount: grants.length,
    grantHealth: { scope: { centralAccountId: CENTRAL, partition: 'aws', accounts: new Set([MEMBER]), organizationalUnits: [] }, policy, at: '2026-03-11T00:00:00.000Z', history: [] },
  };
}

export function accountWorld(role: Partial<NonNullable<AccountFacts['autoScalingRole']>> = {}): AccountFacts {
  return {
    account: MEMBER,
    region: REGION,
    partition: 'aws',
    centralAccountId: CENTRAL,
    memberRole: { available: true },
    autoScalingRole: { arn: slrArn(), exists: true, keyArn: CMK_ARN, grantPresent: false, handled: false, newAccount: false, createServiceLinkedRole: false, ...role },
  };
}
