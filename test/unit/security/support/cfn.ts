/**
 * A small, explicit CloudFormation resolver: just the intrinsics the policies of the two stacks use
 * (Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Split, Fn::If over Fn::Equals conditions, AWS::NoValue), against
 * concrete values. Anything else throws, so a new
 * intrinsic or resource type in a policy fails loudly here instead of being simulated as a guess.
 */
import type { Json, JsonObject, Template } from '../../deploy/templates';

export interface Stack {
  partition: string;
  accountId: string;
  region: string;
  /** Parameter values: a CommaDelimitedList is an array. */
  parameters: Record<string, string | string[]>;
  template: Template;
}

const isObject = (value: Json | undefined): value is JsonObject => !!value && typeof value === 'object' && !Array.isArray(value);

function pseudo(stack: Stack, name: string): string | undefined {
  switch (name) {
    case 'AWS::Partition':
      return stack.partition;
    case 'AWS::AccountId':
      return stack.accountId;
    case 'AWS::Region':
      return stack.region;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      return undefined;
  }
}

/** The physical value of `Ref` for a resource: what CloudFormation would return once deployed. */
function refOfResource(stack: Stack, logicalId: string): string {
  const resource = stack.template.Resources[logicalId];
  if (!resource) throw new Error(`Ref to unknown resource ${logicalId}`);
  const p = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::Events::EventBus':
      return String(p.Name);
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${stack.partition}:states:${stack.region}:${stack.accountId}:stateMachine:${String(p.StateMachineName)}`;
    case 'AWS::S3::Bucket':
      // No BucketName in the template: CloudFormation generates one like this.
      return typeof p.BucketName === 'string' ? p.BucketName : `amiwarden-dev-${logicalId.toLowerCase()}-1a2b3c4d5e6f`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${stack.region}.amazonaws.com/${stack.accountId}/${queueName(logicalId, p)}`;
    case 'AWS::IAM::Role':
      return roleName(stack, logicalId);
    default:
      throw new Error(`the resolver does not know Ref of ${resource.Type} (${logicalId})`);
  }
}

const queueName = (logicalId: string, p: JsonObject): string => (typeof p.QueueName === 'string' ? p.QueueName : `amiwarden-${logicalId}-GENERATED`);

/** A role without RoleName gets a generated one: `<stack>-<logical id>-<suffix>`. */
function roleName(stack: Stack, logicalId: string): string {
  const p = stack.template.Resources[logicalId]?.Properties ?? {};
  return p.RoleName !== undefined ? String(resolve(stack, p.RoleName)) : `amiwarden-${logicalId}-SIMULATED`;
}

function getAtt(stack: Stack, logicalId: string, attribute: string): string {
  const resource = stack.template.Resources[logicalId];
  if (!resource) throw new Error(`Fn::GetAtt of unknown resource ${logicalId}`);
  if (attribute !== 'Arn') throw new Error(`the resolver knows only Fn::GetAtt Arn, not ${attribute} (${logicalId})`);
  const p = resource.Properties ?? {};
  const { partition, region, accountId } = stack;
  switch (resource.Type) {
    case 'AWS::IAM::Role':
      return `arn:${partition}:iam::${accountId}:role${p.Path !== undefined ? String(resolve(stack, p.Path)) : '/'}${roleName(stack, logicalId)}`;
    case 'AWS::Logs::LogGroup':
      return `arn:${partition}:logs:${region}:${accountId}:log-group:${String(p.LogGroupName)}:*`;
    case 'AWS::Lambda::Function':
      return `arn:${partition}:lambda:${region}:${accountId}:function:${String(p.FunctionName)}`;
    case 'AWS::S3::Bucket':
      return `arn:${partition}:s3:::${refOfResource(stack, logicalId)}`;
    case 'AWS::Events::EventBus':
      return `arn:${partition}:events:${region}:${accountId}:event-bus/${String(p.Name)}`;
    case 'AWS::Events::Rule':
      return `arn:${partition}:events:${region}:${accountId}:rule/${typeof p.Name === 'string' ? p.Name : `${logicalId}-GENERATED`}`;
    case 'AWS::SQS::Queue':
      return `arn:${partition}:sqs:${region}:${accountId}:${queueName(logicalId, p)}`;
    default:
      throw new Error(`the resolver does not know Fn::GetAtt of ${resource.Type} (${logicalId})`);
  }
}

