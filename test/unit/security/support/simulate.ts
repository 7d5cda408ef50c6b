/**
 * Runs one matrix case through @cloud-copilot/iam-simulate: the caller's identity policies, the
 * resource's own policy (if any), no SCP or RCP (none deploys with amiwarden) unless the case names
 * one amiwarden recommends, and the request context AWS would supply for that caller and resource.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { JsonObject } from '../../deploy/templates';
import { CENTRAL, ORGANIZATION_OF, type World } from './world';

export type Expected = 'allow' | 'deny';

export interface MatrixCase {
  /** Short, unique: names the test. */
  name: string;
  /** central/<function role>, member/<account>, forwarder/<account>, admin/<account>, service/<principal> (World.actor). */
  principal: string;
  action: string;
  resource: string;
  /** The resource's account when its ARN does not say (S3, EC2 images): the central account by default. */
  resourceAccount?: string;
  /** Parameters of the central stack this case is deployed with (CloudFormation parameters; the defaults otherwise). */
  centralParameters?: Record<string, string>;
  /** Parameters of the member stack (as the StackSet deploys it in the caller's or resource's account) other than the defaults. */
  memberParameters?: Record<string, string | string[]>;
  /** The resource's own policy (World.resourcePolicy); none when absent. */
  resourcePolicy?: 'key-policy' | 'key-policy-own-account' | 'member-trust' | 'central-bus' | 'report-bucket' | 'alerts-key' | 'trusts-caller-account' | `trust:${string}`;
  /** Request context on top of what the caller and resource imply; null removes a key. */
  context?: Record<string, string | string[] | null>;
  expect: Expected;
  /** For an allow: Sids of the statements that must be among those allowing it. */
  allowedBy?: string[];
  /** Why, in words: what the case proves. */
  why: string;
  /** IAM allows something that only code prevents (docs/security.md, "What IAM cannot express"). */
  gap?: string;
  /** An SCP amiwarden recommends (docs/policies/<name>.scp.json), attached to the caller's account beside FullAWSAccess. */
  serviceControlPolicy?: string;
  /** Context keys of the case that IAM does not evaluate for the action (a gap's proof): the simulator must drop exactly these. */
  ignoredByIam?: string[];
}

const FULL_AWS_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const recommendedScp = (name: string): unknown => JSON.parse(readFileSync(path.join(__dirname, '../../../../docs/policies', `${name}.scp.json`), 'utf8'));

export interface Outcome {
  result: string;
  allowedBy: string[];
  /** Context keys of the case that the simulator dropped as not applying to the action (typos, wrong key). */
  ignoredCaseKeys: string[];
}

function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** What AWS puts in the request context for this caller and resource, before the case's own keys. */
export function implicitContext(deployed: World, c: MatrixCase): Record<string, string | string[]> {
  const central = c.centralParameters ? deployed.withCentralParameters(c.centralParameters) : deployed;
  const world = c.memberParameters ? central.withMemberParameters(c.memberParameters) : central;
  const caller = world.actor(c.principal);
  const resourceAccount = c.resourceAccount ?? accountOfArn(c.resource) ?? CENTRAL;
  const context: Record<string, string | string[]> = { 'aws:ResourceAccount': resourceAccount, 'aws:SecureTransport': 'true' };
  if (caller.account) {
    context['aws:PrincipalArn'] = caller.roleArn;
    context['aws:PrincipalAccount'] = caller.account;
    const principalOrg = ORGANIZATION_OF[caller.account];
    if (principalOrg) context['aws:PrincipalOrgID'] = principalOrg;
  }
  const resourceOrg = ORGANIZATION_OF[resourceAccount];
  if (resourceOrg) context['aws:ResourceOrgID'] = resourceOrg;
  if (c.action.startsWith('kms:') && caller.account) context['kms:CallerAccount'] = caller.account;
  if (/^arn:[\w-]+:ec2:[^:]*::(image|snapshot)\//.test(c.resource)) context['ec2:Owner'] = resourceAccount;
  return context;
}

export async function simulate(deployed: World, c: MatrixCase): Promise<Outcome> {
  const central = c.centralParameters ? deployed.withCentralParameters(c.centralParameters) : deployed;
  const world = c.memberParameters ? central.withMemberParameters(c.memberParameters) : central;
  const caller = world.actor(c.principal);
  const resourceAccount = c.resourceAccount ?? accountOfArn(c.resource) ?? CENTRAL;
  const context: Record<string, string | string[]> = implicitContext(world, c);
  for (const [key, value] of Object.entries(c.context ?? {})) {
    if (value === null) delete context[key];
    else context[key] = value;
  }
  const simulation: Simulation = {
    request: { principal: caller.sessionArn, action: c.action, resource: { resource: c.resource, accountId: resourceAccount }, contextVariables: context },
    identityPolicies: caller.identityPolicies,
    serviceControlPolicies: c.serviceControlPolicy
      ? [{ orgIdentifier: caller.account, policies: [{ name: 'FullAWSAccess', policy: FULL_AWS_ACCESS }, { name: c.serviceControlPolicy, policy: world.serviceControlPolicy(c.serviceControlPolicy, recommendedScp(c.serviceControlPolicy) as JsonObject) }] }]
      : [],
    resourceControlPolicies: [],
    ...(c.resourcePolicy ? { resourcePolicy: world.resourcePolicy(c.resourcePolicy, caller, resourceAccount) } : {}),
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') throw new Error(`${c.name}: the simulator refused the request: ${JSON.stringify(response.errors)}`);
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const analysis = results.map((r) => r.analysis);
  const sids = analysis.flatMap((a) => [...(a.identityAnalysis?.allowStatements ?? []), ...(a.resourceAnalysis?.allowStatements ?? [])]);
  const caseKeys = new Set(Object.keys(c.context ?? {}).map((k) => k.toLowerCase()));
  return {
    result: response.overallResult,
    allowedBy: [...new Set(sids.map((s) => s.statement.sid() ?? `${s.policyId}#${s.statement.index()}`))],
    ignoredCaseKeys: results.flatMap((r) => r.ignoredContextKeys ?? []).filter((k) => caseKeys.has(k.toLowerCase())),
  };
}

export const verdict = (result: string): Expected => (result === 'Allowed' ? 'allow' : 'deny');
