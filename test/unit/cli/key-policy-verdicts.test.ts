/**
 * check-key-policy's verdicts as a table: policies and the verdict AWS's documented policy
 * evaluation logic gives for a member's own CreateGrant call (an explicit Deny wins; otherwise an
 * Allow whose conditions all hold is needed; a condition on a key whose value is not known may or
 * may not hold). aws:PrincipalOrgID without --organization-id is one assumption, stated in the
 * output: the member is in the organization the policy names, for Allow and Deny statements alike.
 */
import { ANY_ORGANIZATION_ACCOUNT, recommendedKeyPolicyStatements } from '../../../core/key-policy';
import { runCli } from '../../../cli/main';
import { CENTRAL, CROSS_ACCOUNT_POLICY, MEMBER } from '../../fixtures/aws';
import { testContext } from './support';

const ORG = 'o-a1b2c3d4e5';
const OTHER = 'o-zzzzzzzzzz';
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ADMIN = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'kms:*', Resource: '*' };
const MEMBER_ROOT_ALLOWS = JSON.parse(CROSS_ACCOUNT_POLICY).Statement.slice(1);
/** The common guardrail: nobody outside the organization may use the key. */
const guardrail = (org: string) => ({ Sid: 'DenyOutsideOrganization', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': org } } });
const RECOMMENDED = recommendedKeyPolicyStatements(ORG);

type Verdict = 'allowed' | 'blocked' | 'unknown';
const CASES: { name: string; policy: string; org?: string; accounts?: string[]; verdict: Verdict; exit: number; assumption: boolean; explicitDeny?: boolean }[] = [
  { name: 'Allow on aws:PrincipalOrgID, no organization given', policy: policy(ADMIN, ...RECOMMENDED), verdict: 'allowed', exit: 0, assumption: true },
  { name: 'Allow on aws:PrincipalOrgID, the same organization', policy: policy(ADMIN, ...RECOMMENDED), org: ORG, verdict: 'allowed', exit: 0, assumption: false },
  { name: 'Allow on aws:PrincipalOrgID, another organization', policy: policy(ADMIN, ...RECOMMENDED), org: OTHER, verdict: 'blocked', exit: 3, assumption: false },
  { name: 'Deny outside the organization + Allow to the member, no organization given', policy: policy(ADMIN, ...MEMBER_ROOT_ALLOWS, guardrail(ORG)), verdict: 'allowed', exit: 0, assumption: true },
  { name: 'Deny outside the organization + Allow to the member, the same organization', policy: policy(ADMIN, ...MEMBER_ROOT_ALLOWS, guardrail(ORG)), org: ORG, verdict: 'allowed', exit: 0, assumption: false },
  { name: 'Deny outside the organization + Allow to the member, another organization', policy: policy(ADMIN, ...MEMBER_ROOT_ALLOWS, guardrail(ORG)), org: OTHER, verdict: 'blocked', exit: 3, assumption: false, explicitDeny: true },
  { name: 'Deny outside the organization + Allow on aws:PrincipalOrgID, no organization given', policy: policy(ADMIN, ...RECOMMENDED, guardrail(ORG)), verdict: 'allowed', exit: 0, assumption: true },
  { name: 'Deny outside the organization + Allow on aws:PrincipalOrgID, another organization', policy: policy(ADMIN, ...RECOMMENDED, guardrail(ORG)), org: OTHER, verdict: 'blocked', exit: 3, assumption: false, explicitDeny: true },
  { name: 'the policy names two organizations, none given: unknown stays unknown', policy: policy(ADMIN, ...RECOMMENDED, guardrail(OTHER)), verdict: 'unknown', exit: 3, assumption: true },
  { name: 'Allow on aws:PrincipalOrgID with a pattern, none given: unknown', policy: policy(ADMIN, { ...RECOMMENDED[1]!, Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-a1*' } } }), verdict: 'unknown', exit: 3, assumption: true },
  { name: 'Deny on a key amiwarden does not model (aws:SourceIp): unknown', policy: policy(ADMIN, ...MEMBER_ROOT_ALLOWS, { Sid: 'OnlyFromOffice', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } }), verdict: 'unknown', exit: 3, assumption: false },
  { name: 'no aws:PrincipalOrgID at all: nothing assumed', policy: CROSS_ACCOUNT_POLICY, verdict: 'allowed', exit: 0, assumption: false },
  { name: '--organization-id alone, a policy naming only the member: a new account is blocked', policy: CROSS_ACCOUNT_POLICY, org: ORG, accounts: [], verdict: 'blocked', exit: 3, assumption: false },
  { name: '--organization-id alone, the recommended statements: a new account is allowed', policy: policy(ADMIN, ...RECOMMENDED), org: ORG, accounts: [], verdict: 'allowed', exit: 0, assumption: false },
  { name: '--organization-id alone, the guardrail with another organization: a new account is denied', policy: policy(ADMIN, ...RECOMMENDED, guardrail(OTHER)), org: ORG, accounts: [], verdict: 'blocked', exit: 3, assumption: false, explicitDeny: true },
];

describe('check-key-policy verdicts', () => {
  it.each(CASES)('$name → $verdict (exit $exit)', async (c) => {
    const args = ['check-key-policy', '--policy-file', 'p.json', ...(c.org ? ['--organization-id', c.org] : []), ...(c.accounts ?? [MEMBER]).flatMap((a) => ['--account', a])];

    const json = testContext({ readFile: async () => c.policy });
    expect(await runCli([...args, '--json'], json.ctx)).toBe(c.exit);
    const audit = JSON.parse(json.io.stdout.join('\n'));
    expect(audit.verdict).toBe(c.verdict);
    const notes = audit.findings.filter((f: { code: string }) => f.code === 'organization-assumed');
    expect(notes).toHaveLength(c.assumption ? 1 : 0);
    expect(audit.findings.some((f: { code: string }) => f.code === 'explicit-deny')).toBe(c.explicitDeny ?? false);
    // A fix made of Allow statements is offered only where an Allow is missing: it cannot lift a Deny.
    expect(audit.fix !== undefined).toBe(c.verdict !== 'allowed' && !c.explicitDeny);

    const text = testContext({ readFile: async () => c.policy });
    expect(await runCli(args, text.ctx)).toBe(c.exit);
    const printed = [...text.io.stdout, ...text.io.stderr].join('\n');
    expect(printed).not.toContain(ANY_ORGANIZATION_ACCOUNT);
    expect(JSON.stringify(audit)).not.toContain(ANY_ORGANIZATION_ACCOUNT);
    if (c.assumption) expect(printed).toContain('aws:PrincipalOrgID was not checked');
    else expect(printed).not.toContain('aws:PrincipalOrgID was not checked');
    if (c.explicitDeny) expect(printed).toMatch(/no Allow statement lifts an explicit Deny/);
  });
});
