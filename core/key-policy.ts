/**
 * Can a member account create the Auto Scaling grant on the central key? Reads the key policy the
 * way KMS evaluates a direct, cross-account CreateGrant call: an explicit Deny wins; otherwise some
 * Allow statement must name the member (account, root, a principal in it, or `*` under conditions
 * that hold) for kms:CreateGrant. The classic trap is a `kms:GrantIsForAWSResource: true`
 * condition: it is false for a principal's own CreateGrant call, so that statement never applies.
 */
import { REQUIRED_GRANT_OPERATIONS } from './grants';
import { parseServiceLinkedRoleArn, type Partition } from './identifiers';
import { LAUNCH_ROLES } from './launch-roles';

export interface GrantCall {
  /** The account making the call (the member) and the principal it calls as. */
  callerAccount: string;
  callerArn: string;
  granteePrincipal: string;
  operations: readonly string[];
  organizationId?: string;
  /** The AWS service the call comes through (kms:ViaService), if any: a member's launch uses the key through EC2. */
  viaService?: string;
  /** How reasons name the caller (default: its account id), e.g. "any account of o-… not named in the policy". */
  callerLabel?: string;
}

export type Verdict = 'allowed' | 'blocked' | 'unknown';

export interface PolicyAnalysis {
  verdict: Verdict;
  /** Why members are blocked, statement by statement (empty when allowed). */
  reasons: string[];
  /** The statement to merge into the key policy, when blocked (absent when a Deny blocks: no Allow lifts it). */
  fix?: string;
  /** The statement whose explicit Deny blocks the call, if one does. */
  deniedBy?: string;
  /** What the verdict took for granted, in words (e.g. the caller's organization). */
  assumptions?: string[];
}

/**
 * aws:PrincipalOrgID when the caller's organization is not known here. One assumption, the same for
 * Allow and Deny statements: the caller is in the organization the policy names. A policy that
 * names several organizations (or a pattern) gives no single assumption: those conditions stay unknown.
 */
