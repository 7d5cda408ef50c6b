/**
 * The concrete organization the IAM matrix is evaluated in, and the policies that deploy into it:
 * the central template packaged with real-looking params (in a scratch copy of the repository, so
 * the `.serverless/` other tests read is never touched) and the member template, both resolved by
 * ./cfn.ts; plus the central key policy amiwarden recommends (core/key-policy.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recommendedKeyPolicyStatements } from '../../../../core/key-policy';
import { asArray, loadMemberTemplate, ROOT, type Json, type JsonObject, type Template } from '../../deploy/templates';
import { resolve, type Stack } from './cfn';
import { removeGuard, type Guard, type PolicyGuard } from './guards';

export const PARTITION = 'aws';
export const REGION = 'us-east-1';
export const CENTRAL = '999999999999';
export const MEMBER_A = '111111111111';
export const MEMBER_B = '222222222222';
/** An account of another organization. */
export const OUTSIDER = '333333333333';
export const ORG = 'o-a1b2c3d4e5';
export const OTHER_ORG = 'o-z9y8x7w6v5u4';
export const STAGE = 'dev';
export const EXTERNAL_ID = 'amiwarden-test-external-id';

/** The configured central key (the `kmsKeyArns` param). */
export const KEY = `arn:aws:kms:${REGION}:${CENTRAL}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
/** Another key of the central account that is not configured. */
export const OTHER_KEY = `arn:aws:kms:${REGION}:${CENTRAL}:key/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d`;
/** Names the deployed stack gives (checked against the resolved templates by the matrix test). */
export const CENTRAL_BUS = `arn:aws:events:${REGION}:${CENTRAL}:event-bus/amiwarden-${STAGE}`;
export const REPORT_BUCKET = `arn:aws:s3:::amiwarden-${STAGE}-reportbucket-1a2b3c4d5e6f`;
export const stateMachineArn = (name: string) => `arn:aws:states:${REGION}:${CENTRAL}:stateMachine:${name}`;
export const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${CENTRAL}:function:amiwarden-${STAGE}-${name}`;
export const IMAGE = `arn:aws:ec2:${REGION}::image/ami-0a1b2c3d4e5f60718`;
export const PACKAGE_PARAMS = { kmsKeyArns: `${REGION}=${KEY}`, organizationId: ORG, memberExternalId: EXTERNAL_ID, securityHub: 'true' };

/** Which organization each account is in (none for an account not listed). */
export const ORGANIZATION_OF: Record<string, string> = { [CENTRAL]: ORG, [MEMBER_A]: ORG, [MEMBER_B]: ORG, [OUTSIDER]: OTHER_ORG };

export const slrArn = (account: string, suffix = '') =>
  `arn:${PARTITION}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling${suffix ? `_${suffix}` : ''}`;

export interface Policy {
  name: string;
  policy: JsonObject;
}

/** Who makes a request: a role, called through one of its sessions, or an AWS service principal. */
export interface Actor {
  /** Empty for a service principal. */
  account: string;
  roleArn: string;
  sessionArn: string;
  identityPolicies: Policy[];
}

// ---------------------------------------------------------------------------------------------
// Packaging

const PACKAGE_SOURCES = ['serverless.yml', 'package.json', 'resources', 'statemachines', 'events'];
/** Not needed to package, or output of an earlier run. */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', '.sandbox', '.bench', 'coverage', 'dist', 'test', 'docs']);

function hashSources(): string {
  const hash = createHash('sha256').update(JSON.stringify(PACKAGE_PARAMS));
  const walk = (path: string) => {
    const full = join(ROOT, path);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) for (const name of readdirSync(full).sort()) walk(join(path, name));
    else hash.update(path).update(readFileSync(full, 'utf8'));
  };
  PACKAGE_SOURCES.forEach(walk);
  return hash.digest('hex').slice(0, 16);
}

/**
 * `npm run package` with the matrix's params. osls's `--package <dir>` still empties the service's
 * own `.serverless/` first (aws:common:cleanupTempDir), so it runs in a scratch copy of the sources;
 * the result is cached in the OS temp dir by a hash of what the template is made of.
 */
