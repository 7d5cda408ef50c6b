/** What the grant-health checks of the organization key share: the issues of its grants, judged once per facts. */
import { judgeGrants, type GrantIssue, type GrantProblem, type GrantScope } from '../grant-health';
import { grantCovers, grantName } from '../grants';
import { parseKeyArn } from '../identifiers';
import type { CentralKeyFacts, CheckResult, FactName, Permission, Severity } from './types';

export const GRANT_FACTS: readonly FactName[] = ['keys.grants', 'organization.accounts'];

/**
 * The repair (functions/repair-grants): the named grant made from the member account, after a
 * live re-read of the key's grants and the account's membership; and `kms:RevokeGrant`, which the
 * repair role holds only when deployed with staleGrantPolicy=revoke (resources/iam.yml, condition
 * RevokeStaleGrants).
 */
export const GRANT_REPAIR_PERMISSIONS: readonly Permission[] = [
  { as: 'central', actions: ['sts:AssumeRole', 'kms:ListGrants', 'organizations:DescribeAccount', 'kms:RevokeGrant'] },
  { as: 'member', actions: ['kms:CreateGrant', 'iam:GetRole', 'iam:CreateServiceLinkedRole'] },
];

const judged = new WeakMap<CentralKeyFacts, GrantIssue[]>();

export function scopeOf(f: CentralKeyFacts): GrantScope {
  return f.grantHealth?.scope ?? { centralAccountId: f.centralAccountId, partition: parseKeyArn(f.keyArn)?.partition ?? 'aws', accounts: null, organizationalUnits: [] };
}

export function issuesOf(f: CentralKeyFacts): GrantIssue[] {
  let issues = judged.get(f);
  if (!issues) judged.set(f, (issues = judgeGrants(f.grants ?? [], scopeOf(f))));
  return issues;
}

/** One result per grant with this problem: its evidence, and the repair the policy allows. */
export function grantResults(f: CentralKeyFacts, problem: GrantProblem, id: string, severity: Exclude<Severity, 'none'>): CheckResult[] {
  const revoke = f.grantHealth?.policy === 'revoke';
  const scope = scopeOf(f);
  return issuesOf(f)
    .filter((i) => i.problem === problem)
    .map((issue) => {
      const g = issue.grant;
      // A new grant only for a role of an account amiwarden serves, and only if no grant covers that role yet.
      const served = issue.account !== null && (scope.accounts === null || scope.accounts.has(issue.account));
      const replaceFor = issue.replaceFor && served && !(f.grants ?? []).some((x) => grantCovers(x, issue.replaceFor!)) ? issue.replaceFor : null;
      const keep = revoke ? 'revoke it (stale-grant policy revoke)' : 'keep it (stale-grant policy keep: revoke it by hand, or deploy with staleGrantPolicy=revoke)';
      const repair =
        replaceFor || revoke
          ? {
              ...(issue.account && issue.account !== f.centralAccountId ? { account: issue.account } : {}),
              ...(replaceFor ? { serviceLinkedRoleArn: replaceFor } : {}),
              createServiceLinkedRole: false,
              revokeGrantIds: revoke ? [g.grantId] : [],
            }
          : undefined;
      return {
        id,
        status: repair ? ('remediable' as const) : ('finding' as const),
        severity,
        resource: `${f.keyArn}/grant/${g.grantId}`,
        evidence: issue.evidence,
        fix: `${replaceFor ? `create ${grantName(replaceFor)} for ${replaceFor}, then ` : ''}${keep}`,
        ...(issue.account ? { account: issue.account } : {}),
        ...(repair ? { repair } : {}),
      };
    });
}
