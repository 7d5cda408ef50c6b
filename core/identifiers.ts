/** Shapes of AWS identifiers amiwarden accepts. Anything else is refused before any AWS call. */
import { InvalidInputError } from './errors';

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const IMAGE_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
// CreateAutoScalingGroup: "any ASCII character 33 to 126 … You cannot use a colon (:)", 1-255 long.
const ASG_NAME = /^[!-9;-~]{1,255}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const SLR_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/aws-service-role\/autoscaling\.amazonaws\.com\/(AWSServiceRoleForAutoScaling(?:_[\w+=,.@-]{1,64})?)$/;

export const isAccountId = (v: unknown): v is string => typeof v === 'string' && ACCOUNT_ID.test(v);
export const isRegion = (v: unknown): v is string => typeof v === 'string' && REGION.test(v);
export const isImageId = (v: unknown): v is string => typeof v === 'string' && IMAGE_ID.test(v);
export const isAsgName = (v: unknown): v is string => typeof v === 'string' && ASG_NAME.test(v);
export const isRoleName = (v: unknown): v is string => typeof v === 'string' && ROLE_NAME.test(v);

export interface KeyArn {
  arn: string;
  partition: Partition;
  region: string;
  account: string;
  keyId: string;
  multiRegion: boolean;
}

/** A full KMS key ARN: cross-account grants need the ARN, never an alias or a bare key id. */
export function parseKeyArn(value: unknown): KeyArn | undefined {
  if (typeof value !== 'string') return undefined;
  const m = KEY_ARN.exec(value);
  if (!m || !isRegion(m[2]) || !KEY_ID.test(m[4]!)) return undefined;
  return {
    arn: value,
    partition: m[1] as Partition,
    region: m[2]!,
    account: m[3]!,
    keyId: m[4]!,
    multiRegion: m[4]!.startsWith('mrk-'),
  };
}

export interface ServiceLinkedRoleArn {
  arn: string;
  partition: Partition;
  account: string;
  roleName: string;
  /** The part after `AWSServiceRoleForAutoScaling_`, if the role was created with a custom suffix. */
  customSuffix?: string;
}

export const SLR_PATH = '/aws-service-role/autoscaling.amazonaws.com/';
export const SLR_BASE_NAME = 'AWSServiceRoleForAutoScaling';

export function parseServiceLinkedRoleArn(value: unknown): ServiceLinkedRoleArn | undefined {
  if (typeof value !== 'string') return undefined;
  const m = SLR_ARN.exec(value);
  if (!m) return undefined;
  const roleName = m[3]!;
  const suffix = roleName.length > SLR_BASE_NAME.length ? roleName.slice(SLR_BASE_NAME.length + 1) : undefined;
  return { arn: value, partition: m[1] as Partition, account: m[2]!, roleName, ...(suffix ? { customSuffix: suffix } : {}) };
}

/**
 * The one check of a grantee for the Auto Scaling grant, made by both grant paths (the
 * launch-failure workflow's grant step and re-encrypt-and-share's target-account step, through
 * services/key-access.ts): an Auto Scaling service-linked role of `account` (its fixed path and
 * name), in amiwarden's partition. A group's ServiceLinkedRoleARN is the member's to write: a
 * `role/developer`, another partition's or another account's role is refused, never granted.
 */
export function memberServiceLinkedRole(value: unknown, account: string, partition: Partition): ServiceLinkedRoleArn | undefined {
  const slr = parseServiceLinkedRoleArn(value);
  return slr && slr.account === account && slr.partition === partition ? slr : undefined;
}

/** The ARN of an account's Auto Scaling service-linked role (the default name unless a suffix is given). */
export function serviceLinkedRoleArn(partition: Partition, account: string, customSuffix?: string): string {
  const name = customSuffix ? `${SLR_BASE_NAME}_${customSuffix}` : SLR_BASE_NAME;
  return `arn:${partition}:iam::${account}:role${SLR_PATH}${name}`;
}

export function partitionOfRegion(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function requireAccountId(field: string, value: unknown): string {
  if (!isAccountId(value)) throw new InvalidInputError(field, `expected a 12-digit AWS account id, got ${describe(value)}`);
  return value;
}

export function requireRegion(field: string, value: unknown): string {
  if (!isRegion(value)) throw new InvalidInputError(field, `expected an AWS region such as us-east-1, got ${describe(value)}`);
  return value;
}

export function requireAsgName(field: string, value: unknown): string {
  if (!isAsgName(value)) throw new InvalidInputError(field, `expected an Auto Scaling group name (1-255 printable ASCII characters, no space or ':'), got ${describe(value)}`);
  return value;
}

export function requireImageId(field: string, value: unknown): string {
  if (!isImageId(value)) throw new InvalidInputError(field, `expected an AMI id such as ami-0123456789abcdef0, got ${describe(value)}`);
  return value;
}

/**
 * The top-level fields of an EventBridge event (EventBridge User Guide, "Amazon EventBridge events";
 * `replay-name` on an archive replay). Event-shaped input takes only these and the few fields a
 * workflow names: an unknown one (a typo such as `dryrun`, a `shareWith`) is refused, never ignored.
 */
export const EVENT_FIELDS = ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail', 'replay-name'] as const;

export function refuseUnknownEventFields(event: Record<string, unknown>, extra: readonly string[]): void {
  const known = new Set<string>([...EVENT_FIELDS, ...extra]);
  const unknown = Object.keys(event).find((k) => !known.has(k));
  if (unknown !== undefined) throw new InvalidInputError(unknown.slice(0, 64), `unknown field; an event has only ${[...known].join(', ')}`);
}

/** A short, safe rendering of a rejected value for an error message (never the whole of a huge input). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

/** The fixed-name amiwarden role in a member account. */
export function memberRoleArn(partition: Partition, account: string, roleName: string): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}
