/** key-policy: the statements the central key needs; check-key-policy: what in a live policy blocks members. */
import { GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { auditKeyPolicy, recommendedKeyPolicyStatements, type KeyPolicyAudit } from '../core/key-policy';
import { isRoleName, parseKeyArn, type KeyArn } from '../core/identifiers';
import { accountId, flag, jsonOutput, keyArn, organizationId, parse, partition, profileName, str, strList, type Values } from './args';
import { COMMON_HELP, helpText, type Command } from './command';
import type { CliContext } from './context';
import { aws, EXIT, UsageError } from './errors';
import { json, style } from './output';

export const keyPolicyCommand: Command = {
  name: 'key-policy',
  summary: 'print the key-policy statements the central CMK needs, as JSON ready to merge into its Statement list',
  usage: 'amiwarden key-policy [options]',
  options: [
    ['--organization-id o-…', 'scope the statements to this organization (default: the placeholder o-EXAMPLE)'],
    ['--partition NAME', 'the partition of the member accounts: aws (default), aws-cn or aws-us-gov'],
    ['--local', 'accepted for symmetry: key-policy makes no AWS call, with or without it'],
    ...COMMON_HELP,
  ],
  examples: ['amiwarden key-policy --organization-id o-a1b2c3d4e5 > statements.json'],
  async run(argv, ctx) {
    const { values } = parse(argv, { 'organization-id': { type: 'string' }, partition: { type: 'string' } }, 0, this);
    if (flag(values, 'help')) return help(this, ctx);
    if (values['local-dir'] !== undefined) throw new UsageError('--local-dir does not apply to key-policy (it keeps nothing)');
    jsonOutput(values);
    const org = str(values, 'organization-id') !== undefined ? organizationId('organization-id', str(values, 'organization-id')) : undefined;
    const fragment = { Statement: recommendedKeyPolicyStatements(org, partition('partition', str(values, 'partition') ?? 'aws')) };
    ctx.io.out(jsonOutput(values) ? JSON.stringify(fragment) : json(fragment));
    if (!org) ctx.io.err('note: o-EXAMPLE is a placeholder: pass --organization-id with your organization (aws organizations describe-organization)');
    return EXIT.ok;
  },
};

export const checkKeyPolicyCommand: Command = {
  name: 'check-key-policy',
  summary: 'check whether member accounts can create the Auto Scaling grant on the central key, and say what blocks them',
  usage: 'amiwarden check-key-policy (--key ARN | --policy-file FILE) (--account ID … | --organization-id o-…) [options]',
  options: [
    ['--key ARN', 'the central key (full key ARN): its live policy is read with kms:GetKeyPolicy'],
    ['--policy-file FILE', 'read the policy from a file instead (a policy document, or get-key-policy output)'],
    ['--account ID', 'a member account to check (repeat, or comma-separate)'],
    ['--organization-id o-…', 'the organization: checks aws:PrincipalOrgID conditions, and any new account when no --account is given'],
    ['--member-role-name NAME', 'the member role that creates the grant (default amiwarden-member)'],
    ['--partition NAME', "with --policy-file: the members' partition, aws (default), aws-cn or aws-us-gov (with --key: the key's)"],
    ['--profile NAME', 'the AWS profile to use'],
    ['--local', "check the sandbox's central key (us-east-1) for its members, read from the emulator; no --key or --policy-file"],
    ...COMMON_HELP,
  ],
  examples: [
    'amiwarden check-key-policy --local',
    'amiwarden check-key-policy --key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --organization-id o-a1b2c3d4e5',
    'amiwarden check-key-policy --policy-file policy.json --account 444455556666 --account 777788889999 --json',
  ],
  async run(argv, ctx) {
    const { values } = parse(argv, {
      key: { type: 'string' },
      'policy-file': { type: 'string' },
      account: { type: 'string', multiple: true },
      'organization-id': { type: 'string' },
      'member-role-name': { type: 'string' },
      partition: { type: 'string' },
      profile: { type: 'string' },
    }, 0, this);
    if (flag(values, 'help')) return help(this, ctx);
    const asJson = jsonOutput(values);
    if (values['local-dir'] !== undefined) throw new UsageError('--local-dir does not apply to check-key-policy (it keeps nothing)');
    if (flag(values, 'local')) return checkSandbox(ctx, values, asJson);
    const keyValue = str(values, 'key');
    const file = str(values, 'policy-file');
    if ((keyValue === undefined) === (file === undefined)) throw new UsageError('give exactly one of --key ARN or --policy-file FILE (or --local)');
    const key = keyValue !== undefined ? keyArn('key', keyValue) : undefined;
    const partitionValue = str(values, 'partition');
    const memberPartition = partitionValue !== undefined ? partition('partition', partitionValue) : (key?.partition ?? 'aws');
    if (key && memberPartition !== key.partition) throw new UsageError(`invalid --partition: the key is in ${key.partition}, and so are the members that use it`);
    const accounts = strList(values, 'account').map((a) => accountId('account', a));
    const org = str(values, 'organization-id') !== undefined ? organizationId('organization-id', str(values, 'organization-id')) : undefined;
    if (accounts.length === 0 && !org) throw new UsageError('name the members to check with --account, or the organization with --organization-id');
    const roleName = str(values, 'member-role-name') ?? 'amiwarden-member';
    if (!isRoleName(roleName)) throw new UsageError(`invalid --member-role-name: expected an IAM role name, got ${JSON.stringify(roleName)}`);
    const profile = str(values, 'profile') !== undefined ? profileName('profile', str(values, 'profile')) : undefined;

    const policy = key ? await livePolicy(ctx, key, profile) : await policyFromFile(ctx, file!);
    const audit = auditKeyPolicy(policy, {
      accounts,
      ...(org ? { organizationId: org } : {}),
      ...(key ? { keyAccount: key.account } : {}),
      partition: memberPartition,
      memberRoleName: roleName,
    });
    const source = key ? key.arn : file!;
    return report(ctx, asJson, source, audit);
  },
};

function report(ctx: CliContext, asJson: boolean, source: string, audit: KeyPolicyAudit): number {
  if (asJson) ctx.io.out(JSON.stringify({ source, ...audit }));
  else printAudit(ctx, source, audit);
  return audit.verdict === 'allowed' ? EXIT.ok : EXIT.attention;
}

/** --local: the sandbox's central key policy, for its members, in its organization. */
async function checkSandbox(ctx: CliContext, values: Values, asJson: boolean): Promise<number> {
  for (const option of ['key', 'policy-file', 'profile', 'partition']) if (values[option] !== undefined) throw new UsageError(`--${option} cannot be used with --local`);
  const accounts = strList(values, 'account').map((a) => accountId('account', a));
  const org = str(values, 'organization-id') !== undefined ? organizationId('organization-id', str(values, 'organization-id')) : undefined;
  const roleName = str(values, 'member-role-name') ?? 'amiwarden-member';
  if (!isRoleName(roleName)) throw new UsageError(`invalid --member-role-name: expected an IAM role name, got ${JSON.stringify(roleName)}`);
  const e = style(ctx.io.errColor ?? ctx.io.color);
  const sandbox = await ctx.local.sandboxKeyPolicy({ onNote: (t) => ctx.io.err(e.dim(t)), onInterrupt: ctx.onInterrupt });
  const key = parseKeyArn(sandbox.keyArn);
  const audit = auditKeyPolicy(sandbox.policy, {
    accounts: accounts.length ? accounts : sandbox.members,
    ...((org ?? sandbox.organizationId) ? { organizationId: org ?? sandbox.organizationId } : {}),
    ...(key ? { keyAccount: key.account } : {}),
    memberRoleName: roleName,
  });
  return report(ctx, asJson, sandbox.keyArn, audit);
}

async function livePolicy(ctx: CliContext, key: KeyArn, profile: string | undefined): Promise<string> {
  const kms = ctx.clients.kms({ region: key.region, ...(profile ? { profile } : {}) });
  const out = await aws(`Reading the key policy of ${key.arn}`, () => kms.send(new GetKeyPolicyCommand({ KeyId: key.arn, PolicyName: 'default' })));
  return out.Policy ?? '';
}

/** A policy document, or the output of `aws kms get-key-policy` (its Policy is the document as a string). */
async function policyFromFile(ctx: CliContext, file: string): Promise<string> {
  let text: string;
  try {
    text = await ctx.readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read --policy-file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--policy-file ${file} is not valid JSON`);
  }
  if (parsed && typeof parsed === 'object' && typeof (parsed as { Policy?: unknown }).Policy === 'string') return (parsed as { Policy: string }).Policy;
  return text;
}

function printAudit(ctx: CliContext, source: string, audit: KeyPolicyAudit): void {
  const s = style(ctx.io.color);
  ctx.io.out(s.bold(`Key policy of ${source}`));
  for (const m of audit.members) {
    const mark = m.verdict === 'allowed' ? s.green('✓ can create the grant') : m.verdict === 'blocked' ? s.red('✗ blocked') : s.yellow('? unknown');
    ctx.io.out(`  ${m.account}  ${mark}`);
    for (const reason of m.reasons) ctx.io.out(`      ${s.dim(reason)}`);
  }
  const findings = audit.findings.filter((f) => f.code !== 'create-grant-blocked');
  if (findings.length) {
    ctx.io.out('');
    ctx.io.out(s.bold('Findings'));
    for (const f of findings) {
      const tag = f.severity === 'blocker' ? s.red('blocker') : f.severity === 'warning' ? s.yellow('warning') : s.dim('note   ');
      ctx.io.out(`  ${tag}  ${f.message}`);
    }
  }
  ctx.io.out('');
  if (audit.verdict === 'allowed') ctx.io.out(s.green('Members can create the Auto Scaling grant.'));
  else {
    ctx.io.out(s.red(audit.verdict === 'blocked' ? 'Members are blocked.' : 'Could not tell whether members can create the grant.'));
    if (audit.findings.some((f) => f.code === 'explicit-deny')) ctx.io.out('An explicit Deny blocks them: change the statement named above (adding an Allow does not lift a Deny).');
    if (audit.fix) {
      ctx.io.out('Merge these statements into the key policy (and keep kms:GrantIsForAWSResource off the cross-account CreateGrant statement):');
      ctx.io.out(json(audit.fix));
    }
  }
}

function help(command: Command, ctx: CliContext): number {
  helpText(command).forEach((l) => ctx.io.out(l));
  return EXIT.ok;
}
