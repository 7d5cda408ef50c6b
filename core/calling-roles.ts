/**
 * Calling roles: launch paths where EC2 uses the central key as the role that called it, not as a
 * service-linked role — EC2 Fleet `instant` (Karpenter's CreateFleet), RunInstances by a role, EKS
 * Auto Mode (the cluster role). Which images such a role launches is decided outside AWS
 * (Karpenter's `amiSelectorTerms`), and no AWS API names the role for a launch that has not failed
 * yet, so amiwarden knows these roles from configuration only, never from a tag:
 *
 * - AMIWARDEN_CALLING_ROLES: roles (names, or ARNs for one account) the sweep checks in each member
 *   account; a role that lacks access gets a finding with the exact key-policy and IAM statements.
 * - AMIWARDEN_CALLING_ROLE_GRANTS (off by default): roles amiwarden may instead give a grant, made
 *   from the member account like every amiwarden grant.
 *
 * A role is matched against what IAM says about it (GetRole's Arn), in that account only.
 */
import type { Partition } from './identifiers';

export interface CallingRoleSpec {
  /** The role's name (IAM role names are unique in an account, whatever their path). */
  name: string;
  /** Only in this account (a role ARN names one); every member account otherwise. */
  account?: string;
  /** The path an ARN names (`/` for none); any path otherwise. */
  path?: string;
  partition?: Partition;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role(\/(?:[\x21-\x7e]+\/)?)?([\w+=,.@-]{1,64})$/;

/** A role name, or a role ARN; null for anything else (a user, a wildcard, an assumed-role session). */
export function parseCallingRole(value: string): CallingRoleSpec | null {
  const v = value.trim();
  if (ROLE_NAME.test(v)) return { name: v };
  const m = ROLE_ARN.exec(v);
  if (!m) return null;
  return { name: m[4]!, account: m[2]!, path: m[3] ?? '/', partition: m[1] as Partition };
}

/** The parts of a role ARN IAM returned. */
export function roleArnParts(arn: string): { partition: Partition; account: string; path: string; name: string } | null {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1] as Partition, account: m[2]!, path: m[3] ?? '/', name: m[4]! } : null;
}

/** Whether the role IAM names `arn` is the one a spec means. */
export function matchesSpec(spec: CallingRoleSpec, arn: string): boolean {
  const parts = roleArnParts(arn);
  if (!parts || parts.name !== spec.name) return false;
  if (spec.account !== undefined && spec.account !== parts.account) return false;
  if (spec.partition !== undefined && spec.partition !== parts.partition) return false;
  return spec.path === undefined || spec.path === parts.path;
}

/** The configured roles that may be in this account (the role names GetRole is asked about). */
export function specsFor(specs: readonly CallingRoleSpec[], account: string): CallingRoleSpec[] {
  return specs.filter((s) => s.account === undefined || s.account === account);
}

/** Is `arn` a calling role of `account` that amiwarden is configured to grant to? */
export function isGrantableCallingRole(arn: string, account: string, grants: readonly CallingRoleSpec[], partition: Partition): boolean {
  const parts = roleArnParts(arn);
  if (!parts || parts.account !== account || parts.partition !== partition) return false;
  // Never a service-linked role through this door: those have grant paths of their own.
  if (parts.path.startsWith('/aws-service-role/')) return false;
  return grants.some((s) => matchesSpec(s, arn));
}

/** The key operations EC2 needs for a caller's encrypted volumes, as policy actions. */
export const CALLING_ROLE_KEY_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'] as const;

/**
 * The two statements that let a member's calling role launch from images on the central key
 * (AWS KMS Developer Guide, condition keys kms:ViaService and kms:CallerAccount):
 * - in the key policy, the member account may use the key only through EC2 in the key's Region;
 * - in the member account, the role's own IAM policy allows the same, on that key only.
 */
export function callingRoleStatements(input: { partition: Partition; region: string; member: string; keyArn: string; roleArn: string }) {
  const via = `ec2.${input.region}.amazonaws.com`;
  const keyPolicy = {
    Sid: `AllowEc2LaunchesOf${input.member}`,
    Effect: 'Allow',
    Principal: { AWS: `arn:${input.partition}:iam::${input.member}:root` },
    Action: [...CALLING_ROLE_KEY_ACTIONS],
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': via, 'kms:CallerAccount': input.member } },
  };
  const iam = {
    Sid: 'UseTheOrganizationKeyThroughEc2',
    Effect: 'Allow',
    Action: [...CALLING_ROLE_KEY_ACTIONS],
    Resource: input.keyArn,
    Condition: { StringEquals: { 'kms:ViaService': via } },
  };
  return { keyPolicy, iam };
}
