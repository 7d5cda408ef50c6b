/**
 * Loads the deployable templates and walks their policies, for the tests in this folder.
 * The central template is the one `npm run package` writes; it is rebuilt when missing or older
 * than its sources (serverless.yml, resources/, statemachines/, events/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..', '..');
const CENTRAL = join(ROOT, '.serverless', 'cloudformation-template-update-stack.json');
const CENTRAL_SOURCES = ['serverless.yml', 'resources', 'statemachines', 'events'];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export interface Resource {
  Type: string;
  Properties?: JsonObject;
  Condition?: string;
  DependsOn?: string | string[];
}
export interface Template {
  Parameters?: JsonObject;
  Conditions?: JsonObject;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, JsonObject>;
}

function newestMtime(path: string): number {
  const full = join(ROOT, path);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(full).map((name) => newestMtime(join(path, name))));
}

export function loadCentralTemplate(): Template {
  const stale = !existsSync(CENTRAL) || Math.max(...CENTRAL_SOURCES.map(newestMtime)) > statSync(CENTRAL).mtimeMs;
  if (stale) execFileSync(join(ROOT, 'scripts', 'package.sh'), { cwd: ROOT, stdio: 'pipe', env: { ...process.env, STAGE: 'dev' } });
  return JSON.parse(readFileSync(CENTRAL, 'utf8')) as Template;
}

export function loadMemberTemplate(): Template {
  return parse(readFileSync(join(ROOT, 'member', 'member-account.yml'), 'utf8')) as Template;
}

export function loadLaunchFailurePattern(): JsonObject {
  return JSON.parse(readFileSync(join(ROOT, 'events', 'launch-failure.pattern.json'), 'utf8')) as JsonObject;
}

export function loadFleetErrorPattern(): JsonObject {
  return JSON.parse(readFileSync(join(ROOT, 'events', 'fleet-error.pattern.json'), 'utf8')) as JsonObject;
}

export const resourcesOfType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** identity: attached to a principal (Resource matters); resource: a resource's own policy (Principal matters). */
export type PolicyKind = 'identity' | 'trust' | 'resource';
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: Json;
  Resource?: Json;
  Principal?: Json;
  Condition?: JsonObject;
}
export interface FoundStatement {
  where: string;
  kind: PolicyKind;
  resourceType: string;
  statement: Statement;
}

const statementsOf = (document: Json | undefined): Statement[] =>
  document && typeof document === 'object' && !Array.isArray(document) ? asArray(document.Statement as unknown as Statement | Statement[]) : [];

/** Every policy statement in a template, whatever resource carries it. */
export function policyStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  const add = (where: string, kind: PolicyKind, resourceType: string, document: Json | undefined) =>
    statementsOf(document).forEach((statement, i) => found.push({ where: `${where}[${statement.Sid ?? i}]`, kind, resourceType, statement }));

  for (const [id, { Type, Properties: p = {} }] of Object.entries(template.Resources)) {
    switch (Type) {
      case 'AWS::IAM::Role':
        add(`${id}.AssumeRolePolicyDocument`, 'trust', Type, p.AssumeRolePolicyDocument);
        for (const policy of asArray(p.Policies as JsonObject[] | undefined)) add(`${id}.${String(policy.PolicyName)}`, 'identity', Type, policy.PolicyDocument);
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::IAM::RolePolicy':
        add(id, 'identity', Type, p.PolicyDocument);
        break;
      case 'AWS::KMS::Key':
        add(`${id}.KeyPolicy`, 'resource', Type, p.KeyPolicy);
        break;
      case 'AWS::Events::EventBusPolicy':
        if (p.Statement) add(id, 'resource', Type, { Statement: p.Statement });
        if (p.Policy) add(id, 'resource', Type, p.Policy);
        break;
      default:
        if (p.PolicyDocument) add(id, 'resource', Type, p.PolicyDocument);
    }
  }
  return found;
}

const WILDCARD_ACTION = /^(\*|[a-z0-9-]+:\*)$/i;
/** Read-only by name; anything else counts as mutating. */
const READ_ONLY_ACTION = /^[a-z0-9-]+:(Describe|List|Get|BatchGet|Lookup|Search|Query|Scan|Select|View)[A-Za-z]*$/;
/**
 * Actions AWS only authorizes on Resource '*': the CloudWatch Logs vended-log delivery calls a state
 * machine role needs for logging (serverless-step-functions adds them when loggingConfig is set).
 */
const STAR_ONLY_ACTIONS = new Set([
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

/**
 * The one `kms:*` allowed: a key policy's default statement for the key's own account root, which
 * only delegates to that account's IAM policies (without it a key can become unmanageable).
 */
function isKeyPolicyRootDelegation({ resourceType, statement }: FoundStatement): boolean {
  const aws = statement.Principal && typeof statement.Principal === 'object' && !Array.isArray(statement.Principal) ? statement.Principal.AWS : undefined;
  return (
    resourceType === 'AWS::KMS::Key' &&
    JSON.stringify(aws) === JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }) &&
    JSON.stringify(statement.Action) === JSON.stringify('kms:*') &&
    statement.Condition === undefined
  );
}

