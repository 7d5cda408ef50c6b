import { grantName, REQUIRED_GRANT_OPERATIONS } from '../../../core/grants';
import {
  accountOfGrant,
  deadGrantRole,
  grantsToRevoke,
  GRANTS_PER_KEY,
  judgeGrants,
  judgeQuota,
  recordCount,
  type GrantScope,
  type ObservedGrant,
} from '../../../core/grant-health';
import { centralFindings, planRemediations, type CentralInventory } from '../../../core/sweep';

const CENTRAL = '999999999999';
const MEMBER = '111111111111';
const GONE = '333333333333';
const REGION = 'us-east-1';
const KEY = `arn:aws:kms:${REGION}:${CENTRAL}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const slr = (account = MEMBER, suffix = '') => `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling${suffix ? `_${suffix}` : ''}`;
const ALL = [...REQUIRED_GRANT_OPERATIONS];
// What real modules ship: no CreateGrant, no GenerateDataKeyWithoutPlaintext.
const MODULE_OPS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'DescribeKey'];

const grant = (id: string, rest: Partial<ObservedGrant> = {}): ObservedGrant => ({
  grantId: id,
  granteePrincipal: slr(),
  operations: ALL,
  issuingAccount: `arn:aws:iam::${MEMBER}:root`,
  creationDate: '2026-01-01T00:00:00.000Z',
  ...rest,
});
const scope = (accounts: string[] | null = [MEMBER]): GrantScope => ({ centralAccountId: CENTRAL, partition: 'aws', accounts: accounts && new Set(accounts), organizationalUnits: [] });

describe('judgeGrants', () => {
  it('finds a dead grant (grantee shown as AROA…) and names the role to replace it for, from its amiwarden name', () => {
    const dead = grant('g-dead', { granteePrincipal: 'AROAYAAAAAAAAAAAAAAAA', name: grantName(slr()) });
    const [issue, ...rest] = judgeGrants([dead], scope());

    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ problem: 'dead', account: MEMBER, replaceFor: slr() });
    expect(issue!.evidence).toContain('AROAYAAAAAAAAAAAAAAAA');
    expect(issue!.evidence).toContain('g-dead');
  });

  it('a dead grant made by someone else is dead too, attributed to the account that created it, with no role to replace it for', () => {
    const [issue] = judgeGrants([grant('g', { granteePrincipal: 'AROAYBBBBBBBBBBBBBBBB', name: 'terraform-asg' })], scope());
    expect(issue).toMatchObject({ problem: 'dead', account: MEMBER, replaceFor: null });
  });

  it('a grant whose grantee is an ARN is never dead', () => {
    expect(judgeGrants([grant('g')], scope())).toEqual([]);
  });

  it('finds an incomplete grant (the modules that omit CreateGrant and GenerateDataKeyWithoutPlaintext) and says what it lacks', () => {
    const [issue] = judgeGrants([grant('g', { operations: MODULE_OPS })], scope());
    expect(issue).toMatchObject({ problem: 'incomplete', replaceFor: slr() });
    expect(issue!.evidence).toContain('lacks GenerateDataKeyWithoutPlaintext, CreateGrant');
  });

  it('a grant limited to an encryption context is incomplete', () => {
    expect(judgeGrants([grant('g', { constrained: true })], scope())[0]).toMatchObject({ problem: 'incomplete' });
  });

  it('an incomplete grant next to a covering one is not a problem', () => {
    expect(judgeGrants([grant('g1', { operations: MODULE_OPS }), grant('g2')], scope())).toEqual([]);
  });

  it('of two covering grants for one role, keeps amiwarden\'s named one and reports the other as a duplicate', () => {
    const other = grant('g-other', { creationDate: '2025-01-01T00:00:00.000Z' });
    const ours = grant('g-ours', { name: grantName(slr()), creationDate: '2026-06-01T00:00:00.000Z' });
    const issues = judgeGrants([other, ours], scope());
    expect(issues.map((i) => [i.problem, i.grant.grantId])).toEqual([['duplicate', 'g-other']]);
  });

  it('without a named one, keeps the oldest', () => {
    const issues = judgeGrants([grant('b', { creationDate: '2026-02-01T00:00:00.000Z' }), grant('a', { creationDate: '2026-01-01T00:00:00.000Z' })], scope());
    expect(issues.map((i) => i.grant.grantId)).toEqual(['b']);
  });

  it('finds the grants of an account that left the organization or the target OUs, dead ones by the account that created them', () => {
    const issues = judgeGrants(
      [grant('g1', { granteePrincipal: slr(GONE), issuingAccount: `arn:aws:iam::${GONE}:root` }), grant('g2', { granteePrincipal: 'AROAYCCCCCCCCCCCCCCCC', issuingAccount: `arn:aws:iam::${GONE}:root` })],
      { ...scope(), organizationalUnits: ['ou-ab12-cd34ef56'] },
    );
    expect(issues.map((i) => [i.problem, i.account])).toEqual([
      ['out-of-scope', GONE],
      ['out-of-scope', GONE],
    ]);
    expect(issues[0]!.evidence).toContain('under ou-ab12-cd34ef56');
  });

  it('judges no scope when the organization was not listed, and never judges the central account, AWS service sessions or service principals', () => {
    const grants = [
      grant('g1', { granteePrincipal: slr(GONE) }),
      grant('g2', { granteePrincipal: `arn:aws:iam::${CENTRAL}:role/builder`, operations: ['Decrypt'] }),
      grant('g3', { granteePrincipal: `arn:aws:sts::${GONE}:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0`, operations: ['Decrypt'] }),
      grant('g4', { granteePrincipal: 'ec2.us-east-1.amazonaws.com', operations: ['Decrypt'] }),
    ];
    expect(judgeGrants(grants, scope(null))).toEqual([]);
    expect(judgeGrants(grants, scope()).map((i) => i.grant.grantId)).toEqual(['g1']);
  });

  it('reads the account and the role of a grant', () => {
    expect(accountOfGrant(grant('g', { granteePrincipal: 'AROAYAAAAAAAAAAAAAAAA', issuingAccount: undefined, name: grantName(slr(GONE, 'apps')) }))).toBe(GONE);
    expect(deadGrantRole(grant('g', { name: grantName(slr(MEMBER, 'apps')) }), 'aws')).toBe(slr(MEMBER, 'apps'));
    expect(deadGrantRole(grant('g', { name: 'amiwarden:111111111111:karpenter' }), 'aws')).toBeNull();
  });
});

describe('grantsToRevoke: the stale-grant policy', () => {
  const issues = judgeGrants(
    [grant('dead', { granteePrincipal: 'AROAYAAAAAAAAAAAAAAAA' }), grant('gone', { granteePrincipal: slr(GONE) }), grant('a'), grant('b', { creationDate: '2027-01-01T00:00:00.000Z' })],
    scope(),
  );

  it('keep (the default) revokes nothing, whatever it found', () => {
    expect(issues.length).toBe(3);
    expect(grantsToRevoke(issues, 'keep')).toEqual([]);
  });

  it('revoke removes exactly the grants found', () => {
    expect(grantsToRevoke(issues, 'revoke').sort()).toEqual(['b', 'dead', 'gone']);
  });
});

describe('judgeQuota', () => {
  it('is a finding from 80 % of the 50,000-grant quota, with the count and the trend since the previous sweep', () => {
    const q = judgeQuota(41_000, '2026-03-11T00:00:00.000Z', [
      { at: '2026-03-01T00:00:00.000Z', count: 30_000 },
      { at: '2026-03-10T00:00:00.000Z', count: 40_000 },
    ]);
    expect(q).toMatchObject({ count: 41_000, quota: GRANTS_PER_KEY, atRisk: true, perDay: 1000, daysToQuota: 9, previous: { count: 40_000 } });
    expect(q.evidence).toBe('41000 of 50000 grants (82 %); +1000 since 2026-03-10T00:00:00.000Z (40000), 1000 a day, the quota in about 9 day(s) at that rate');
  });

  it('below 80 % is no finding; a shrinking key has no date of exhaustion', () => {
    expect(judgeQuota(39_999, '2026-03-11T00:00:00.000Z', []).atRisk).toBe(false);
    expect(judgeQuota(40_000, '2026-03-11T00:00:00.000Z', []).atRisk).toBe(true);
    const shrinking = judgeQuota(45_000, '2026-03-11T00:00:00.000Z', [{ at: '2026-03-10T00:00:00.000Z', count: 46_000 }]);
    expect(shrinking).toMatchObject({ perDay: -1000, daysToQuota: null });
    expect(judgeQuota(40_000, 'x', []).evidence).toContain('no earlier count recorded');
  });

  it('keeps the newest points, one per time', () => {
    const history = recordCount([{ at: 'b', count: 2 }, { at: 'a', count: 1 }], { at: 'c', count: 3 }, 2);
    expect(history).toEqual([{ at: 'b', count: 2 }, { at: 'c', count: 3 }]);
  });
});

describe('the sweep report rows of the grant-health checks (centralFindings)', () => {
  const inventory = (grants: CentralInventory['grants'], grantCount?: number): CentralInventory => ({
    region: REGION,
    keyArn: KEY,
    images: [],
    snapshots: [],
    keys: [],
    grants,
    ...(grantCount === undefined ? {} : { grantCount }),
    keyPolicy: null,
    shareAccounts: [],
  });
  const ctx = (policy: 'keep' | 'revoke' = 'keep') => ({ scope: scope(), policy, at: '2026-03-11T00:00:00.000Z', history: [] });

  it('a dead grant: a row with its evidence, and a repair that makes the named grant for the current role and revokes nothing by default', () => {
    const [row, ...rest] = centralFindings(inventory([grant('g-dead', { granteePrincipal: 'AROAYAAAAAAAAAAAAAAAA', name: grantName(slr()) })]), { centralAccountId: CENTRAL }, ctx());
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ account: MEMBER, region: REGION, resource: `${KEY}/grant/g-dead`, finding: 'grant-dead', severity: 'medium' });
    expect(row!.detail).toContain('AROAYAAAAAAAAAAAAAAAA');
    expect(row!.remediation).toEqual({ workflow: 'grant-health', input: { region: REGION, account: MEMBER, serviceLinkedRoleArn: slr(), createServiceLinkedRole: false, revokeGrantIds: [] } });
  });

  it('under revoke, the repair also revokes the old grant', () => {
    const [row] = centralFindings(inventory([grant('g', { operations: MODULE_OPS })]), { centralAccountId: CENTRAL }, ctx('revoke'));
    expect(row!.finding).toBe('grant-incomplete');
    expect(row!.remediation?.input).toMatchObject({ serviceLinkedRoleArn: slr(), revokeGrantIds: ['g'] });
  });

  it('keep: duplicates and out-of-scope grants are reported with no remediation at all (nothing to start in enforce mode)', () => {
    const rows = centralFindings(inventory([grant('a'), grant('b', { creationDate: '2027-01-01T00:00:00.000Z' }), grant('c', { granteePrincipal: slr(GONE) })]), { centralAccountId: CENTRAL }, ctx());
    expect(rows.map((r) => [r.finding, r.remediation])).toEqual([
      ['grant-out-of-scope', null],
      ['grant-duplicate', null],
    ]);
    expect(planRemediations(rows, 25).remediations).toEqual([]);
  });

  it('the key near its quota: one high row with the count', () => {
    const rows = centralFindings(inventory([], 40_500), { centralAccountId: CENTRAL }, ctx());
    expect(rows).toEqual([expect.objectContaining({ account: CENTRAL, resource: KEY, finding: 'key-grant-quota', severity: 'high' })]);
    expect(rows[0]!.detail).toContain('40500 of 50000 grants (81 %)');
  });
});
