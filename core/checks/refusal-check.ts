/** A launcher check for one reason the member role's CreateGrant is refused (core/checks/grant-refusal.ts). */
import { grantName } from '../grants';
import type { RefusalId } from './grant-refusal';
import { grantee, keysNeedingGrant, launcherResource, refusedKeys } from './launch';
import type { Check, FactName } from './types';

export function refusalCheck(id: RefusalId, title: string, facts: readonly FactName[], describeRefusal: (account: string, keys: string, evidence: string) => string): Check<'launcher'> {
  return {
    id,
    scope: 'launcher',
    title,
    severity: 'high',
    facts,
    workflow: null,
    fixPermissions: [],
    runs: ['diagnosis', 'sweep'],
    evaluate(f) {
      const refused = refusedKeys(f, id);
      if (refused.length === 0) return null;
      const principal = grantee(f);
      return {
        id,
        status: 'finding',
        severity: 'high',
        resource: launcherResource(f),
        evidence: describeRefusal(f.account, refused.map((r) => r.key.keyArn).join(', '), refused.map((r) => r.refusal.evidence).join('; ')),
        fix: refused[0]!.refusal.fix,
        grantsNeeded: keysNeedingGrant(f).map((k) => ({ keyArn: k.keyArn, granteePrincipal: principal, name: grantName(principal) })),
      };
    },
  };
}