const isStar = (value: Json | undefined): boolean => asArray(value).some((v) => v === '*');
const isAnyonePrincipal = (principal: Json | undefined): boolean =>
  principal === '*' || (!!principal && typeof principal === 'object' && !Array.isArray(principal) && isStar(principal.AWS));

/** What is wrong with these statements, as readable lines (empty when nothing). */
export function policyViolations(found: FoundStatement[]): string[] {
  const problems: string[] = [];
  for (const item of found) {
    const { where, kind, statement } = item;
    if (statement.Effect !== 'Allow') continue;
    const actions = asArray(statement.Action);
    if (statement.NotAction !== undefined) problems.push(`${where}: Allow with NotAction`);
    const wild = actions.filter((a) => WILDCARD_ACTION.test(a));
    if (wild.length > 0 && !isKeyPolicyRootDelegation(item)) problems.push(`${where}: wildcard action ${wild.join(', ')}`);
    if (kind === 'identity' && isStar(statement.Resource) && statement.Condition === undefined) {
      const mutating = actions.filter((a) => !READ_ONLY_ACTION.test(a) && !STAR_ONLY_ACTIONS.has(a));
      if (mutating.length > 0) problems.push(`${where}: mutating ${mutating.join(', ')} on Resource '*' without a condition`);
    }
    if (kind !== 'identity' && isAnyonePrincipal(statement.Principal) && statement.Condition === undefined) {
      problems.push(`${where}: allows any principal without a condition`);
    }
  }
  return problems;
}

/**
 * Service-principal statements whose source keys AWS does not show reaching the request, so that
 * a firm condition would refuse the service itself: here only an `…IfExists` operator is allowed on
 * `aws:SourceAccount` / `aws:SourceArn`, and only for these statements (docs/security.md, "What IAM
 * cannot express"). Every other service statement must carry them firmly.
 */
export const SOURCE_KEYS_MAY_BE_ABSENT: Record<string, string> = {
  'AlertsKey.KeyPolicy[AllowAlertPublishersToEncrypt]':
    'EventBridge publishing to the encrypted alerts topic: no AWS page shows aws:SourceAccount / aws:SourceArn reaching KMS on that path (SNS Developer Guide, "Enable compatibility between event sources from AWS services and encrypted topics", gives the statement without a condition)',
};

const SOURCE_KEYS = ['aws:sourceaccount', 'aws:sourcearn'];
/** A value that names this account: `${AWS::AccountId}` (Ref or inside a Sub), or a resource of this template (GetAtt). */
function namesThisAccount(value: Json): boolean {
  if (Array.isArray(value)) return value.length > 0 && value.every(namesThisAccount);
  if (!value || typeof value !== 'object') return false;
  if (value.Ref === 'AWS::AccountId') return true;
  const choice = value['Fn::If'];
  if (Array.isArray(choice)) return choice.slice(1).every((branch) => namesThisAccount(branch) || JSON.stringify(branch) === '{"Ref":"AWS::NoValue"}');
  if (Array.isArray(value['Fn::GetAtt'])) return true;
  const sub = value['Fn::Sub'];
  const text = Array.isArray(sub) ? sub[0] : sub;
  return typeof text === 'string' && text.includes('${AWS::AccountId}');
}

/**
 * Service-principal Allow statements (trust policies, key policies, topic, queue, bus and bucket
 * policies) that a service could use on behalf of another account's resource (the confused
 * deputy): those without an `aws:SourceAccount` or `aws:SourceArn` condition naming this account.
 * `…IfExists` counts only for the statements of SOURCE_KEYS_MAY_BE_ABSENT.
 */
export function unconditionedServiceStatements(found: FoundStatement[]): string[] {
  const problems: string[] = [];
  for (const { where, statement } of found) {
    const principal = statement.Principal;
    const service = principal && typeof principal === 'object' && !Array.isArray(principal) ? principal.Service : undefined;
    if (statement.Effect !== 'Allow' || service === undefined) continue;
    const pins = Object.entries((statement.Condition ?? {}) as Record<string, JsonObject>).flatMap(([operator, keys]) =>
      Object.entries(keys)
        .filter(([key]) => SOURCE_KEYS.includes(key.toLowerCase()))
        .map(([key, value]) => ({ operator, key, value })),
    );
    const firm = pins.filter((p) => !/IfExists$/.test(p.operator) || where in SOURCE_KEYS_MAY_BE_ABSENT);
    if (firm.length === 0) problems.push(`${where}: ${JSON.stringify(service)} without an aws:SourceAccount / aws:SourceArn condition`);
    for (const p of firm.filter((p) => !namesThisAccount(p.value))) problems.push(`${where}: ${p.key} does not name this account (${JSON.stringify(p.value)})`);
  }
  return problems;
}
