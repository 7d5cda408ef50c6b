import { InvalidInputError } from '../../../core/errors';
import { REQUIRED_GRANT_OPERATIONS } from '../../../core/grants';
import { copyName } from '../../../core/image';
import { centralFindings, csvHeader, csvRows, jsonReportFinding, jsonReportHead, jsonReportTail, markdownHead, markdownRows, memberFindings, missingInspectionFindings, parseSweepRequest, planRemediations, RemediationPicker, summarize, toCsv, toMarkdown, type CentralInventory, type Finding, type MemberInventory } from '../../../core/sweep';
import { AWS_EBS_KEY_ARN, CENTRAL, CMK_ARN, MEMBER, REGION, slrArn } from '../../fixtures/aws';

const config = { centralAccountId: CENTRAL, partition: 'aws' as const, createServiceLinkedRole: false, mode: 'report' as const, regions: [REGION, 'eu-west-1'] };
const image = (imageId: string, snapshotId: string, extra: Partial<CentralInventory['images'][number]> = {}) => ({
  imageId,
  ownerId: CENTRAL,
  state: 'available',
  tags: {},
  snapshots: [{ deviceName: '/dev/xvda', snapshotId, encrypted: true }],
  launchableBy: [MEMBER],
  ...extra,
});

function central(): CentralInventory {
  return {
    region: REGION,
    keyArn: CMK_ARN,
    images: [image('ami-0000000000000000a', 'snap-0000000000000000a'), image('ami-0000000000000000b', 'snap-0000000000000000b'), image('ami-0000000000000000c', 'snap-0000000000000000c')],
    snapshots: [
      { snapshotId: 'snap-0000000000000000a', encrypted: true, kmsKeyId: CMK_ARN },
      { snapshotId: 'snap-0000000000000000b', encrypted: true, kmsKeyId: AWS_EBS_KEY_ARN },
      { snapshotId: 'snap-0000000000000000c', encrypted: false },
    ],
    keys: [
      { keyId: CMK_ARN, found: true, keyArn: CMK_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled' },
      { keyId: AWS_EBS_KEY_ARN, found: true, keyArn: AWS_EBS_KEY_ARN, keyManager: 'AWS', keyState: 'Enabled' },
    ],
    grants: [],
    keyPolicy: { verdict: 'allowed', reasons: [] },
    shareAccounts: [MEMBER],
  };
}

function member(): MemberInventory {
  return {
    account: MEMBER,
    region: REGION,
    status: 'inspected',
    detail: null,
    groups: [{ name: 'web', serviceLinkedRoleArn: slrArn(), serviceLinkedRoleExists: true, imageIds: ['ami-0000000000000000a'] }],
    activities: [],
    defaultEbsKey: { keyId: 'alias/aws/ebs', awsManaged: true },
  };
}

describe('parseSweepRequest', () => {
  it('takes the schedule event as a sweep of everything in the configured mode', () => {
    expect(parseSweepRequest({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, config)).toEqual({ mode: 'report', accounts: [], regions: config.regions, dryRun: false, trigger: 'schedule' });
  });

  it('takes a manual request with accounts and regions', () => {
    expect(parseSweepRequest({ mode: 'enforce', accounts: '111111111111, 222222222222', regions: ['eu-west-1'] }, config)).toMatchObject({ mode: 'enforce', accounts: ['111111111111', '222222222222'], regions: ['eu-west-1'], trigger: 'manual' });
  });

  it.each([
    ['an unknown mode', { mode: 'fix' }, 'mode'],
    ['a short account id', { accounts: ['12345'] }, 'accounts[0]'],
    ['a region not configured', { regions: ['ap-south-1'] }, 'regions[0]'],
    ['a non-account in a comma list', { accounts: 'x'.repeat(10) }, 'accounts[0]'],
    ['a spoofed source', { source: 'my.app' }, 'source'],
    ['dryRun that is not a boolean', { dryRun: 'no' }, 'dryRun'],
    ['5,001 accounts', { accounts: new Array(5001).fill('111111111111') }, 'accounts'],
  ])('refuses %s', (_label, input, field) => {
    let error: unknown;
    try {
      parseSweepRequest(input, config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
  });
});

describe('findings', () => {
  it('names each central image that is not on the organization key, not the compliant one', () => {
    const findings = centralFindings(central(), config);
    expect(findings.map((f) => [f.resource, f.finding, f.severity])).toEqual([
      ['ami-0000000000000000b', 'ami-aws-managed-key', 'high'],
      ['ami-0000000000000000c', 'ami-unencrypted', 'medium'],
    ]);
    expect(findings[0]!.remediation).toEqual({ workflow: 'reencrypt-and-share', input: { imageId: 'ami-0000000000000000b', region: REGION, trigger: 'sweep' } });
  });

  /** Image a becomes the copy EC2 made of image b, named as amiwarden names it. */
  const copyOfB = (inv: CentralInventory) => {
    const source = inv.images[1]!;
    Object.assign(inv.images[0]!, { sourceImageId: source.imageId, sourceImageRegion: REGION, name: copyName(source, 0) });
    source.tags = { 'amiwarden:copy-image-id': inv.images[0]!.imageId };
  };

  it('does not let a tag alone hide a source: the image the tag names must be a copy EC2 made of it', () => {
    const inv = central();
    inv.images[1]!.tags = { 'amiwarden:copy-image-id': 'ami-0000000000000000a' };
    expect(centralFindings(inv, config).map((f) => [f.resource, f.finding])).toEqual([
      ['ami-0000000000000000b', 'ami-aws-managed-key'],
      ['ami-0000000000000000c', 'ami-unencrypted'],
    ]);
  });

  it('does not report a source whose re-encrypted copy exists, and reports a compliant image a target cannot launch', () => {
    const inv = central();
    copyOfB(inv);
    inv.images[0]!.launchableBy = [];
    const findings = centralFindings(inv, config);
    expect(findings.map((f) => [f.resource, f.finding])).toEqual([
      ['ami-0000000000000000a', 'ami-not-shared'],
      ['ami-0000000000000000c', 'ami-unencrypted'],
    ]);
  });

  it('reports a source again when its re-encrypted copy failed, but not while the copy is pending', () => {
    const inv = central();
    copyOfB(inv);
    inv.images[0]!.state = 'failed';
    expect(centralFindings(inv, config).map((f) => [f.resource, f.finding])).toEqual([
      ['ami-0000000000000000b', 'ami-aws-managed-key'],
      ['ami-0000000000000000c', 'ami-unencrypted'],
    ]);
    inv.images[0]!.state = 'pending';
    expect(centralFindings(inv, config).map((f) => [f.resource, f.finding])).toEqual([['ami-0000000000000000c', 'ami-unencrypted']]);
  });

  it('reports a key policy that blocks member grants', () => {
    const inv = central();
    inv.keyPolicy = { verdict: 'blocked', reasons: ['statement "x" allows kms:CreateGrant only when kms:GrantIsForAWSResource is true'], fix: 'add it' };
    expect(centralFindings(inv, config).find((f) => f.finding === 'key-policy-blocks-member-grants')).toMatchObject({ resource: CMK_ARN, severity: 'high', action: 'add it' });
  });

  it('finds the missing grant of a member group launching a central AMI, and the aws/ebs default key', () => {
    const findings = memberFindings(member(), [central()], config);
    expect(findings.map((f) => f.finding)).toEqual(['missing-grant', 'default-ebs-key-aws-managed']);
    expect(findings[0]!.remediation).toEqual({ workflow: 'launch-failure', input: { account: MEMBER, region: REGION, autoScalingGroupName: 'web' } });
  });

  it('is satisfied by a grant with every operation, and judges only central images', () => {
    const inv = central();
    inv.grants = [{ grantId: 'g1', granteePrincipal: slrArn(), operations: [...REQUIRED_GRANT_OPERATIONS] }];
    const m = member();
    m.defaultEbsKey = null;
    m.groups.push({ name: 'own', serviceLinkedRoleArn: slrArn(), serviceLinkedRoleExists: true, imageIds: ['ami-0ffffffffffffffff'] });
    expect(memberFindings(m, [inv], config)).toEqual([]);
  });

  it('is not satisfied by a grant limited to an encryption context', () => {
    const inv = central();
    inv.grants = [{ grantId: 'g1', granteePrincipal: slrArn(), operations: [...REQUIRED_GRANT_OPERATIONS], constrained: true }];
    expect(memberFindings(member(), [inv], config).map((f) => f.finding)).toEqual(['missing-grant', 'default-ebs-key-aws-managed']);
  });

  it('names every planned account and region that left no inventory (its inspection failed or timed out), once each', () => {
    const targets = [
      { account: MEMBER, region: REGION },
      { account: '222222222222', region: REGION },
      { account: '222222222222', region: 'eu-west-1' },
      { account: '222222222222', region: 'eu-west-1' },
    ];
    const rows = missingInspectionFindings(targets, [{ account: MEMBER, region: REGION }], config);
    expect(rows.map((f) => [f.account, f.region, f.resource, f.finding, f.severity])).toEqual([
      ['222222222222', REGION, '222222222222', 'member-inspection-failed', 'medium'],
      ['222222222222', 'eu-west-1', '222222222222', 'member-inspection-failed', 'medium'],
    ]);
    expect(rows[0]!.detail).toMatch(/no inventory/);
    expect(missingInspectionFindings(targets.slice(0, 1), [{ account: MEMBER, region: REGION }], config)).toEqual([]);
  });

  it('reports recent KMS launch failures once per group, and a missing member role as its own finding', () => {
    const m = member();
    m.activities = [
      { autoScalingGroupName: 'web', statusCode: 'Cancelled', statusMessage: 'Termination Reason: Client.InternalError: Client error on launch', time: '2026-11-20T09:14:01.000Z' },
      { autoScalingGroupName: 'web', statusCode: 'Failed', statusMessage: 'Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state', time: null },
      { autoScalingGroupName: 'web', statusCode: 'Failed', statusMessage: 'Server.InternalError: Internal error on launch', time: null },
    ];
    expect(memberFindings(m, [central()], config).filter((f) => f.finding === 'asg-recent-kms-launch-failures')).toHaveLength(1);
    expect(memberFindings({ ...member(), status: 'member-role-unavailable', detail: 'AccessDenied' }, [central()], config).map((f) => f.finding)).toEqual(['member-role-unavailable']);
  });
});

describe('planRemediations', () => {
  const f = (resource: string, severity: Finding['severity'], workflow: 'launch-failure' | 'reencrypt-and-share' | null): Finding => ({
    account: MEMBER,
    region: REGION,
    resource,
    finding: 'missing-grant',
    severity,
    detail: '',
    action: '',
    remediation: workflow ? { workflow, input: { resource } } : null,
  });

  it('starts the most severe first, once per resource, never more than the cap', () => {
    const findings = [f('a', 'low', 'reencrypt-and-share'), f('b', 'high', 'launch-failure'), f('b', 'high', 'launch-failure'), f('c', 'medium', null), f('d', 'medium', 'launch-failure')];
    expect(planRemediations(findings, 2)).toEqual({
      remediations: [
        { workflow: 'launch-failure', input: { resource: 'b' } },
        { workflow: 'launch-failure', input: { resource: 'd' } },
      ],
      skipped: 1,
    });
    expect(planRemediations(findings, 0)).toEqual({ remediations: [], skipped: 3 });
  });

  it('RemediationPicker, fed one inventory’s findings at a time, plans what planRemediations plans over them all', () => {
    // Inventories whose findings share no remediation with another's (each names its own resources).
    const inventories = Array.from({ length: 40 }, (_, i) => {
      const sev = (['low', 'high', 'medium'] as const)[i % 3]!;
      return [f(`r${i}`, sev, 'launch-failure'), f(`r${i}`, 'high', 'launch-failure'), f(`s${i}`, sev, i % 4 === 0 ? null : 'reencrypt-and-share')];
    });
    for (const cap of [0, 1, 7, 30, 1000]) {
      const picker = new RemediationPicker(cap);
      for (const rows of inventories) picker.add(rows);
      expect(picker.result()).toEqual(planRemediations(inventories.flat(), cap));
    }
  });
});

describe('reports', () => {
  const findings = memberFindings(member(), [central()], config);
  it('writes CSV that a spreadsheet cannot run as a formula', () => {
    const hostile = [{ ...findings[0]!, detail: '=HYPERLINK("http://x")', resource: 'a,"b"' }];
    const csv = toCsv(hostile);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain('"a,""b"""');
  });

  it('the JSON report in pieces is JSON.stringify of the whole report, for none, one or several findings', () => {
    const meta = { runId: 'r1', mode: 'report' as const, startedAt: '2026-11-22T00:00:00Z' };
    const many = [...findings, ...findings.map((x) => ({ ...x, detail: 'a "quoted"\nline' }))];
    for (const list of [[], findings.slice(0, 1), many]) {
      const summary = summarize(list, 1, 1);
      const pieces = jsonReportHead(meta, summary) + list.map((x, i) => jsonReportFinding(x, i)).join('') + jsonReportTail(list.length);
      expect(pieces).toBe(JSON.stringify({ ...meta, summary, findings: list }, null, 2));
    }
  });

  it('the CSV and Markdown reports, written in pieces, keep the format the reports had when built whole', () => {
    // The reports as they were built before the writer streamed them (the format the CLI and users read).
    const COLUMNS = ['account', 'region', 'resource', 'finding', 'severity', 'detail', 'action'] as const;
    const wholeCsv = (list: Finding[]) => {
      const cell = (v: string) => `"${(/^[=+\-@\t\r]/.test(v) ? `'${v}` : v).replace(/"/g, '""')}"`;
      return [COLUMNS.join(','), ...list.map((x) => COLUMNS.map((c) => cell(String(x[c]))).join(','))].join('\n') + '\n';
    };
    const wholeMd = (list: Finding[], sum: ReturnType<typeof summarize>, meta: { runId: string; mode: string; startedAt: string }) => {
      const esc = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');
      return [
        `# amiwarden compliance sweep ${meta.runId}`, '', `Mode: ${meta.mode}. Started ${meta.startedAt}. ${sum.accounts} account(s) × ${sum.regions} region(s).`, '',
        `**${sum.findings} finding(s)**: ${sum.bySeverity.high} high, ${sum.bySeverity.medium} medium, ${sum.bySeverity.low} low.`, '',
        '| finding | count |', '|---|---|', ...Object.entries(sum.byFinding).map(([k, v]) => `| ${k} | ${v} |`), '',
        `| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`, ...list.map((x) => `| ${COLUMNS.map((c) => esc(String(x[c]))).join(' | ')} |`), '',
      ].join('\n');
    };
    const meta = { runId: 'r1', mode: 'report' as const, startedAt: '2026-11-22T00:00:00Z' };
    const hostile = [...findings, { ...findings[0]!, detail: '=SUM(A1)|x\ny', resource: 'a,"b"' }];
    for (const list of [[], hostile]) {
      const summary = summarize(list, 1, 1);
      expect(csvHeader() + list.map((x) => csvRows([x])).join('')).toBe(wholeCsv(list));
      expect(markdownHead(summary, meta) + list.map((x) => markdownRows([x])).join('')).toBe(wholeMd(list, summary, meta));
    }
  });

  it('writes Markdown with counts and one escaped row per finding', () => {
    const md = toMarkdown([{ ...findings[0]!, detail: 'a|b' }], summarize(findings, 1, 1), { runId: 'r1', mode: 'report', startedAt: '2026-11-22T00:00:00Z' });
    expect(md).toContain('| missing-grant | 1 |');
    expect(md).toContain('a\\|b');
  });
});
