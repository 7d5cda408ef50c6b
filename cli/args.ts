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
  output: { type: 'string' },
  local: { type: 'boolean' },
  'local-dir': { type: 'string' },
} as const satisfies OptionSpec;

export const OUTPUT_FORMATS = ['table', 'json'] as const;

/** `--json`, or `--output json` (the AWS CLI's spelling); `--output table` is the default for people. */
export function jsonOutput(values: Values): boolean {
  const output = str(values, 'output');
  if (output !== undefined) oneOf('output', output, OUTPUT_FORMATS);
  if (output === 'table' && flag(values, 'json')) throw new UsageError('--output table cannot be used with --json');
  return flag(values, 'json') || output === 'json';
}

/** The closest of `candidates` to a mistyped `word` (edit distance at most 2, or a unique prefix), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = current;
      }
    }
    return row[b.length]!;
  };
  const prefixed = candidates.filter((c) => word.length >= 3 && c.startsWith(word));
  if (prefixed.length === 1) return prefixed[0];
  const scored = candidates.map((c) => ({ c, d: distance(word, c) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.min(2, Math.max(1, Math.floor(word.length / 3))) ? best.c : undefined;
}

/** Options of the commands that reach the deployed stack. */
export const STACK_OPTIONS = {
  stack: { type: 'string' },
  'stack-region': { type: 'string' },
  profile: { type: 'string' },
} as const satisfies OptionSpec;

export function parse(argv: string[], options: OptionSpec, maxPositionals = 0, command?: { name: string }): Parsed {
  let parsed: { values: Values; positionals: string[] };
  const all = { ...COMMON_OPTIONS, ...options };
  try {
    parsed = parseArgs({ args: argv, options: all, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    const message = (error as Error).message.split('. To specify a positional')[0]!;
    const unknown = /^Unknown option '--?([^']+)'/.exec(message)?.[1];
    const suggestion = unknown !== undefined ? closest(unknown, Object.keys(all)) : undefined;
    const help = command ? `; \`amiwarden ${command.name} --help\` lists the options` : '';
    throw new UsageError(`${message}${suggestion ? `: did you mean --${suggestion}?` : ''}${help}`);
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
