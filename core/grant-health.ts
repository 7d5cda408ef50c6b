/**
 * Grant health: what the grants on an organization key say once they exist. Pure decisions over a
 * key's grants (services/sweep.ts gathers them, services/grant-health.ts repairs):
 *
 * - dead: the grantee is no longer a principal's ARN but a unique id (`AROA…`): the role it was made
 *   for was deleted (and maybe re-created with the same ARN); it gives the current role nothing;
 * - incomplete: an Auto Scaling service-linked role's only grants lack operations Auto Scaling needs
 *   (or hold only for an encryption context);
 * - duplicate: one role holds more than one grant that covers it;
 * - out of scope: the grant's account is not (any longer) an active account amiwarden serves;
 * - the key's grant count against the 50,000-grants-per-key quota (a finding from 80 %), with the trend.
 *
 * Old grants are removed only under an explicit policy (AMIWARDEN_STALE_GRANT_POLICY = `revoke`);
 * by default (`keep`) they are reported and kept. Documented in docs/grant-health.md.
 */
import { grantCovers, grantName, REQUIRED_GRANT_OPERATIONS } from './grants';
import { parseServiceLinkedRoleArn, serviceLinkedRoleArn, type Partition } from './identifiers';

/** KMS quota "Grants per KMS key" (Developer Guide, Quotas): not adjustable. */
export const GRANTS_PER_KEY = 50_000;
/** The share of the quota from which the key's grant count is a finding. */
export const GRANT_QUOTA_WARNING = 0.8;

export const STALE_GRANT_POLICIES = ['keep', 'revoke'] as const;
/** What happens to a grant amiwarden found dead, incomplete (once replaced), duplicate or out of scope. */
export type StaleGrantPolicy = (typeof STALE_GRANT_POLICIES)[number];

/** A grant on a key as ListGrants shows it (the fields grant health judges). */
export interface ObservedGrant {
  grantId: string;
  name?: string;
  granteePrincipal: string;
  operations: string[];
  /** The grant holds only for a given encryption context. */
  constrained?: true;
  /** The account that created the grant (ListGrants `IssuingAccount`, `arn:…:iam::<id>:root`). */
  issuingAccount?: string;
  /** ISO 8601. */
  creationDate?: string;
}

/** A principal's unique id as KMS shows it once the principal is gone (roles AROA, users AIDA, …). */
const UNIQUE_ID = /^A(ROA|IDA|GPA|NPA|NVA|SCA|PKA|CCA)[A-Z0-9]{12,}$/;
const PRINCIPAL_ARN = /^arn:(aws|aws-cn|aws-us-gov):(iam|sts)::(\d{12}):/;
const ROOT_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):root$/;
/** EBS's grants for attached volumes go to `aws:ec2-infrastructure` sessions: AWS's own, retired by EBS. */
const AWS_SERVICE_SESSION = /^arn:(aws|aws-cn|aws-us-gov):sts::\d{12}:assumed-role\/aws:/;

export const isDeadGrantee = (principal: string): boolean => UNIQUE_ID.test(principal);

/**
 * Is this grant one grant health judges? Grants to an IAM principal (or to one that was deleted);
 * not AWS's own (EBS's grants to `aws:ec2-infrastructure` sessions, service principals), which are
 * only counted. The sweep keeps only these in its inventory, and the count of all.
 */
export const isJudged = (grant: Pick<ObservedGrant, 'granteePrincipal'>): boolean =>
  !AWS_SERVICE_SESSION.test(grant.granteePrincipal) && (PRINCIPAL_ARN.test(grant.granteePrincipal) || isDeadGrantee(grant.granteePrincipal));

/** The account a grant belongs to: its grantee's, else (dead grantee) the account that created it, else amiwarden's name for it. */
export function accountOfGrant(grant: Pick<ObservedGrant, 'granteePrincipal' | 'issuingAccount' | 'name'>): string | null {
  const arn = PRINCIPAL_ARN.exec(grant.granteePrincipal);
  if (arn) return arn[3]!;
  const issuer = grant.issuingAccount ? ROOT_ARN.exec(grant.issuingAccount) : null;
  if (issuer) return issuer[2]!;
  return amiwardenRoleOf(grant)?.account ?? null;
}