export function organizationAssumption(policyDocument: string | undefined): { organizationId?: string; statement?: string } {
  const statements = parseStatements(policyDocument) ?? [];
  const named = new Set<string>();
  for (const st of statements) {
    for (const entries of Object.values(st.Condition ?? {})) {
      for (const [key, values] of Object.entries(entries ?? {})) if (key.toLowerCase() === 'aws:principalorgid') list(values).forEach((v) => named.add(v));
    }
  }
  if (named.size === 0) return {};
  const [only] = [...named];
  if (named.size === 1 && !/[*?$]/.test(only!)) {
    return { organizationId: only!, statement: `aws:PrincipalOrgID was not checked: the members were taken to be in ${only}, the organization the policy names (pass the organization id to check it)` };
  }
  return { statement: `aws:PrincipalOrgID was not checked: the policy names ${[...named].join(', ')}, so its conditions on it are unknown (pass the organization id to check them)` };
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

export function analyzeCreateGrant(policyDocument: string | undefined, given: GrantCall): PolicyAnalysis {
  if (!policyDocument) return { verdict: 'unknown', reasons: ['the key policy could not be read'] };
  const statements = parseStatements(policyDocument);
  if (!statements) return { verdict: 'unknown', reasons: ['the key policy is not valid JSON'] };
  let call = given;
  const assumptions: string[] = [];
  if (!given.organizationId) {
    const assumed = organizationAssumption(policyDocument);
    if (assumed.statement) assumptions.push(assumed.statement);
    if (assumed.organizationId) call = { ...given, organizationId: assumed.organizationId };
  }
  const stated = assumptions.length ? { assumptions } : {};
  const who = call.callerLabel ?? call.callerAccount;

  const reasons: string[] = [];
  const uncertain: string[] = [];
  const fix = keyPolicyFix(given.organizationId, parseServiceLinkedRoleArn(call.granteePrincipal)?.partition);
  let allowed = false;
  for (const [index, st] of statements.entries()) {
    const label = st.Sid ? `statement "${st.Sid}"` : `statement ${index + 1}`;
    if (!actionMatches(st, 'kms:CreateGrant') || !principalMatches(st.Principal, call)) continue;
    const { unmet, unknown } = evaluateConditions(st.Condition ?? {}, call);
    if (st.Effect === 'Deny') {
      if (unmet.length > 0) continue;
      if (unknown.length === 0) {
        return { verdict: 'blocked', reasons: [`${label} denies kms:CreateGrant to ${who} (an explicit Deny: no Allow statement lifts it; change that statement)`], deniedBy: label, ...stated };
      }
      uncertain.push(`${label} denies kms:CreateGrant to ${who} when ${unknown.join('; ')}, which amiwarden cannot evaluate`);
      continue;
    }
    if (st.Effect !== 'Allow') continue;
    if (unmet.length > 0) reasons.push(`${label} allows kms:CreateGrant to ${who} only when ${unmet.join('; ')}`);
    else if (unknown.length > 0) uncertain.push(`${label} allows kms:CreateGrant to ${who} when ${unknown.join('; ')}, which amiwarden cannot evaluate`);
    else allowed = true;
  }
  // KMS decides what amiwarden cannot: "unknown" lets the grant step try, and AccessDenied then becomes the finding.
  if (uncertain.some((r) => r.includes(' denies '))) return { verdict: 'unknown', reasons: uncertain, ...stated };
  if (allowed) return { verdict: 'allowed', reasons: [], ...stated };
  if (uncertain.length > 0) return { verdict: 'unknown', reasons: [...uncertain, ...reasons], ...stated };
  if (reasons.length === 0) reasons.push(`no statement allows kms:CreateGrant to ${call.callerLabel ?? `account ${call.callerAccount}`}`);
  return { verdict: 'blocked', reasons, fix, ...stated };
}

/** The key-policy statement amiwarden recommends: members may create exactly the launch grant, for their own launch roles. */
export function recommendedCreateGrantStatement(organizationId?: string, partition: Partition = 'aws'): Json {
  return {
    Sid: 'AllowOrganizationAccountsToGrantAutoScaling',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: {
      StringEquals: { 'aws:PrincipalOrgID': organizationId ?? 'o-EXAMPLE' },
      // The caller's own launch roles: Auto Scaling (any suffix), EC2 Spot, Spot Fleet, EC2 Fleet (core/launch-roles.ts).
      StringLike: {
        'kms:GranteePrincipal': [
          `arn:${partition}:iam::\${aws:PrincipalAccount}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling*`,
          ...Object.values(LAUNCH_ROLES).map((r) => `arn:${partition}:iam::\${aws:PrincipalAccount}:role${r.path}${r.roleName}`),
        ],
      },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': [...REQUIRED_GRANT_OPERATIONS] },
      // amiwarden's grant names no retiring principal; one named by anyone else could retire it.
      Null: { 'kms:RetiringPrincipal': 'true' },
    },
  };
}

/** The fix for a key policy that keeps members from creating the Auto Scaling grant, in words and JSON. */
export function keyPolicyFix(organizationId?: string, partition: Partition = 'aws'): string {
  return (
    'Add this statement to the central key policy (and keep any kms:GrantIsForAWSResource condition off it): ' +
    JSON.stringify(recommendedCreateGrantStatement(organizationId, partition))
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

/**
 * The conditions of a statement for this call, in words: `unmet`, those that do not hold;
 * `unknown`, those on a key this reading does not model (aws:SourceIp, aws:PrincipalOrgPaths,
 * tags, …) or with an operator it does not evaluate (Numeric…, Date…, IpAddress, …), which may or
 * may not hold. A modeled key the call does not carry (kms:ViaService of a
 * direct call) is absent: an `…IfExists` condition on it holds, any other does not.
 */
function evaluateConditions(conditions: Record<string, Record<string, unknown>>, call: GrantCall, action = 'kms:CreateGrant'): { unmet: string[]; unknown: string[] } {
  const grantCall = action === 'kms:CreateGrant';
  const absent: string[] = [];
  const context: Record<string, string[] | undefined> = {
    'aws:principalaccount': [call.callerAccount],
    'kms:calleraccount': [call.callerAccount],
    'aws:principalarn': [call.callerArn],
    'aws:principalorgid': call.organizationId ? [call.organizationId] : undefined,
    'kms:granteeprincipal': grantCall ? [call.granteePrincipal] : absent,
    'kms:grantoperations': grantCall ? [...call.operations] : absent,
    'kms:grantisforawsresource': grantCall ? ['false'] : absent,
    // amiwarden's CreateGrant request (core/grants.ts) names no retiring principal.
    'kms:retiringprincipal': absent,
    'kms:viaservice': call.viaService ? [call.viaService] : absent,
  };
  const unmet: string[] = [];
  const unknown: string[] = [];
  for (const [operator, entries] of Object.entries(conditions)) {
    for (const [rawKey, rawValues] of Object.entries(entries ?? {})) {
      const key = rawKey.toLowerCase();
      const expected = list(rawValues).map((v) => v.replace(/\$\{aws:PrincipalAccount\}/g, call.callerAccount));
      // In words as the policy has them (not with this caller's account filled in).
      const words = `${operator} ${rawKey} ${JSON.stringify(list(rawValues))}`;
      if (!(key in context) || !evaluates(operator)) {
        unknown.push(words);
        continue;
      }
      const actual = context[key];
      if (actual === undefined) {
        // aws:PrincipalOrgID with no organization known or assumed (organizationAssumption): it may or may not hold.
        unknown.push(words);
        continue;
      }
      if (actual.length === 0 && operator.endsWith('IfExists')) continue;
      if (!holds(operator, actual, expected)) {
        unmet.push(grantCall && key === 'kms:grantisforawsresource' ? `${rawKey} is true (it is false for a member's own CreateGrant call)` : words);
      }
    }
  }
  return { unmet, unknown };
}

/** The condition operators `holds` evaluates (with or without IfExists and a ForAllValues / ForAnyValue qualifier). */
const EVALUATED_OPERATORS = new Set([
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
  'Null',
]);

function evaluates(operator: string): boolean {
  const base = operator.includes(':') ? operator.split(':')[1]! : operator;
  return EVALUATED_OPERATORS.has(base.replace(/IfExists$/, ''));
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
      case 'ArnNotEquals':
        return !expected.includes(value);
      case 'StringNotEqualsIgnoreCase':
        return !expected.some((e) => e.toLowerCase() === value.toLowerCase());
      case 'StringNotLike':
      case 'ArnNotLike':
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

/** Actions members need on the central key to use it (AWS's org-sharing example), besides CreateGrant. */
export const KEY_USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'] as const;

/** The org-scoped statement that lets every account of the organization use the key. */
export function recommendedKeyUseStatement(organizationId?: string): Json {
  return {
    Sid: 'AllowOrganizationAccountsToUseTheKey',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: [...KEY_USE_ACTIONS],
    Resource: '*',
    // Only through EC2 (EBS volumes are this key's one use): no principal, central ones included, decrypts directly.
    Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId ?? 'o-EXAMPLE' }, StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } },
  };
}

/** Both statements amiwarden needs in the central key policy, ready to merge into its Statement list. */
export function recommendedKeyPolicyStatements(organizationId?: string, partition: Partition = 'aws'): Json[] {
  return [recommendedKeyUseStatement(organizationId), recommendedCreateGrantStatement(organizationId, partition)];
}

export type FindingCode =
  | 'policy-unreadable'
  | 'create-grant-blocked'
  | 'grant-is-for-aws-resource'
  | 'principal-too-broad'
  | 'key-use-not-allowed'
  | 'organization-assumed'
  | 'explicit-deny';

export interface KeyPolicyFinding {
  code: FindingCode;
  /** blocker: members cannot create the grant; warning: a risk or a gap that does not stop the grant; note: an assumption made. */
  severity: 'blocker' | 'warning' | 'note';
  message: string;
  /** The statement concerned (its Sid, or its position). */
  statement?: string;
  accounts?: string[];
}

export interface KeyPolicyAudit {
  /** allowed: every member named can create the Auto Scaling grant. */
  verdict: Verdict;
  members: { account: string; verdict: Verdict; reasons: string[] }[];
  findings: KeyPolicyFinding[];
  /** Statements to merge into the key policy, when members are blocked. */
  fix?: Json[];
}

export interface AuditOptions {
  /** Member accounts to check. With none, a hypothetical new account of `organizationId` is checked. */
  accounts?: readonly string[];
  organizationId?: string;
  /** The account that owns the key (from its ARN), to tell same-account statements from cross-account ones. */
  keyAccount?: string;
  /** The member role that calls CreateGrant (amiwarden's member role by default). */
  memberRoleName?: string;
  partition?: Partition;
}

/** Stands for "an account of the organization that the policy does not name" when no account is given. */
export const ANY_ORGANIZATION_ACCOUNT = '000000000000';

const PRINCIPAL_SCOPING_KEYS = [
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'kms:calleraccount',
  'aws:principalarn',
  'aws:userid',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
];

/**
 * Everything in a key policy that keeps member accounts from creating the Auto Scaling grant, or
 * that is riskier than it needs to be: per member, the CreateGrant verdict (as `analyzeCreateGrant`
 * reads it), plus statement-level findings a person can act on.
 */
export function auditKeyPolicy(policyDocument: string | undefined, options: AuditOptions): KeyPolicyAudit {
  const accounts = options.accounts?.length ? [...new Set(options.accounts)] : [ANY_ORGANIZATION_ACCOUNT];
  const partition = options.partition ?? 'aws';
  // One assumption for every statement, Allow and Deny alike, stated as a finding (organizationAssumption).
  const assumed = options.organizationId ? {} : organizationAssumption(policyDocument);
  const organizationId = options.organizationId ?? assumed.organizationId;
  const roleName = options.memberRoleName ?? 'amiwarden-member';
  const label = (account: string) =>
    account === ANY_ORGANIZATION_ACCOUNT ? `any account of ${options.organizationId ?? 'the organization'} not named in the policy` : account;
  const callOf = (account: string): GrantCall => ({
    callerAccount: account,
    ...(account === ANY_ORGANIZATION_ACCOUNT ? { callerLabel: label(account) } : {}),
    callerArn: `arn:${partition}:iam::${account}:role/${roleName}`,
    granteePrincipal: `arn:${partition}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    operations: REQUIRED_GRANT_OPERATIONS,
    ...(organizationId ? { organizationId } : {}),
  });

  const statements = parseStatements(policyDocument);
  if (!statements) {
    return {
      verdict: 'unknown',
      members: accounts.map((a) => ({ account: label(a), verdict: 'unknown' as const, reasons: [] })),
      findings: [{ code: 'policy-unreadable', severity: 'blocker', message: policyDocument ? 'the key policy is not valid JSON' : 'the key policy could not be read' }],
    };
  }

  const findings: KeyPolicyFinding[] = [];
  const members = accounts.map((account) => {
    const analysis = analyzeCreateGrant(policyDocument, callOf(account));
    return { account: label(account), verdict: analysis.verdict, reasons: analysis.reasons, deniedBy: analysis.deniedBy };
  });
  if (assumed.statement) findings.push({ code: 'organization-assumed', severity: 'note', message: assumed.statement });
  for (const member of members.filter((m) => m.verdict === 'blocked')) {
    findings.push({
      code: 'create-grant-blocked',
      severity: 'blocker',
      accounts: [member.account],
      message: `${member.account} cannot create the Auto Scaling grant: ${member.reasons.join('; ')}`,
    });
  }

  const memberSet = new Set(accounts);
  for (const [index, st] of statements.entries()) {
    const name = st.Sid ? `"${st.Sid}"` : `statement ${index + 1}`;
    if (st.Effect !== 'Allow') continue;
    const principals = principalList(st.Principal);
    const anyone = principals.includes('*');
    const conditionKeys = Object.values(st.Condition ?? {}).flatMap((entries) => Object.keys(entries ?? {}).map((k) => k.toLowerCase()));

    const crossAccount =
      anyone ||
      principals.some((p) => {
        const account = accountOfPrincipal(p);
        if (!account) return false;
        return memberSet.has(account) || (options.keyAccount !== undefined && account !== options.keyAccount);
      });
    if (crossAccount && actionMatches(st, 'kms:CreateGrant') && conditionKeys.includes('kms:grantisforawsresource')) {
      findings.push({
        code: 'grant-is-for-aws-resource',
        severity: 'blocker',
        statement: name,
        message:
          `statement ${name} allows cross-account kms:CreateGrant only with kms:GrantIsForAWSResource, which is false when a member's own role ` +
          'creates the grant: that condition belongs only on same-account service statements',
      });
    }

    if (anyone && !conditionKeys.some((k) => PRINCIPAL_SCOPING_KEYS.includes(k))) {
      const actions = st.NotAction !== undefined ? `every action but ${list(st.NotAction).join(', ')}` : list(st.Action).join(', ');
      findings.push({
        code: 'principal-too-broad',
        severity: 'warning',
        statement: name,
        message: `statement ${name} allows ${actions} to any AWS principal ("AWS": "*") with no aws:PrincipalOrgID or account condition: any account could use the key`,
      });
    }

  }

  // Members also need to use the key (AWS's org-sharing example); a gap here does not stop the grant.
  // A member's instances use the key through EC2 (RunInstances, the volumes' data keys).
  const cannotUse = accounts.filter((account) => !allowsAction(statements, 'kms:Decrypt', { ...callOf(account), viaService: 'ec2.us-east-1.amazonaws.com' }));
  if (cannotUse.length > 0) {
    findings.push({
      code: 'key-use-not-allowed',
      severity: 'warning',
      accounts: cannotUse.map(label),
      message: `no statement allows ${cannotUse.map(label).join(', ')} kms:Decrypt and the other key-use actions (${KEY_USE_ACTIONS.join(', ')})`,
    });
  }

  // An explicit Deny is lifted only by changing it: say so, and offer the Allow statements only to members it does not deny.
  const denials = new Map<string, string[]>();
  for (const m of members) if (m.deniedBy) denials.set(m.deniedBy, [...(denials.get(m.deniedBy) ?? []), m.account]);
  for (const [statement, denied] of denials) {
    findings.push({
      code: 'explicit-deny',
      severity: 'blocker',
      statement,
      accounts: denied,
      message: `${statement} explicitly denies kms:CreateGrant to ${denied.join(', ')}: no Allow statement lifts an explicit Deny; change or scope that statement`,
    });
  }
  const verdict: Verdict = members.some((m) => m.verdict === 'blocked') ? 'blocked' : members.every((m) => m.verdict === 'allowed') ? 'allowed' : 'unknown';
  const needsAllow = members.some((m) => m.verdict !== 'allowed' && !m.deniedBy);
  return {
    verdict,
    members: members.map(({ deniedBy: _, ...m }) => m),
    findings,
    ...(needsAllow ? { fix: recommendedKeyPolicyStatements(options.organizationId, partition) } : {}),
  };
}

function parseStatements(policyDocument: string | undefined): Statement[] | undefined {
  if (!policyDocument) return undefined;
  try {
    const doc = JSON.parse(policyDocument) as Json;
    if (!doc || typeof doc !== 'object') return undefined;
    const raw = doc.Statement;
    return (Array.isArray(raw) ? raw : raw ? [raw] : []) as Statement[];
  } catch {
    return undefined;
  }
}

function principalList(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  const aws = principal && typeof principal === 'object' ? (principal as Json).AWS : undefined;
  return list(aws);
}

function accountOfPrincipal(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:[\w-]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

function allowsAction(statements: Statement[], action: string, call: GrantCall): boolean {
  let allowed = false;
  for (const st of statements) {
    if (!actionMatches(st, action) || !principalMatches(st.Principal, call)) continue;
    // Fail closed: a condition on a key this reading does not model counts as not holding.
    const { unmet: failing, unknown } = evaluateConditions(st.Condition ?? {}, call, action);
    const unmet = [...failing, ...unknown];
    if (st.Effect === 'Deny' && unmet.length === 0) return false;
    if (st.Effect === 'Allow' && unmet.length === 0) allowed = true;
  }
  return allowed;
}