/** What `Ref: AWS::NoValue` resolves to: dropped from the list or object that holds it. */
const NO_VALUE = Symbol('AWS::NoValue');

/** A named condition of the template (Fn::Equals of resolved values, Fn::Not, Condition). */
function condition(stack: Stack, name: string): boolean {
  const body = stack.template.Conditions?.[name] as Json | undefined;
  if (body === undefined) throw new Error(`unknown condition ${name}`);
  return evaluate(stack, body);
}

function evaluate(stack: Stack, body: Json): boolean {
  if (!isObject(body) || Object.keys(body).length !== 1) throw new Error(`the resolver does not know the condition ${JSON.stringify(body)}`);
  const [key, arg] = Object.entries(body)[0]!;
  switch (key) {
    case 'Fn::Equals': {
      const [a, b] = arg as [Json, Json];
      return JSON.stringify(resolve(stack, a)) === JSON.stringify(resolve(stack, b));
    }
    case 'Fn::Not':
      return !evaluate(stack, (arg as Json[])[0]!);
    case 'Fn::And':
      return (arg as Json[]).every((c) => evaluate(stack, c));
    case 'Fn::Or':
      return (arg as Json[]).some((c) => evaluate(stack, c));
    case 'Condition':
      return condition(stack, String(arg));
    default:
      throw new Error(`the resolver does not know the condition function ${key}`);
  }
}

function ref(stack: Stack, name: string): string | string[] {
  const value = pseudo(stack, name) ?? stack.parameters[name];
  if (value !== undefined) return value;
  const parameter = stack.template.Parameters?.[name];
  // A CommaDelimitedList's default is a list, as CloudFormation reads it ('' is ['']).
  if (isObject(parameter) && parameter.Default !== undefined) return parameter.Type === 'CommaDelimitedList' ? String(parameter.Default).split(',') : String(parameter.Default);
  if (parameter !== undefined) throw new Error(`parameter ${name} has no value`);
  return refOfResource(stack, name);
}

function sub(stack: Stack, text: string, variables: JsonObject): string {
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (name in variables) return String(resolve(stack, variables[name]));
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return getAtt(stack, name.slice(0, dot), name.slice(dot + 1));
    const value = ref(stack, name);
    if (Array.isArray(value)) throw new Error(`Fn::Sub of list parameter ${name}`);
    return value;
  });
}

/** A resolved list; a string is a CommaDelimitedList parameter's value. */
const asList = (value: Json): Json[] => (Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value]);

/** Resolves every intrinsic in `value`; plain JSON passes through. */
export function resolve(stack: Stack, value: Json | undefined): Json {
  if (value === undefined) throw new Error('nothing to resolve');
  if (Array.isArray(value)) return value.map((v) => resolve(stack, v)).filter((v) => (v as unknown) !== NO_VALUE);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = value[key] as Json;
    switch (key) {
      case 'Ref':
        if (arg === 'AWS::NoValue') return NO_VALUE as unknown as Json;
        return ref(stack, String(arg));
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = arg as [string, Json, Json];
        return resolve(stack, condition(stack, name) ? whenTrue : whenFalse);
      }
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return getAtt(stack, id!, attribute!);
      }
      case 'Fn::Sub':
        return Array.isArray(arg) ? sub(stack, String(arg[0]), (arg[1] ?? {}) as JsonObject) : sub(stack, String(arg), {});
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, Json];
        // The parts: a list of values, or one intrinsic that yields a list (a Ref of a list, an Fn::Split).
        const values = Array.isArray(parts) ? parts.map((part) => resolve(stack, part)) : asList(resolve(stack, parts));
        return values.flat().join(separator);
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, Json];
        const value = resolve(stack, text);
        if (typeof value !== 'string') throw new Error(`Fn::Split of ${JSON.stringify(value)}`);
        return value.split(separator);
      }
      default:
        if (key.startsWith('Fn::') || key === 'Condition') throw new Error(`the resolver does not know ${key}`);
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(stack, v)] as const).filter(([, v]) => (v as unknown) !== NO_VALUE));
}