/** The role an amiwarden grant was made for, read back from its name (`amiwarden:<account>:<role name>`, core/grants.ts grantName). */
export function amiwardenRoleOf(grant: Pick<ObservedGrant, 'name'>): { account: string; roleName: string } | null {
  const m = /^amiwarden:(\d{12}):([\w+=,.@-]{1,64})$/.exec(grant.name ?? '');
  return m ? { account: m[1]!, roleName: m[2]! } : null;
}

/** The Auto Scaling service-linked role a dead grant was made for, when its name says so. */
export function deadGrantRole(grant: ObservedGrant, partition: Partition): string | null {
  const role = amiwardenRoleOf(grant);
  if (!role || !/^AWSServiceRoleForAutoScaling(_[\w+=,.@-]+)?$/.test(role.roleName)) return null;
  const suffix = role.roleName.length > 'AWSServiceRoleForAutoScaling'.length ? role.roleName.slice('AWSServiceRoleForAutoScaling_'.length) : undefined;
  return serviceLinkedRoleArn(partition, role.account, suffix);
}

export const missingOperations = (grant: Pick<ObservedGrant, 'operations'>): string[] => REQUIRED_GRANT_OPERATIONS.filter((op) => !grant.operations.includes(op));

export type GrantProblem = 'dead' | 'incomplete' | 'duplicate' | 'out-of-scope';

export interface GrantIssue {
  problem: GrantProblem;
  grant: ObservedGrant;
  /** The account the grant belongs to (see accountOfGrant). */
  account: string | null;
  /** The role that should hold a correct grant instead, when amiwarden knows it. */
  replaceFor: string | null;
  /** Evidence, in words. */
  evidence: string;
}

export interface GrantScope {
  centralAccountId: string;
  partition: Partition;
  /**
   * The accounts amiwarden serves now (active, in the target OUs), as Organizations listed them;
   * null when the sweep did not list the organization (a sweep of named accounts): no out-of-scope
   * judgement then.
   */
  accounts: ReadonlySet<string> | null;
  /** The OUs that define the scope (AMIWARDEN_SWEEP_OUS), for the evidence. */
  organizationalUnits: readonly string[];
}

const describeGrant = (g: ObservedGrant) =>
  `grant ${g.grantId}${g.name ? ` (${g.name})` : ''} for ${g.granteePrincipal}${g.issuingAccount ? `, created by ${g.issuingAccount}` : ''}${g.creationDate ? ` on ${g.creationDate}` : ''}, operations ${g.operations.join(' ') || 'none'}`;

/** Judges every grant of one key. A grant has at most one problem, the most fundamental first. */
export function judgeGrants(grants: readonly ObservedGrant[], scope: GrantScope): GrantIssue[] {
  const issues: GrantIssue[] = [];
  const covering = new Map<string, ObservedGrant[]>();
  for (const g of grants) if (grantCovers(g, g.granteePrincipal)) covering.set(g.granteePrincipal, [...(covering.get(g.granteePrincipal) ?? []), g]);

  for (const grant of grants) {
    if (!isJudged(grant)) continue; // AWS's own, or a service principal
    const account = accountOfGrant(grant);
    if (account !== null && account !== scope.centralAccountId && scope.accounts !== null && !scope.accounts.has(account)) {
      const where = scope.organizationalUnits.length > 0 ? `an active account of the organization under ${scope.organizationalUnits.join(', ')}` : 'an active account of the organization';
      issues.push({ problem: 'out-of-scope', grant, account, replaceFor: null, evidence: `${describeGrant(grant)}: account ${account} is not ${where} (Organizations, this sweep)` });
      continue;
    }
    if (isDeadGrantee(grant.granteePrincipal)) {
      const role = deadGrantRole(grant, scope.partition);
      issues.push({
        problem: 'dead',
        grant,
        account,
        replaceFor: role,
        evidence: `${describeGrant(grant)}: the grantee is the unique id of a principal that was deleted (or deleted and re-created); it gives the current ${role ?? 'role'} nothing`,
      });
      continue;
    }
    const slr = parseServiceLinkedRoleArn(grant.granteePrincipal);
    if (!slr) continue; // someone else's grant to another principal: not amiwarden's to judge
    const covers = covering.get(grant.granteePrincipal) ?? [];
    if (covers.length === 0) {
      const missing = missingOperations(grant);
      issues.push({
        problem: 'incomplete',
        grant,
        account,
        replaceFor: slr.arn,
        evidence: `${describeGrant(grant)}: ${missing.length > 0 ? `lacks ${missing.join(', ')}` : 'holds only for an encryption context'}, and no other grant gives ${slr.roleName} what Auto Scaling needs`,
      });
      continue;
    }
    if (covers.length > 1 && covers.includes(grant) && grant !== keeper(covers, grant.granteePrincipal)) {
      const kept = keeper(covers, grant.granteePrincipal);
      issues.push({ problem: 'duplicate', grant, account, replaceFor: null, evidence: `${describeGrant(grant)}: ${slr.roleName} also holds ${kept.grantId}${kept.name ? ` (${kept.name})` : ''}, which covers it` });
    }
  }
  return issues;
}

