/**
 * Can a member account create the Auto Scaling grant on the central key? Reads the key policy the
 * way KMS evaluates a direct, cross-account CreateGrant call: an explicit Deny wins; otherwise some
 * Allow statement must name the member (account, root, a principal in it, or `*` under conditions
 * that hold) for kms:CreateGrant. The classic trap is a `kms:GrantIsForAWSResource: true`
 * condition: it is false for a principal's own CreateGrant call, so that statement never applies.
 */
import { REQUIRED_GRANT_OPERATIONS } from './grants';

export interface GrantCall {
  /** The account making the call (the member) and the principal it calls as. */
  callerAccount: string;
  callerArn: string;
  granteePrincipal: string;
  operations: readonly string[];
  organizationId?: string;
}

export type Verdict = 'allowed' | 'blocked' | 'unknown';

export interface PolicyAnalysis {
  verdict: Verdict;
  /** Why members are blocked, statement by statement (empty when allowed). */
  reasons: string[];
  /** The statement to merge into the key policy, when blocked. */
  fix?: string;
}

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function analyzeCreateGrant(policyDocument: string | undefined, call: GrantCall): PolicyAnalysis {
  if (!policyDocument) return { verdict: 'unknown', reasons: ['the key policy could not be read'] };
  let statements: Statement[];
  try {
    const doc = JSON.parse(policyDocument) as Json;
    const raw = doc.Statement;
    statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Statement[];
  } catch {
    return { verdict: 'unknown', reasons: ['the key policy is not valid JSON'] };
  }

  const reasons: string[] = [];
  let allowed = false;
  for (const [index, st] of statements.entries()) {
    const label = st.Sid ? `statement "${st.Sid}"` : `statement ${index + 1}`;
    if (!actionMatches(st, 'kms:CreateGrant') || !principalMatches(st.Principal, call)) continue;
    const unmet = unmetConditions(st.Condition ?? {}, call);
    if (st.Effect === 'Deny' && unmet.length === 0) {
      return { verdict: 'blocked', reasons: [`${label} denies kms:CreateGrant to ${call.callerAccount}`], fix: recommendedFix(call) };
    }
    if (st.Effect !== 'Allow') continue;
    if (unmet.length === 0) allowed = true;
    else reasons.push(`${label} allows kms:CreateGrant to ${call.callerAccount} only when ${unmet.join('; ')}`);
  }
  if (allowed) return { verdict: 'allowed', reasons: [] };
  if (reasons.length === 0) reasons.push(`no statement allows kms:CreateGrant to account ${call.callerAccount}`);
  return { verdict: 'blocked', reasons, fix: recommendedFix(call) };
}

/** The key-policy statement amiwarden recommends: members may create exactly the Auto Scaling grant, for their own role. */
export function recommendedCreateGrantStatement(organizationId?: string): Json {
  return {
    Sid: 'AllowOrganizationAccountsToGrantAutoScaling',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:PrincipalOrgID': organizationId ?? 'o-EXAMPLE' },
      StringLike: {
        'kms:GranteePrincipal': 'arn:aws:iam::${aws:PrincipalAccount}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling*',
      },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': [...REQUIRED_GRANT_OPERATIONS] },
    },
  };
}

function recommendedFix(call: GrantCall): string {
  return keyPolicyFix(call.organizationId);
}

/** The fix for a key policy that keeps members from creating the Auto Scaling grant, in words and JSON. */
export function keyPolicyFix(organizationId?: string): string {
  return (
    'Add this statement to the central key policy (and keep any kms:GrantIsForAWSResource condition off it): ' +
    JSON.stringify(recommendedCreateGrantStatement(organizationId))
  );
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
  return new RegExp(re, caseInsensitive ? 'i' : '').test(value);
}

function actionMatches(st: Statement, action: string): boolean {
  if (st.NotAction !== undefined) return !list(st.NotAction).some((a) => wildcard(a, action, true));
  return list(st.Action).some((a) => wildcard(a, action, true));
}

function principalMatches(principal: unknown, call: GrantCall): boolean {
  if (principal === '*') return true;
  const aws = principal && typeof principal === 'object' ? (principal as Json).AWS : undefined;
  return list(aws).some((p) => {
    if (p === '*') return true;
    if (p === call.callerAccount) return true;
    if (p === `arn:aws:iam::${call.callerAccount}:root` || /^arn:[\w-]+:iam::(\d{12}):root$/.exec(p)?.[1] === call.callerAccount) return true;
    return p === call.callerArn;
  });
}

/** Conditions of a statement that do not hold for this call, in words. Unknown keys do not hold (fail closed). */
function unmetConditions(conditions: Record<string, Record<string, unknown>>, call: GrantCall): string[] {
  const context: Record<string, string[] | undefined> = {
    'aws:principalaccount': [call.callerAccount],
    'kms:calleraccount': [call.callerAccount],
    'aws:principalarn': [call.callerArn],
    'aws:principalorgid': call.organizationId ? [call.organizationId] : undefined,
    'kms:granteeprincipal': [call.granteePrincipal],
    'kms:grantoperations': [...call.operations],
    'kms:grantisforawsresource': ['false'],
    'kms:viaservice': [],
  };
  const unmet: string[] = [];
  for (const [operator, entries] of Object.entries(conditions)) {
    for (const [rawKey, rawValues] of Object.entries(entries ?? {})) {
      const key = rawKey.toLowerCase();
      const expected = list(rawValues).map((v) => v.replace(/\$\{aws:PrincipalAccount\}/g, call.callerAccount));
      const actual = context[key];
      if (key === 'aws:principalorgid' && actual === undefined) continue; // organization unknown here: not held against it
      if (actual === undefined || !holds(operator, actual, expected)) {
        unmet.push(key === 'kms:grantisforawsresource' ? `${rawKey} is true (it is false for a member's own CreateGrant call)` : `${operator} ${rawKey} ${JSON.stringify(expected)}`);
      }
    }
  }
  return unmet;
}

function holds(operator: string, actual: string[], expected: string[]): boolean {
  const [qualifier, base] = operator.includes(':') ? (operator.split(':') as [string, string]) : ['', operator];
  const test = (value: string): boolean => {
    switch (base.replace(/IfExists$/, '')) {
      case 'StringEquals':
      case 'ArnEquals':
        return expected.includes(value);
      case 'StringEqualsIgnoreCase':
        return expected.some((e) => e.toLowerCase() === value.toLowerCase());
      case 'StringLike':
      case 'ArnLike':
        return expected.some((e) => wildcard(e, value));
      case 'StringNotEquals':
        return !expected.includes(value);
      case 'StringNotLike':
        return !expected.some((e) => wildcard(e, value));
      case 'Bool':
        return expected.some((e) => e.toLowerCase() === value.toLowerCase());
      default:
        return false;
    }
  };
  if (qualifier === 'ForAllValues') return actual.every(test);
  if (qualifier === 'ForAnyValue') return actual.some(test);
  if (base === 'Null') return expected.includes(String(actual.length === 0));
  return actual.length > 0 && actual.every(test);
}
