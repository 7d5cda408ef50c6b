/**
 * amiwarden's findings in the AWS Security Finding Format (ASFF), for Security Hub. Producers (the
 * sweep, the launch-failure diagnosis, or any check catalogue) hand over a plain list of findings;
 * `toAsff` is the one mapping. Documented in docs/security-hub.md.
 */
import { createHash } from 'node:crypto';
import { CATALOGUE } from './checks';
import type { Partition } from './identifiers';

export type PlainSeverity = 'critical' | 'high' | 'medium' | 'low' | 'informational';

/** A finding as any producer states it: what, where, how bad, the evidence and the fix. */
export interface PlainFinding {
  /** Stable across runs for the same problem on the same resource (the check and the resource, never a time). */
  id: string;
  /** The check that found it (the ASFF GeneratorId's last part), e.g. `ami-aws-managed-key`. */
  check: string;
  title: string;
  severity: PlainSeverity;
  account: string;
  region: string;
  resource: { type: string; id: string };
  evidence: string;
  fix: string | null;
}

export interface AsffContext {
  /** The account that imports (the central account): ASFF's AwsAccountId must be the caller's. */
  importingAccount: string;
  /** The Region of the Security Hub the findings go to (the product ARN's Region). */
  hubRegion: string;
  partition: Partition;
  /** `sweep` or `diagnosis`: part of every id and generator, so that each producer resolves only its own findings. */
  producer: string;
  now: Date;
}

/** The custom integration's product: every account may import into its own `default` product. */
export const productArn = (partition: Partition, region: string, account: string) => `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;

export const ASFF_SEVERITY: Record<PlainSeverity, string> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', informational: 'INFORMATIONAL' };
export const SCHEMA_VERSION = '2018-10-08';
export const FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices';

/** The ASFF Id: `amiwarden/<producer>/<hash of the plain id>` (ASFF ids are at most 512 characters). */
export function findingId(producer: string, id: string): string {
  return `amiwarden/${producer}/${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

export const generatorPrefix = (producer: string) => `amiwarden/${producer}/`;

/** The product fields that say which account and Region a finding is about (ASFF's AwsAccountId is the importing account's). */
export const ACCOUNT_FIELD = 'amiwarden/Account';
export const REGION_FIELD = 'amiwarden/Region';

/** The ASFF record of a finding that is present (ACTIVE, compliance FAILED). */
export function toAsff(finding: PlainFinding, ctx: AsffContext) {
  const now = ctx.now.toISOString();
  return {
    SchemaVersion: SCHEMA_VERSION,
    Id: findingId(ctx.producer, finding.id),
    ProductArn: productArn(ctx.partition, ctx.hubRegion, ctx.importingAccount),
    ProductName: 'amiwarden',
    CompanyName: 'amiwarden',
    GeneratorId: `${generatorPrefix(ctx.producer)}${finding.check}`.slice(0, 512),
    AwsAccountId: ctx.importingAccount,
    Region: finding.region,
    Types: [FINDING_TYPE],
    CreatedAt: now,
    UpdatedAt: now,
    Severity: { Label: ASFF_SEVERITY[finding.severity], Original: finding.severity },
    Title: finding.title.slice(0, 256),
    Description: finding.evidence.slice(0, 1024) || finding.title.slice(0, 1024),
    ...(finding.fix ? { Remediation: { Recommendation: { Text: finding.fix.slice(0, 512) } } } : {}),
    Resources: [{ Type: finding.resource.type, Id: finding.resource.id.slice(0, 512), Partition: ctx.partition, Region: finding.region }],
    Compliance: { Status: 'FAILED' },
    RecordState: 'ACTIVE',
    ProductFields: { [ACCOUNT_FIELD]: finding.account, [REGION_FIELD]: finding.region, 'amiwarden/Check': finding.check, 'amiwarden/FindingId': finding.id.slice(0, 1024) },
  };
}

export type AsffFinding = ReturnType<typeof toAsff>;

/** An ASFF finding as Security Hub holds it: the fields amiwarden reads, the rest carried as they are. */
export interface AsffRecord {
  Id?: string;
  CreatedAt?: string;
  ProductFields?: Record<string, string>;
  [field: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// The compliance sweep's rows as plain findings

/** A sweep row (core/sweep.ts Finding) in the shape any producer hands over. */
export interface SweepRow {
  account: string;
  region: string;
  resource: string;
  finding: string;
  severity: 'high' | 'medium' | 'low';
  detail: string;
  action: string;
}

/** A check's title, from the catalogue (core/checks/); the id itself for one it does not know. */
export function checkTitle(id: string): string {
  return CATALOGUE.find((c) => c.id === id)?.title ?? id;
}

/** Where a sweep row points, as an ASFF resource. */
export function sweepResource(row: Pick<SweepRow, 'account' | 'region' | 'resource'>, partition: Partition): PlainFinding['resource'] {
  const r = row.resource;
  if (/^ami-[0-9a-f]+$/.test(r)) return { type: 'Other', id: `arn:${partition}:ec2:${row.region}::image/${r}` };
  if (/^arn:[\w-]+:kms:/.test(r)) return { type: 'AwsKmsKey', id: r };
  if (/^arn:[\w-]+:iam::\d{12}:role/.test(r)) return { type: 'AwsIamRole', id: r };
  if (r.startsWith('autoScalingGroup/')) return { type: 'AwsAutoScalingAutoScalingGroup', id: `arn:${partition}:autoscaling:${row.region}:${row.account}:autoScalingGroup:*:autoScalingGroupName/${r.slice('autoScalingGroup/'.length)}` };
  if (r.startsWith('spotFleetRequest/')) return { type: 'Other', id: `arn:${partition}:ec2:${row.region}:${row.account}:spot-fleet-request/${r.slice('spotFleetRequest/'.length)}` };
  if (r.startsWith('fleet/')) return { type: 'Other', id: `arn:${partition}:ec2:${row.region}:${row.account}:fleet/${r.slice('fleet/'.length)}` };
  if (/^\d{12}$/.test(r)) return { type: 'AwsAccount', id: `AWS::::Account:${r}` };
  return { type: 'Other', id: r };
}

export function fromSweepRow(row: SweepRow, partition: Partition): PlainFinding {
  return {
    id: `${row.finding}|${row.account}|${row.region}|${row.resource}`,
    check: row.finding,
    title: checkTitle(row.finding),
    severity: row.severity,
    account: row.account,
    region: row.region,
    resource: sweepResource(row, partition),
    evidence: row.detail,
    fix: row.action,
  };
}
