/**
 * The compliance sweep's decisions: what it was asked to do, what the inventories it gathered
 * mean (one row per finding), and — in enforce mode — which remediations to start, within a cap.
 * Pure: services/sweep.ts gathers the inventories. Findings are documented in docs/sweep.md.
 */
import type { Config, Mode } from './config';
import { InvalidInputError } from './errors';
import { grantCovers } from './grants';
import { describe, isAccountId, isRegion } from './identifiers';
import { classify, type Classification, type ObservedImage, type ObservedKey } from './image';
import type { PolicyAnalysis } from './key-policy';
import { looksLikeKmsFailure } from './launch-failure';

export interface SweepRequest {
  mode: Mode;
  /** Accounts to sweep; empty = every active account of the organization. */
  accounts: string[];
  regions: string[];
  dryRun: boolean;
  trigger: 'schedule' | 'manual';
}

const MAX_LISTED_ACCOUNTS = 5000;

const MANUAL_SWEEP_FIELDS = new Set(['mode', 'accounts', 'regions', 'dryRun']);

/**
 * Accepts the schedule's event (from the central account) or `{mode?, accounts?, regions?, dryRun?}`.
 * A manual request with any other field (a typo such as `dryrun`) is refused, never ignored.
 */
export function parseSweepRequest(input: unknown, config: Pick<Config, 'mode' | 'regions' | 'centralAccountId'>): SweepRequest {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new InvalidInputError('input', `expected an object, got ${describe(input)}`);
  if (o.source !== undefined && o.source !== 'aws.events' && o.source !== 'aws.scheduler') {
    throw new InvalidInputError('source', `expected a schedule ("aws.events" or "aws.scheduler"), got ${describe(o.source)}`);
  }
  const scheduled = o.source !== undefined;
  if (scheduled && o.account !== undefined && o.account !== config.centralAccountId) {
    throw new InvalidInputError('account', `expected the schedule of the central account ${config.centralAccountId}, got ${describe(o.account)}`);
  }
  if (!scheduled) {
    const unknown = Object.keys(o).find((k) => !MANUAL_SWEEP_FIELDS.has(k));
    if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; a manual sweep request has only ${[...MANUAL_SWEEP_FIELDS].join(', ')}`);
  }
  const mode = o.mode ?? config.mode;
  if (mode !== 'report' && mode !== 'enforce') throw new InvalidInputError('mode', `expected "report" or "enforce", got ${describe(mode)}`);
  const dryRun = o.dryRun ?? false;
  if (typeof dryRun !== 'boolean') throw new InvalidInputError('dryRun', `expected true or false, got ${describe(dryRun)}`);

  const accounts = scheduled ? [] : list('accounts', o.accounts, MAX_LISTED_ACCOUNTS);
  for (const [i, a] of accounts.entries()) if (!isAccountId(a)) throw new InvalidInputError(`accounts[${i}]`, `expected a 12-digit account id, got ${describe(a)}`);
  const regions = scheduled ? [] : list('regions', o.regions, 50);
  for (const [i, r] of regions.entries()) {
    if (!isRegion(r)) throw new InvalidInputError(`regions[${i}]`, `expected a region, got ${describe(r)}`);
    if (!config.regions.includes(r)) throw new InvalidInputError(`regions[${i}]`, `${r} is not one of the configured regions (${config.regions.join(', ')})`);
  }
  return { mode, accounts: [...new Set(accounts)], regions: regions.length ? [...new Set(regions)] : [...config.regions], dryRun, trigger: scheduled ? 'schedule' : 'manual' };
}

function list(field: string, value: unknown, max: number): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(value) || value.length > max || value.some((v) => typeof v !== 'string')) {
    throw new InvalidInputError(field, `expected a list of at most ${max} strings, got ${describe(value)}`);
  }
  return value as string[];
}

// ---------------------------------------------------------------------------------------------
// Inventories (what services/sweep.ts gathers, stored between steps)

export interface CentralInventory {
  region: string;
  keyArn: string | null;
  images: (ObservedImage & { launchableBy: string[] })[];
  snapshots: { snapshotId: string; encrypted: boolean; kmsKeyId?: string }[];
  keys: ObservedKey[];
  /** Grants on the region's organization key. */
  /** `constrained`: the grant holds only for a given encryption context (written only when true). */
  grants: { granteePrincipal: string; operations: string[]; constrained?: true }[];
  /** Can a member create the Auto Scaling grant on the organization key? */
  keyPolicy: PolicyAnalysis | null;
  /** Account ids amiwarden shares with (launch permission checked per image). */
  shareAccounts: string[];
}

export interface MemberInventory {
  account: string;
  region: string;
  status: 'inspected' | 'member-role-unavailable' | 'failed';
  detail: string | null;
  groups: { name: string; serviceLinkedRoleArn: string; serviceLinkedRoleExists: boolean | null; imageIds: string[] }[];
  activities: { autoScalingGroupName: string; statusCode: string; statusMessage: string; time: string | null }[];
  /** The account's default EBS key, when it is the AWS managed key (a finding). */
  defaultEbsKey: { keyId: string; awsManaged: boolean } | null;
}

// ---------------------------------------------------------------------------------------------
// Findings

export type Severity = 'high' | 'medium' | 'low';

export const FINDINGS = {
  'ami-aws-managed-key': 'high',
  'ami-unencrypted': 'medium',
  'ami-foreign-cmk': 'medium',
  'ami-no-key-for-region': 'medium',
  'ami-not-shared': 'low',
  'key-policy-blocks-member-grants': 'high',
  'member-role-unavailable': 'high',
  'member-inspection-failed': 'medium',
  'asg-ami-aws-managed-key': 'high',
  'asg-key-not-enabled': 'high',
  'asg-missing-grant': 'high',
  'asg-service-linked-role-missing': 'high',
  'asg-recent-kms-launch-failures': 'medium',
  'default-ebs-key-aws-managed': 'low',
} as const satisfies Record<string, Severity>;
export type FindingType = keyof typeof FINDINGS;

export interface Remediation {
  workflow: 'reencrypt-and-share' | 'launch-failure';
  input: Record<string, unknown>;
}

export interface Finding {
  account: string;
  region: string;
  resource: string;
  finding: FindingType;
  severity: Severity;
  detail: string;
  action: string;
  remediation: Remediation | null;
}

/** Makes the finding rows of one account and region. */
function rowsFor(account: string, region: string) {
  return (resource: string, finding: FindingType, detail: string, action: string, remediation: Remediation | null = null): Finding => ({
    account,
    region,
    resource,
    finding,
    severity: FINDINGS[finding],
    detail,
    action,
    remediation,
  });
}

const CLASSIFICATION_FINDING: Partial<Record<Classification, FindingType>> = {
  'aws-managed-key': 'ami-aws-managed-key',
  unencrypted: 'ami-unencrypted',
  'foreign-cmk': 'ami-foreign-cmk',
  'no-key-for-region': 'ami-no-key-for-region',
};

export function centralFindings(inv: CentralInventory, config: Pick<Config, 'centralAccountId'>): Finding[] {
  const account = config.centralAccountId;
  const findings: Finding[] = [];
  const row = rowsFor(account, inv.region);
  // A copy hides its source only while it is, or may still become, usable: after a failed copy the
  // source is reported again, and its re-encryption starts a new copy (core/image.ts copyRequest).
  const copies = new Set(inv.images.filter((i) => i.state === 'available' || i.state === 'pending').map((i) => i.imageId));
  for (const image of inv.images) {
    const inspection = classify({
      request: { imageId: image.imageId, region: inv.region, trigger: 'sweep', eventId: null, dryRun: false },
      centralAccountId: account,
      ...(inv.keyArn ? { keyArn: inv.keyArn } : {}),
      image,
      snapshots: inv.snapshots,
      keys: inv.keys,
      elapsedMinutes: 0,
      waitMinutes: 0,
    });
    const type = CLASSIFICATION_FINDING[inspection.classification];
    const copy = inspection.copyImageId && copies.has(inspection.copyImageId) ? inspection.copyImageId : null;
    if (type && !copy) {
      const remediable = inspection.needsCopy;
      findings.push(
        row(image.imageId, type, inspection.finding, remediable ? 'copy with the organization key and share the copy (reencrypt-and-share)' : `configure a key for ${inv.region} in AMIWARDEN_KMS_KEY_ARNS`,
          remediable ? { workflow: 'reencrypt-and-share', input: { imageId: image.imageId, region: inv.region, trigger: 'sweep' } } : null),
      );
    }
    if (inspection.classification === 'compliant') {
      const missing = inv.shareAccounts.filter((a) => !image.launchableBy.includes(a));
      if (missing.length > 0) {
        findings.push(
          row(image.imageId, 'ami-not-shared', `${image.imageId} is on the organization key but ${missing.join(', ')} may not launch it`, 'share it with the configured targets (reencrypt-and-share)', {
            workflow: 'reencrypt-and-share',
            input: { imageId: image.imageId, region: inv.region, trigger: 'sweep' },
          }),
        );
      }
    }
  }
  if (inv.keyArn && inv.keyPolicy?.verdict === 'blocked') {
    findings.push(row(inv.keyArn, 'key-policy-blocks-member-grants', inv.keyPolicy.reasons.join('; '), inv.keyPolicy.fix ?? 'allow members kms:CreateGrant for their Auto Scaling role'));
  }
  return findings;
}

/**
 * The planned member inspections that left no inventory: the Map item failed (within its tolerated
 * share), timed out, or never ran. Without this row such an account would vanish from the report.
 */
export function missingInspectionFindings(targets: { account: string; region: string }[], inventoried: { account: string; region: string }[]): Finding[] {
  const done = new Set(inventoried.map((i) => `${i.account}/${i.region}`));
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const t of targets) {
    const key = `${t.account}/${t.region}`;
    if (done.has(key) || seen.has(key)) continue;
    seen.add(key);
    findings.push(
      rowsFor(t.account, t.region)(t.account, 'member-inspection-failed', `no inventory of ${t.account} in ${t.region}: its inspection failed or did not finish, so its groups were not checked`, 'see the sweep execution for the failed item, then sweep again'),
    );
  }
  return findings;
}

export function memberFindings(inv: MemberInventory, centrals: CentralInventory[], config: Pick<Config, 'centralAccountId' | 'partition' | 'createServiceLinkedRole'>): Finding[] {
  const findings: Finding[] = [];
  const row = rowsFor(inv.account, inv.region);
  if (inv.status === 'member-role-unavailable') {
    return [row(`arn:${config.partition}:iam::${inv.account}:role`, 'member-role-unavailable', inv.detail ?? 'the member role cannot be assumed', 'deploy the member stack (member/member-account.yml) to this account')];
  }
  if (inv.status === 'failed') return [row(inv.account, 'member-inspection-failed', inv.detail ?? 'the inspection failed', 'see the sweep execution for the error')];

  const central = centrals.find((c) => c.region === inv.region);
  for (const group of inv.groups) {
    const resource = `autoScalingGroup/${group.name}`;
    const launch = { workflow: 'launch-failure' as const, input: { account: inv.account, region: inv.region, autoScalingGroupName: group.name } };
    for (const imageId of group.imageIds) {
      const image = central?.images.find((i) => i.imageId === imageId);
      if (!central || !image) continue; // not a central image: not amiwarden's to judge
      const keyIds = [...new Set(image.snapshots.flatMap((m) => {
        const s = central.snapshots.find((x) => x.snapshotId === m.snapshotId);
        return s?.encrypted && s.kmsKeyId ? [s.kmsKeyId] : [];
      }))];
      const keys = keyIds.map((id) => central.keys.find((k) => k.keyId === id || k.keyArn === id) ?? { keyId: id, found: false });
      if (keys.some((k) => k.keyManager === 'AWS')) {
        findings.push(row(resource, 'asg-ami-aws-managed-key', `${group.name} launches ${imageId}, which uses the AWS managed key: it cannot launch from another account`, 're-encrypt the AMI and point the launch template at the copy'));
        continue;
      }
      const orgKeys = keys.filter((k) => (k.keyArn ?? k.keyId) === central.keyArn);
      if (keys.some((k) => !k.found || (k.keyState && k.keyState !== 'Enabled'))) {
        findings.push(row(resource, 'asg-key-not-enabled', `${group.name} launches ${imageId}, whose key is not enabled`, 'enable the key or cancel its deletion'));
        continue;
      }
      if (orgKeys.length === 0) continue;
      const covered = central.grants.some((g) => grantCovers(g, group.serviceLinkedRoleArn));
      if (covered) continue;
      if (group.serviceLinkedRoleExists === false) {
        findings.push(
          row(resource, 'asg-service-linked-role-missing', `${group.serviceLinkedRoleArn} does not exist`, config.createServiceLinkedRole ? 'create the role and the grant (launch-failure)' : 'create the service-linked role, then the grant',
            config.createServiceLinkedRole ? launch : null),
        );
      } else {
        findings.push(row(resource, 'asg-missing-grant', `${group.serviceLinkedRoleArn} has no grant on ${central.keyArn}: ${group.name} cannot launch ${imageId}`, 'create the grant from the member account (launch-failure)', launch));
      }
    }
  }
  const failing = new Map<string, MemberInventory['activities'][number]>();
  for (const a of inv.activities) if (['Failed', 'Cancelled'].includes(a.statusCode) && looksLikeKmsFailure(a.statusMessage) && !failing.has(a.autoScalingGroupName)) failing.set(a.autoScalingGroupName, a);
  for (const [name, a] of failing) {
    findings.push(row(`autoScalingGroup/${name}`, 'asg-recent-kms-launch-failures', `${a.statusCode}${a.time ? ` at ${a.time}` : ''}: ${a.statusMessage.slice(0, 300)}`, 'diagnose it (amiwarden remediate-asg)'));
  }
  if (inv.defaultEbsKey?.awsManaged) {
    findings.push(row(inv.account, 'default-ebs-key-aws-managed', `the default EBS key of ${inv.account} in ${inv.region} is the AWS managed key (${inv.defaultEbsKey.keyId})`, `aws ec2 modify-ebs-default-kms-key-id --kms-key-id <organization key ARN> --region ${inv.region}`));
  }
  return findings;
}

export interface SweepSummary {
  findings: number;
  byFinding: Partial<Record<FindingType, number>>;
  bySeverity: Record<Severity, number>;
  accounts: number;
  regions: number;
}

export function summarize(findings: Finding[], accounts: number, regions: number): SweepSummary {
  const byFinding: Partial<Record<FindingType, number>> = {};
  const bySeverity: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
  for (const f of findings) {
    byFinding[f.finding] = (byFinding[f.finding] ?? 0) + 1;
    bySeverity[f.severity] += 1;
  }
  return { findings: findings.length, byFinding, bySeverity, accounts, regions };
}

/** The remediations enforce mode starts: most severe first, one per resource, at most `cap`. */
export function planRemediations(findings: Finding[], cap: number): { remediations: Remediation[]; skipped: number } {
  const order: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
  const seen = new Set<string>();
  const all: Remediation[] = [];
  for (const f of [...findings].sort((a, b) => order[a.severity] - order[b.severity])) {
    if (!f.remediation) continue;
    const key = `${f.remediation.workflow}:${JSON.stringify(f.remediation.input)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(f.remediation);
  }
  return { remediations: all.slice(0, cap), skipped: Math.max(0, all.length - cap) };
}

// ---------------------------------------------------------------------------------------------
// Reports

const COLUMNS = ['account', 'region', 'resource', 'finding', 'severity', 'detail', 'action'] as const;

export function toCsv(findings: Finding[]): string {
  const cell = (v: string) => {
    // Neutralise spreadsheet formulas and quote everything.
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return `"${safe.replace(/"/g, '""')}"`;
  };
  return [COLUMNS.join(','), ...findings.map((f) => COLUMNS.map((c) => cell(String(f[c]))).join(','))].join('\n') + '\n';
}

export function toMarkdown(findings: Finding[], summary: SweepSummary, meta: { runId: string; mode: Mode; startedAt: string }): string {
  const esc = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `# amiwarden compliance sweep ${meta.runId}`,
    '',
    `Mode: ${meta.mode}. Started ${meta.startedAt}. ${summary.accounts} account(s) × ${summary.regions} region(s).`,
    '',
    `**${summary.findings} finding(s)**: ${summary.bySeverity.high} high, ${summary.bySeverity.medium} medium, ${summary.bySeverity.low} low.`,
    '',
    '| finding | count |',
    '|---|---|',
    ...Object.entries(summary.byFinding).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...findings.map((f) => `| ${COLUMNS.map((c) => esc(String(f[c]))).join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}
