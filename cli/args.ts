/**
 * Argument parsing (node:util parseArgs, strict) and the validators every value passes before any
 * AWS call: a bad value is a UsageError that names the option, and nothing starts.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidInputError } from '../core/errors';
import { describe, isRegion, parseKeyArn, requireAccountId, requireAsgName, requireImageId, requireRegion, PARTITIONS, type KeyArn, type Partition } from '../core/identifiers';
import { UsageError } from './errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies OptionSpec;

/** Options of the commands that reach the deployed stack. */
export const STACK_OPTIONS = {
  stack: { type: 'string' },
  'stack-region': { type: 'string' },
  profile: { type: 'string' },
} as const satisfies OptionSpec;

export function parse(argv: string[], options: OptionSpec, maxPositionals = 0): Parsed {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    const message = (error as Error).message.split('. To specify a positional')[0]!;
    throw new UsageError(message);
  }
  if (parsed.positionals.length > maxPositionals && !parsed.values.help) {
    throw new UsageError(`unexpected argument ${describe(parsed.positionals[maxPositionals])}`);
  }
  return parsed;
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A repeatable option that also takes comma-separated lists: `--account a --account b,c`. */
export function strList(values: Values, name: string): string[] {
  const v = values[name];
  const raw = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  return raw.flatMap((s) => s.split(',')).map((s) => s.trim());
}

export function required(values: Values, name: string): string {
  const value = str(values, name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** Runs a core validator; its InvalidInputError becomes a UsageError naming the option. */
function check<T>(option: string, validate: (field: string, value: unknown) => T, value: unknown): T {
  try {
    return validate(`--${option}`, value);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(`invalid --${option}: ${error.message.replace(/^Invalid input --[\w-]+: /, '')}`);
    throw error;
  }
}

export const accountId = (option: string, value: unknown) => check(option, requireAccountId, value);
export const region = (option: string, value: unknown) => check(option, requireRegion, value);
export const asgName = (option: string, value: unknown) => check(option, requireAsgName, value);
export const imageId = (option: string, value: unknown) => check(option, requireImageId, value);

const PARTITION = '(aws|aws-cn|aws-us-gov)';
const NAME = '[^\\s:<>{}\\[\\]?*"#%\\\\^|~`$&,;/]{1,80}';
const STATE_MACHINE_ARN = new RegExp(`^arn:${PARTITION}:states:([a-z0-9-]+):(\\d{12}):stateMachine:(${NAME})$`);
const EXECUTION_ARN = new RegExp(`^arn:${PARTITION}:states:([a-z0-9-]+):(\\d{12}):(execution|express):(${NAME}):(${NAME})$`);
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const STACK_NAME = /^([A-Za-z][A-Za-z0-9-]{0,127}|arn:(aws|aws-cn|aws-us-gov):cloudformation:[a-z0-9-]+:\d{12}:stack\/[A-Za-z][A-Za-z0-9-]{0,127}\/[0-9a-f-]+)$/;
const PROFILE = /^[\w+=,.@:/-]{1,128}$/;

export interface StateMachineArn {
  arn: string;
  region: string;
  account: string;
  name: string;
}

export function stateMachineArn(option: string, value: unknown): StateMachineArn {
  const m = typeof value === 'string' ? STATE_MACHINE_ARN.exec(value) : null;
  if (!m || !isRegion(m[2])) {
    throw new UsageError(`invalid --${option}: expected a state machine ARN such as arn:aws:states:us-east-1:111122223333:stateMachine:amiwarden-launch-failure-prod, got ${describe(value)}`);
  }
  return { arn: value as string, region: m[2]!, account: m[3]!, name: m[4]! };
}

export function executionArn(option: string, value: unknown): { arn: string; region: string; stateMachineName: string } {
  const m = typeof value === 'string' ? EXECUTION_ARN.exec(value) : null;
  if (!m || !isRegion(m[2])) {
    throw new UsageError(`invalid ${option}: expected an execution ARN such as arn:aws:states:us-east-1:111122223333:execution:amiwarden-launch-failure-prod:0f1e…, got ${describe(value)}`);
  }
  return { arn: value as string, region: m[2]!, stateMachineName: m[5]! };
}

export function keyArn(option: string, value: unknown): KeyArn {
  const key = parseKeyArn(value);
  if (!key) throw new UsageError(`invalid --${option}: expected a full KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>, not an alias or a key id), got ${describe(value)}`);
  return key;
}

export function organizationId(option: string, value: unknown): string {
  if (typeof value !== 'string' || !ORGANIZATION_ID.test(value)) throw new UsageError(`invalid --${option}: expected an organization id such as o-a1b2c3d4e5, got ${describe(value)}`);
  return value;
}

export function partition(option: string, value: unknown): Partition {
  if (typeof value !== 'string' || !(PARTITIONS as readonly string[]).includes(value)) throw new UsageError(`invalid --${option}: expected one of ${PARTITIONS.join(', ')}, got ${describe(value)}`);
  return value as Partition;
}

export function stackName(option: string, value: unknown): string {
  if (typeof value !== 'string' || !STACK_NAME.test(value)) throw new UsageError(`invalid --${option}: expected a CloudFormation stack name such as amiwarden-prod, got ${describe(value)}`);
  return value;
}

export function profileName(option: string, value: unknown): string {
  if (typeof value !== 'string' || !PROFILE.test(value)) throw new UsageError(`invalid --${option}: expected an AWS profile name, got ${describe(value)}`);
  return value;
}

export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw new UsageError(`invalid --${option}: expected one of ${allowed.join(', ')}, got ${describe(value)}`);
  return value as T;
}

export function positiveInt(option: string, value: unknown, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`invalid --${option}: expected a whole number from 1 to ${max}, got ${describe(value)}`);
  return n;
}