/** Of several grants covering one role, the one kept: amiwarden's named grant, else the oldest, else the first listed. */
function keeper(covers: ObservedGrant[], grantee: string): ObservedGrant {
  const named = covers.find((g) => g.name === grantName(grantee));
  if (named) return named;
  return [...covers].sort((a, b) => (a.creationDate ?? '').localeCompare(b.creationDate ?? '') || a.grantId.localeCompare(b.grantId))[0]!;
}

/** Which of a key's issues a repair may remove, under the policy: none under `keep`. */
export function grantsToRevoke(issues: readonly GrantIssue[], policy: StaleGrantPolicy): string[] {
  return policy === 'revoke' ? issues.map((i) => i.grant.grantId) : [];
}

// ---------------------------------------------------------------------------------------------
// The quota

export interface GrantCountPoint {
  at: string;
  count: number;
}

export interface QuotaJudgement {
  count: number;
  quota: number;
  share: number;
  /** From the previous sweep, when one recorded the count. */
  previous: GrantCountPoint | null;
  /** Grants per day since the previous point (negative: shrinking). */
  perDay: number | null;
  /** At that rate, days until the quota is reached (only while growing). */
  daysToQuota: number | null;
  atRisk: boolean;
  evidence: string;
}

/** The key's grant count against the quota, with the trend since the previous recorded count. */
export function judgeQuota(count: number, at: string, history: readonly GrantCountPoint[]): QuotaJudgement {
  const previous = [...history].filter((p) => p.at < at).sort((a, b) => a.at.localeCompare(b.at)).pop() ?? null;
  const days = previous ? (Date.parse(at) - Date.parse(previous.at)) / 86_400_000 : 0;
  const perDay = previous && days > 0 ? (count - previous.count) / days : null;
  const daysToQuota = perDay !== null && perDay > 0 ? Math.max(0, (GRANTS_PER_KEY - count) / perDay) : null;
  const share = count / GRANTS_PER_KEY;
  const trend = previous
    ? `${count - previous.count >= 0 ? '+' : ''}${count - previous.count} since ${previous.at} (${previous.count})${perDay !== null ? `, ${round(perDay)} a day` : ''}${daysToQuota !== null ? `, the quota in about ${Math.floor(daysToQuota)} day(s) at that rate` : ''}`
    : 'no earlier count recorded';
  return {
    count,
    quota: GRANTS_PER_KEY,
    share,
    previous,
    perDay,
    daysToQuota,
    atRisk: share >= GRANT_QUOTA_WARNING,
    evidence: `${count} of ${GRANTS_PER_KEY} grants (${Math.floor(share * 1000) / 10} %); ${trend}`,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The history kept between sweeps: the newest points per key, oldest first. */
export function recordCount(history: readonly GrantCountPoint[], point: GrantCountPoint, keep = 60): GrantCountPoint[] {
  return [...history.filter((p) => p.at !== point.at), point].sort((a, b) => a.at.localeCompare(b.at)).slice(-keep);
}