export function packageCentralTemplate(): Template {
  const cache = join(tmpdir(), 'amiwarden-iam-matrix', hashSources());
  const cached = join(cache, 'cloudformation-template-update-stack.json');
  if (!existsSync(cached)) {
    const work = `${cache}.work-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const name of readdirSync(ROOT)) if (!NOT_COPIED.has(name)) cpSync(join(ROOT, name), join(work, name), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    const params = Object.entries(PACKAGE_PARAMS).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
    execFileSync(join(work, 'scripts', 'package.sh'), params, { cwd: work, stdio: 'pipe', env: { ...process.env, STAGE, REGION } });
    const built = readFileSync(join(work, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8');
    mkdirSync(cache, { recursive: true });
    writeFileSync(`${cached}.${process.pid}`, built);
    renameSync(`${cached}.${process.pid}`, cached);
    rmSync(work, { recursive: true, force: true });
  }
  return JSON.parse(readFileSync(cached, 'utf8')) as Template;
}

// ---------------------------------------------------------------------------------------------
// The world

const ADMIN: JsonObject = { Version: '2012-10-17', Statement: [{ Sid: 'Administrator', Effect: 'Allow', Action: '*', Resource: '*' }] };

export class World {
  readonly central: Stack;
  private readonly memberTemplate: Template;
  /** Guards taken out of the policies this world hands out (withoutGuards). */
  private readonly removed: readonly PolicyGuard[];

  constructor(
    centralTemplate: Template,
    memberTemplate: Template = loadMemberTemplate(),
    centralParameters: Record<string, string> = {},
    removed: readonly PolicyGuard[] = [],
    /** Parameters a removed guard forces: they win over a case's own. */
    private readonly forcedParameters: Record<string, string> = {},
    /** Member stack parameters other than its defaults (a case's), and those a removed guard forces (they win). */
    private readonly memberParameters: Record<string, string | string[]> = {},
    private readonly forcedMemberParameters: Record<string, string | string[]> = {},
  ) {
    this.central = { partition: PARTITION, accountId: CENTRAL, region: REGION, parameters: { ...centralParameters, ...forcedParameters }, template: centralTemplate };
    this.memberTemplate = memberTemplate;
    this.removed = removed;
  }

  /** The same world with these guards removed from the policies they name (a mutant of the deployed policies). */
  withoutGuards(guards: readonly Guard[]): World {
    const forced = Object.assign({}, this.forcedParameters, ...guards.map((g) => ('parameters' in g ? g.parameters : {})));
    const forcedMember = Object.assign({}, this.forcedMemberParameters, ...guards.map((g) => ('memberParameters' in g ? g.memberParameters : {})));
    const policyGuards = guards.filter((g): g is PolicyGuard => !('parameters' in g) && !('memberParameters' in g));
    return new World(this.central.template, this.memberTemplate, this.central.parameters as Record<string, string>, [...this.removed, ...policyGuards], forced, this.memberParameters, forcedMember);
  }

  /** The central stack deployed with these CloudFormation parameters (the template's defaults otherwise). */
  withCentralParameters(parameters: Record<string, string>): World {
    return new World(
      this.central.template,
      this.memberTemplate,
      { ...(this.central.parameters as Record<string, string>), ...parameters },
      this.removed,
      this.forcedParameters,
      this.memberParameters,
      this.forcedMemberParameters,
    );
  }

  /** Every member stack deployed with these parameters (the StackSet's per-account overrides; the template's defaults otherwise). */
  withMemberParameters(parameters: Record<string, string | string[]>): World {
    return new World(
      this.central.template,
      this.memberTemplate,
      this.central.parameters as Record<string, string>,
      this.removed,
      this.forcedParameters,
      { ...this.memberParameters, ...parameters },
      this.forcedMemberParameters,
    );
  }

  /** A recommended SCP (docs/policies/<name>.scp.json) as this world hands it out: guard policy `scp/<name>`. */
  serviceControlPolicy(name: string, policy: JsonObject): JsonObject {
    return this.mutated(`scp/${name}`, policy);
  }

  private mutated(policyName: string, policy: JsonObject): JsonObject {
    return this.removed.filter((g) => g.policy === policyName).reduce((p, g) => removeGuard(p, g), policy);
  }

  /** `centralParameters`: CloudFormation parameters of the central stack (e.g. StaleGrantPolicy) other than their defaults. */
  static load(centralParameters: Record<string, string> = {}): World {
    return new World(packageCentralTemplate(), loadMemberTemplate(), centralParameters);
  }

  /**
   * The member stack as the StackSet deploys it in `account`, fed with the central stack's outputs.
   * A deploy's parameters that the member template declares (CallingRoleNames, CallingRoleGrantNames)
   * are the StackSet's: a case's `centralParameters` and a parameter guard set them for both stacks.
   */
  member(account: string): Stack {
    const declared = Object.keys(this.memberTemplate.Parameters ?? {});
    const deployed = Object.fromEntries(Object.entries(this.central.parameters as Record<string, string>).filter(([name]) => declared.includes(name)));
    return {
      partition: PARTITION,
      accountId: account,
      region: REGION,
      template: this.memberTemplate,
      parameters: {
        CentralAccountId: CENTRAL,
        OrganizationId: ORG,
        ExternalId: EXTERNAL_ID,
        CentralKeyArns: [KEY],
        CentralEventBusArn: this.centralOutput('EventBusArn'),
        CentralPrincipalArns: this.centralOutput('CentralPrincipalArns').split(','),
        ...deployed,
        ...this.memberParameters,
        ...this.forcedMemberParameters,
      },
    };
  }

  centralOutput(name: string): string {
    const output = this.central.template.Outputs?.[name];
    if (!output) throw new Error(`the central template has no output ${name}`);
    return String(resolve(this.central, output.Value));
  }

  /** A caller: central/<RoleName suffix or logical id>, member/<account>, forwarder/<account>, admin/<account>, service/<principal>. */
  actor(name: string): Actor {
    const actor = this.unmutatedActor(name);
    if (!this.removed.some((g) => g.policy === name)) return actor;
    // A guard names a statement by Sid across the role's inline policies.
    const guards = this.removed.filter((g) => g.policy === name);
    for (const guard of guards) {
      const holder = actor.identityPolicies.find((p) => {
        try {
          removeGuard(p.policy, guard);
          return true;
        } catch {
          return false;
        }
      });
      if (!holder) throw new Error(`guard: no policy of ${name} has statement ${guard.statement}${'key' in guard ? ` with ${guard.key}` : ''}`);
      holder.policy = removeGuard(holder.policy, guard);
    }
    return actor;
  }

  private unmutatedActor(name: string): Actor {
    const [kind, id] = name.split('/') as [string, string];
    switch (kind) {
      // Roles amiwarden does not deploy: an administrator of that account (everything allowed by its
      // own IAM), to show that the resource's policy alone refuses it.
      case 'admin':
        return this.customActor(id, 'ops-admin', { name: 'AdministratorAccess', policy: ADMIN });
      // An AWS service acting for a resource (events.amazonaws.com for a rule): aws:SourceAccount
      // and aws:SourceArn say on whose behalf, in the case's context.
      case 'service':
        return { account: '', roleArn: '', sessionArn: id, identityPolicies: [] };
      default: {
        const { stack, logicalId } = this.deployedRole(name);
        return this.roleActor(stack, logicalId);
      }
    }
  }

  /** A role the stacks deploy: central/<RoleName suffix or logical id>, member/<account>, forwarder/<account>. */
  private deployedRole(name: string): { stack: Stack; logicalId: string } {
    const [kind, id] = name.split('/') as [string, string];
    switch (kind) {
      case 'central':
        return { stack: this.central, logicalId: this.centralRoleId(id) };
      case 'member':
        return { stack: this.member(id), logicalId: 'MemberRole' };
      case 'forwarder':
        return { stack: this.member(id), logicalId: 'ForwardLaunchFailuresRole' };
      default:
        throw new Error(`unknown role ${name}`);
    }
  }

  private customActor(account: string, role: string, policy: Policy): Actor {
    return {
      account,
      roleArn: `arn:${PARTITION}:iam::${account}:role/${role}`,
      sessionArn: `arn:${PARTITION}:sts::${account}:assumed-role/${role}/matrix`,
      identityPolicies: [policy],
    };
  }

  /** `diagnose` → the role named amiwarden-dev-us-east-1-diagnose; a logical id is taken as is. */
  private centralRoleId(id: string): string {
    if (this.central.template.Resources[id]?.Type === 'AWS::IAM::Role') return id;
    const wanted = `amiwarden-${STAGE}-${REGION}-${id}`;
    const found = Object.entries(this.central.template.Resources).find(
      ([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.RoleName !== undefined && resolve(this.central, r.Properties.RoleName) === wanted,
    );
    if (!found) throw new Error(`no central role ${wanted}`);
    return found[0];
  }

  private roleActor(stack: Stack, logicalId: string): Actor {
    const role = stack.template.Resources[logicalId];
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${logicalId} is not a role`);
    const roleArn = String(resolve(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] }));
    // An assumed-role session names the role without its path.
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    return {
      account: stack.accountId,
      roleArn,
      sessionArn: `arn:${PARTITION}:sts::${stack.accountId}:assumed-role/${roleName}/matrix`,
      identityPolicies: [
        ...asArray(role.Properties?.Policies as JsonObject[] | undefined),
        // AWS::IAM::Policy resources attached to the role (resources/security-hub.yml).
        ...Object.values(stack.template.Resources)
          .filter((r) => r.Type === 'AWS::IAM::Policy' && asArray(r.Properties?.Roles as JsonObject[] | undefined).some((ref) => ref?.Ref === logicalId))
          .map((r) => r.Properties as JsonObject),
      ].map((p) => ({
        name: String(p.PolicyName),
        policy: resolve(stack, p.PolicyDocument) as JsonObject,
      })),
    };
  }

  /**
   * A resource's own policy, by name:
   * - key-policy: the central key policy amiwarden recommends (the default root delegation plus
   *   `recommendedKeyPolicyStatements`), the policy `amiwarden key-policy` prints;
   * - key-policy-own-account: the key's default policy (the key account's root only), under which
   *   the central roles' own IAM policies alone decide;
   * - member-trust: the member role's trust policy in `resourceAccount`;
   * - trust:<role>: the trust policy of a deployed role (World.actor names);
   * - central-bus: the central bus policy; report-bucket: the report bucket policy;
   * - trusts-caller-account: everything to the caller's account, so that only the caller's own IAM
   *   policy decides (isolates an identity policy in a cross-account request).
   */
  resourcePolicy(name: string, caller: Actor, resourceAccount: string): JsonObject {
    return this.mutated(name, this.unmutatedResourcePolicy(name, caller, resourceAccount));
  }

  private unmutatedResourcePolicy(name: string, caller: Actor, resourceAccount: string): JsonObject {
    switch (name) {
      case 'key-policy':
        return {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'EnableIamPoliciesOfTheKeyAccount', Effect: 'Allow', Principal: { AWS: `arn:${PARTITION}:iam::${CENTRAL}:root` }, Action: 'kms:*', Resource: '*' },
            ...(recommendedKeyPolicyStatements(ORG) as unknown as Json[]),
          ],
        };
      case 'key-policy-own-account':
        return {
          Version: '2012-10-17',
          Statement: [{ Sid: 'EnableIamPoliciesOfTheKeyAccount', Effect: 'Allow', Principal: { AWS: `arn:${PARTITION}:iam::${CENTRAL}:root` }, Action: 'kms:*', Resource: '*' }],
        };
      case 'member-trust':
        return resolve(this.member(resourceAccount), this.memberTemplate.Resources.MemberRole!.Properties!.AssumeRolePolicyDocument) as JsonObject;
      case 'central-bus': {
        const { Statement } = this.central.template.Resources.AmiwardenEventBusPolicy!.Properties!;
        return { Version: '2012-10-17', Statement: [resolve(this.central, Statement)] };
      }
      case 'report-bucket':
        return resolve(this.central, this.central.template.Resources.ReportBucketPolicy!.Properties!.PolicyDocument) as JsonObject;
      case 'alerts-key':
        return resolve(this.central, this.central.template.Resources.AlertsKey!.Properties!.KeyPolicy) as JsonObject;
      case 'trusts-caller-account':
        return {
          Version: '2012-10-17',
          Statement: [{ Sid: 'TrustsTheCallerAccount', Effect: 'Allow', Principal: { AWS: `arn:${PARTITION}:iam::${caller.account}:root` }, Action: '*', Resource: '*' }],
        };
      default: {
        if (name.startsWith('trust:')) {
          const { stack, logicalId } = this.deployedRole(name.slice('trust:'.length));
          return resolve(stack, stack.template.Resources[logicalId]!.Properties!.AssumeRolePolicyDocument) as JsonObject;
        }
        throw new Error(`unknown resource policy ${name}`);
      }
    }
  }

  reportBucketArn(): string {
    return String(resolve(this.central, { 'Fn::GetAtt': ['ReportBucket', 'Arn'] }));
  }
}
