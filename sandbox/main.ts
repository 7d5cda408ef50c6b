/**
 * `npm start`: the whole story on one machine. Starts the emulator, builds a small organization,
 * lets member Auto Scaling groups fail to launch from the central account's encrypted AMI, and
 * lets amiwarden — the deployed state machine with the real handlers — diagnose and fix it.
 * Then replays every event to show that nothing changes twice.
 *
 *   npm start                         the story (stderr), then the results: tables and checks (stdout)
 *   npm start --silent -- --json      the story (stderr); stdout is one JSON object read back from the emulator
 *   npm start -- --verbose            also the handlers' structured logs (stderr)
 */
import { startEmulator, type Emulator } from '../emulator/index';
import { isReadOnly } from '../emulator/read-only';
import { applyEnvironment, handlerLogging, lambdaEnvironment } from '../local/environment';
import { drainQueues, type RoutedExecution } from '../local/event-router';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KMSClient, ListGrantsCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { clientConfig } from '../emulator/accounts';
import {
  buildOrganization,
  createNodegroup,
  createReportBucket,
  emitImageEvent,
  emitLaunchFailure,
  emitStackCreated,
  HOME_REGION,
  joinNewAccount,
  MEMBERS,
  recreateServiceLinkedRole,
  registerImage,
  setNodegroupHealth,
  type Organization,
} from '../local/organization';
import { runWorkflow, type ExecutionReport, type StateEvent } from '../local/state-machine';
import { executionTarget, targetOf } from '../cli/targets';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { readState, type SandboxState } from './state';
import { createConsole } from './console';
import { launchPathsStory } from './launch-paths';

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const out = createConsole({ verbose: args.has('--verbose'), json });

const FAILURES = [
  { member: MEMBERS[0]!, status: 'Cancelled', message: 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch' },
  { member: MEMBERS[1]!, status: 'Failed', message: 'One or more of the attached Amazon EBS volumes are encrypted with an inaccessible AWS KMS key. Launching EC2 instance failed.' },
];
const REPORT_BUCKET = 'amiwarden-reports-sandbox';
const NEW_ACCOUNT = '444444444444';
const NOT_KMS = { member: MEMBERS[0]!, status: 'Failed', message: 'Server.InternalError: Internal error on launch. Launching EC2 instance failed.' };

async function main(): Promise<number> {
  if (args.has('--help')) {
    console.log('usage: npm start [--silent -- --json] [-- --verbose]');
    return 0;
  }
  handlerLogging(args.has('--verbose'));
  out.title('amiwarden sandbox: new AMIs re-encrypted and shared, launch failures fixed, a sweep as the backstop');

  let emulator: Emulator;
  try {
    emulator = await out.step('Starting the emulator (moto + amiwarden’s extension)', () => startEmulator());
  } catch (error) {
    // One line that says what to install, never the Python traceback after it.
    console.error(`amiwarden sandbox: cannot start the emulator: ${(error as Error).message.split('\n')[0]}`);
    if (json) console.log(JSON.stringify({ ok: false, error: `cannot start the emulator: ${(error as Error).message.split('\n')[0]}` }));
    return 1;
  }
  const stop = onInterrupt(emulator);
  let result: { ok: boolean; summary: Record<string, unknown> };
  try {
    out.note(`listening on ${emulator.endpoint}, pid ${emulator.pid}`);
    result = await story(emulator);
  } finally {
    await emulator.stop();
    stop();
    out.note('emulator stopped');
  }
  // The machine-readable summary is always the last line.
  if (json) console.log(JSON.stringify(result.summary));
  return result.ok ? 0 : 1;
}

async function story(emulator: Emulator): Promise<{ ok: boolean; summary: Record<string, unknown> }> {
  const org = await out.step('Building the organization', () => buildOrganization(emulator, { withOrganization: true }));
  describeOrganization(org);
  // A build pipeline made two AMIs the old way; a third was made while amiwarden was not listening.
  const planted = {
    awsManaged: await registerImage(emulator, org.centralAccount, 'web-2026-11-20-aws-ebs', { encrypted: true }),
    unencrypted: await registerImage(emulator, org.centralAccount, 'batch-2026-11-20-unencrypted', { encrypted: false }),
    missed: await registerImage(emulator, org.centralAccount, 'tools-2026-11-19-unencrypted', { encrypted: false }),
  };
  out.note(`new AMIs in ${org.centralAccount}: ${planted.awsManaged} on aws/ebs, ${planted.unencrypted} unencrypted; ${planted.missed} (unencrypted) was made with no event`);
  await createReportBucket(emulator, org.centralAccount, REPORT_BUCKET);
  // With the organization id set, as in AWS, share targets are checked to be members of it.
  // Image pointers: every AMI whose name contains "web-" is of the family "web".
  // Security Hub is on in the central account, and amiwarden exports its findings there.
  await new SecurityHubClient(clientConfig(emulator, org.centralAccount, HOME_REGION)).send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
  applyEnvironment({ ...lambdaEnvironment(emulator, { ...org, reportBucket: REPORT_BUCKET }), AMIWARDEN_IMAGE_FAMILIES: POINTER_FAMILIES, AMIWARDEN_SECURITY_HUB: 'true' });
  const before = await readState(emulator, org);
  const executions: (RoutedExecution | (ExecutionReport & { trigger: string }))[] = [];
  // Each state as it starts, labelled with what it is about (cli/targets.ts), as the CLI labels it.
  const progress = { onState: (e: StateEvent) => e.type === 'entered' && out.state(e.state, e.elapsedMs, targetOf(e.input) ?? executionTarget(e.execution.workflow, e.execution.input)) };
  const route = async () => {
    const ran = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues, {
      ...progress,
      onExecution: (e) => out.outcome(e.output as Record<string, unknown> | undefined, e.status),
    });
    executions.push(...ran);
    return ran;
  };
  const emitAll = async () => {
    for (const imageId of [planted.awsManaged, planted.unencrypted]) {
      await emitImageEvent(emulator, org.centralAccount, imageId, 'cloudtrail');
      await emitImageEvent(emulator, org.centralAccount, imageId, 'available');
    }
    for (const f of FAILURES) await emitLaunchFailure(emulator, f.member, f.message, f.status);
  };

  out.section('1. Launches fail in the member accounts');
  for (const f of [...FAILURES, NOT_KMS]) {
    out.event(`${f.member.account} ${f.member.autoScalingGroupName}: ${f.status} "${f.message.slice(0, 90)}${f.message.length > 90 ? '…' : ''}"`);
    await emitLaunchFailure(emulator, f.member, f.message, f.status);
  }
  out.note('each member’s forwarding rule sends the KMS-looking ones to the central bus; the Server.InternalError stays home');
  const failures = await route();

  out.section('2. New AMIs appear in the central account');
  // The web family's pointer names the golden image first (published by a run by hand).
  const golden = await runWorkflow('reencrypt-and-share', { imageId: org.goldenImageId, region: HOME_REGION }, progress);
  executions.push({ ...golden, trigger: 'manual' });
  const pointerBefore = await readPointer(emulator, org.centralAccount);
  out.note(`${POINTER} names ${pointerBefore ?? 'nothing'} (the golden image)`);
  for (const imageId of [planted.awsManaged, planted.unencrypted]) {
    out.event(`aws.ec2 RegisterImage ${imageId}, then EC2 AMI State Change: available`);
    await emitImageEvent(emulator, org.centralAccount, imageId, 'cloudtrail');
    await emitImageEvent(emulator, org.centralAccount, imageId, 'available');
  }
  const images = await route();
  const pointerAfter = await readPointer(emulator, org.centralAccount);
  const copyOfWeb = (images.find((e) => (e.output as { sourceImageId?: string } | undefined)?.sourceImageId === planted.awsManaged)?.output as { imageId?: string } | undefined)?.imageId;
  const memberReads = await Promise.all(org.members.map((m) => readPointer(emulator, m.account, pointerArn(org.centralAccount))));
  out.note(`${POINTER} now names ${pointerAfter ?? 'nothing'} (the re-encrypted copy of ${planted.awsManaged}); the members read ${memberReads.join(', ')} through RAM`);

  out.section('3. The compliance sweep: report, then enforce, then report again');
  const accounts = org.members.map((m) => m.account);
  // An EKS managed node group in the member whose groups use a custom-suffix role: the node group
  // launches as the default AWSServiceRoleForAutoScaling, which does not exist there yet.
  const eksMember = org.members.find((m) => m.slrSuffix) ?? org.members[0]!;
  await createNodegroup(emulator, eksMember.account, 'prod', 'web', org.goldenImageId, { launchFailures: true });
  out.note(`${eksMember.account}: EKS node group prod/web launches ${org.goldenImageId}; EKS reports AsgInstanceLaunchFailures`);
  const sweep = async (mode: 'report' | 'enforce') => {
    const report = await runWorkflow('compliance-sweep', { mode, accounts, regions: [HOME_REGION] }, progress);
    executions.push({ ...report, trigger: `sweep (${mode})` });
    for (const child of report.children) executions.push({ ...child, trigger: 'sweep (enforce)' });
    const output = report.output as { summary?: { findings: number; byFinding: Record<string, number> }; securityHub?: { imported: number; resolved: number } } | undefined;
    out.note(`${mode}: ${output?.summary?.findings ?? '?'} finding(s) ${JSON.stringify(output?.summary?.byFinding ?? {})}${report.children.length ? `; ${report.children.length} remediation(s) run` : ''}; Security Hub: ${output?.securityHub?.imported ?? 0} imported, ${output?.securityHub?.resolved ?? 0} resolved`);
    return { report, findings: output?.summary?.findings ?? -1, byFinding: output?.summary?.byFinding ?? {}, hub: output?.securityHub ?? { imported: 0, resolved: 0 } };
  };
  const sweepBefore = await sweep('report');
  const enforced = await sweep('enforce');
  // Its launches succeed once the role holds the grant: EKS clears the issue.
  await setNodegroupHealth(emulator, eksMember.account, 'prod', 'web', []);
  const sweepAfter = await sweep('report');
  const defaultRole = `arn:aws:iam::${eksMember.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  const hubFindings = (await new SecurityHubClient(clientConfig(emulator, org.centralAccount, HOME_REGION)).send(new GetFindingsCommand({ MaxResults: 100 }))).Findings ?? [];
  const hubResolved = hubFindings.filter((f) => f.Workflow?.Status === 'RESOLVED').length;
  out.note(`Security Hub holds ${hubFindings.length} amiwarden finding(s), ${hubResolved} RESOLVED after enforce`);

  const middle = await readState(emulator, org);
  out.section('4. Every event again (EventBridge delivers at least once)');
  await emulator.clearCalls();
  await emitAll();
  const replayed = await route();
  // Any call not on its service's read-only list is a change; the replay's own queue and bus traffic and the sweep's S3 reports aside.
  const mutating = (await emulator.calls()).filter((c) => !isReadOnly(c) && !['sqs', 'events', 's3'].includes(c.service));
  if (mutating.length > 0) out.note(`the replay changed: ${[...new Set(mutating.map((c) => `${c.service}:${c.action}`))].join(', ')}`);
  if (replayed.length !== images.length + failures.length) out.note(`the replay ran ${replayed.length} execution(s), ${images.length + failures.length} expected`);
  const after = await readState(emulator, org);

  out.heading('Before and after');
  out.table(
    ['image', 'key before', 'launched as', 'on the CMK', 'shared with'],
    after.images.map((i) => [i.sourceImageId, i.sourceKeyManager, i.remediatedImageId ?? i.sourceImageId, i.snapshotKmsKeyIds.every((k) => k === org.keyArns[i.region]) && i.snapshotKmsKeyIds.length > 0 ? 'yes' : 'no', i.launchPermissions.join(' ') || '-']),
  );
  out.table(
    ['account', 'service-linked role', 'grant before', 'grant after'],
    org.members.map((m) => [
      m.account,
      m.serviceLinkedRoleArn.split('/').pop()!,
      before.grants.some((g) => g.account === m.account) ? 'yes' : 'no',
      after.grants.filter((g) => g.granteePrincipal === m.serviceLinkedRoleArn).map((g) => g.name).join(', ') || 'no',
    ]),
  );

  const status = (e: { output?: unknown }) => (e.output as { status?: string; classification?: string } | undefined)?.status;
  const fixable = (byFinding: Record<string, number>) => Object.entries(byFinding).filter(([k]) => k !== 'default-ebs-key-aws-managed').reduce((n, [, v]) => n + v, 0);
  const expectations: [string, boolean][] = [
    ['every new AMI ended on the organization key, copied, shared with both members', after.images.filter((i) => i.sourceImageId !== planted.missed).every((i) => i.snapshotKmsKeyIds.length > 0 && i.snapshotKmsKeyIds.every((k) => k === org.keyArns[i.region]) && accounts.every((a) => i.launchPermissions.includes(a)))],
    ['both KMS launch failures reached the central account and were remediated, the other did not', failures.length === 2 && failures.every((e) => status(e) === 'remediated')],
    ['each member’s service-linked role holds exactly one grant', org.members.every((m) => middle.grants.filter((g) => g.granteePrincipal === m.serviceLinkedRoleArn).length === 1)],
    ['the sweep found the AMI no event announced, and enforce fixed it', (sweepBefore.byFinding['ami-unencrypted'] ?? 0) === 1 && enforced.report.children.some((c) => c.status === 'SUCCEEDED') && fixable(sweepAfter.byFinding) === 0],
    ['the replay ran and changed nothing', replayed.length === images.length + failures.length && middle.images.length === after.images.length && mutating.length === 0],
    ['the web pointer moved from the golden image to the re-encrypted copy, and both members read it by ARN', pointerBefore === org.goldenImageId && pointerAfter !== undefined && pointerAfter === copyOfWeb && memberReads.every((v) => v === pointerAfter)],
    ['the sweep’s findings reached Security Hub, and those enforce fixed turned RESOLVED', sweepBefore.hub.imported === sweepBefore.findings && sweepBefore.findings > 0 && hubResolved > 0 && hubResolved === sweepAfter.hub.resolved],
    ['no execution failed', executions.every((e) => e.status === 'SUCCEEDED')],
    [
      'the EKS node group was reported for the default Auto Scaling role with EKS’s launch failures, and enforce created that role and its grant',
      (sweepBefore.byFinding['nodegroup-launch-failures'] ?? 0) === 1 &&
        (sweepBefore.byFinding['service-linked-role-missing'] ?? 0) >= 1 &&
        middle.grants.some((g) => g.granteePrincipal === defaultRole) &&
        (sweepAfter.byFinding['nodegroup-launch-failures'] ?? 0) === 0,
    ],
  ];
  const grantHealth = await grantHealthStory(emulator, org, progress, executions);
  expectations.push(...grantHealth.expectations);
  const launchPaths = await launchPathsStory(emulator, org, out, progress, executions);
  expectations.push(...launchPaths.expectations);
  out.heading('Checks');
  for (const [what, passed] of expectations) out.check(what, passed);
  const ok = expectations.every(([, passed]) => passed);

  const summary: SandboxState & Record<string, unknown> = {
    ok,
    ...after,
    organizationId: org.organizationId ?? null,
    organizationalUnits: org.organizationalUnits ?? {},
    executions: executions.map((e) => ({ workflow: e.workflow, trigger: e.trigger, status: e.status, result: status(e) ?? null })),
    securityHub: { findings: hubFindings.length, resolved: hubResolved },
    pointer: { name: POINTER, before: pointerBefore ?? null, after: pointerAfter ?? null, memberReads },
    sweep: { findingsBefore: sweepBefore.findings, findingsAfter: sweepAfter.findings, remediationsRun: enforced.report.children.length, byFindingAfter: sweepAfter.byFinding },
    grantHealth: grantHealth.summary,
    spotFleet: launchPaths.summary,
    replay: {
      newImages: after.images.length - middle.images.length,
      newGrants: after.grants.length - middle.grants.length,
      failedExecutions: replayed.filter((e) => e.status !== 'SUCCEEDED').length,
      mutatingCalls: mutating.length,
    },
  };
  return { ok, summary };
}

/**
 * 5. Grant health: a member's Auto Scaling role is deleted and re-created (its grant now names the
 * old role's unique id), and a new account joins the target OU and gets its member stack.
 */
async function grantHealthStory(
  emulator: Emulator,
  org: Organization,
  progress: NonNullable<Parameters<typeof runWorkflow>[2]>,
  executions: (RoutedExecution | (ExecutionReport & { trigger: string }))[],
): Promise<{ expectations: [string, boolean][]; summary: Record<string, unknown> }> {
  out.section('5. Grant health: a re-created service-linked role, and a new account');
  const member = org.members[0]!;
  const { oldRoleId } = await recreateServiceLinkedRole(emulator, MEMBERS[0]!);
  out.event(`someone deletes and re-creates ${member.serviceLinkedRoleArn.split('/').pop()} in ${member.account}: KMS now shows its grant's grantee as ${oldRoleId}`);
  const sweep = async (mode: 'report' | 'enforce') => {
    const report = await runWorkflow('compliance-sweep', { mode, accounts: [member.account], regions: [HOME_REGION] }, progress);
    executions.push({ ...report, trigger: `sweep (${mode})` });
    for (const child of report.children) executions.push({ ...child, trigger: 'sweep (enforce)' });
    const reports = (report.output as { reports?: { json?: string } } | undefined)?.reports;
    const key = reports?.json?.replace(`s3://${REPORT_BUCKET}/`, '');
    const s3 = new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true });
    const body = key ? await (await s3.send(new GetObjectCommand({ Bucket: REPORT_BUCKET, Key: key }))).Body!.transformToString() : '{"findings":[]}';
    return (JSON.parse(body) as { findings: { finding: string; resource: string; detail: string; action: string }[] }).findings;
  };
  const found = await sweep('report');
  const dead = found.find((f) => f.finding === 'grant-dead');
  if (dead) out.note(`report: grant-dead ${dead.resource.split('/').pop()!.slice(0, 12)}… — ${dead.detail}`);
  if (dead) out.note(`action: ${dead.action}`);
  await sweep('enforce');
  const grantsNow = async (region: string) => (await new KMSClient(clientConfig(emulator, org.centralAccount, region)).send(new ListGrantsCommand({ KeyId: org.keyArns[region]!, Limit: 100 }))).Grants ?? [];
  const replaced = (await grantsNow(HOME_REGION)).filter((g) => g.GranteePrincipal === member.serviceLinkedRoleArn);
  const kept = (await grantsNow(HOME_REGION)).some((g) => g.GranteePrincipal === oldRoleId);
  out.note(`enforce: ${member.serviceLinkedRoleArn.split('/').pop()} holds ${replaced.map((g) => g.Name).join(', ') || 'no grant'}; the dead grant is ${kept ? 'kept (staleGrantPolicy keep)' : 'gone'}`);

  // The organization key's policy lets every account of the organization grant (the recommended form), so a new account can too.
  for (const [region, keyArn] of Object.entries(org.keyArns)) {
    const inOrganization = { StringEquals: { 'aws:PrincipalOrgID': org.organizationId! } };
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${org.centralAccount}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'UseByOrganization', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*', Condition: inOrganization },
        { Sid: 'GrantByOrganization', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:CreateGrant', Resource: '*', Condition: inOrganization },
      ],
    };
    await new KMSClient(clientConfig(emulator, org.centralAccount, region)).send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(policy) }));
  }
  await joinNewAccount(emulator, org, NEW_ACCOUNT, 'workloads');
  out.event(`${NEW_ACCOUNT} joins OU workloads; the StackSet creates its member stack; CloudFormation: Stack Status Change CREATE_COMPLETE`);
  await emitStackCreated(emulator, NEW_ACCOUNT);
  const ran = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues, progress);
  executions.push(...ran);
  const newRole = `arn:aws:iam::${NEW_ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  const newGrants = Object.fromEntries(await Promise.all(Object.keys(org.keyArns).map(async (region) => [region, (await grantsNow(region)).filter((g) => g.GranteePrincipal === newRole).map((g) => g.Name ?? '')] as const)));
  out.note(`${NEW_ACCOUNT}: ${Object.entries(newGrants).map(([region, names]) => `${region} ${names.join(', ') || 'no grant'}`).join('; ')} — before any launch`);
  const everyRegion = Object.values(newGrants).every((names) => names.length === 1);
  return {
    expectations: [
      ['the re-created role’s dead grant was reported with its evidence, and enforce made the named grant for the current role (the old one kept)', Boolean(dead?.detail.includes(oldRoleId)) && replaced.length === 1 && kept],
      ['the new account got its Auto Scaling role’s grant in every region from its stack’s CREATE_COMPLETE, with no launch failure', ran.length === 1 && ran[0]!.status === 'SUCCEEDED' && everyRegion],
    ],
    summary: { deadGrantFinding: dead ?? null, replacedBy: replaced.map((g) => g.Name), deadGrantKept: kept, newAccount: NEW_ACCOUNT, newAccountGrants: newGrants },
  };
}

const POINTER_FAMILIES = 'web=*web-*';
const POINTER = '/amiwarden/images/web';
const pointerArn = (central: string) => `arn:aws:ssm:${HOME_REGION}:${central}:parameter${POINTER}`;

/** The pointer's value as an account reads it (the central account by name, a member by the shared ARN). */
async function readPointer(emulator: Emulator, account: string, name = POINTER): Promise<string | undefined> {
  const ssm = new SSMClient(clientConfig(emulator, account, HOME_REGION));
  const out = await ssm.send(new GetParameterCommand({ Name: name })).catch(() => undefined);
  return out?.Parameter?.Value;
}

function describeOrganization(org: Organization): void {
  out.note(`central account ${org.centralAccount}: organization keys ${Object.entries(org.keyArns).map(([r, a]) => `${r} ${a.split('/').pop()}`).join(', ')}`);
  out.note(`golden AMI ${org.goldenImageId} (encrypted with the ${HOME_REGION} key), shared with ${org.members.map((m) => m.account).join(' and ')}`);
  for (const m of org.members) {
    const where = m.organizationalUnit ? `OU ${m.organizationalUnit}` : 'the root';
    out.note(`member ${m.account} (in ${where} of ${org.organizationId ?? 'no organization'}): group "${m.autoScalingGroupName}" launches ${org.goldenImageId} as ${m.serviceLinkedRoleArn.split('/').pop()}`);
  }
}

function onInterrupt(emulator: Emulator): () => void {
  const handler = (signal: NodeJS.Signals) => {
    // Say what stopped; with --json, stdout still gets one JSON object.
    console.error(`\namiwarden sandbox: interrupted: stopped the story and the emulator (pid ${emulator.pid})`);
    if (json) console.log(JSON.stringify({ ok: false, interrupted: true, error: 'interrupted: stopped the story and the emulator' }));
    void emulator.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`amiwarden sandbox failed: ${error.name}: ${error.message.split('\n')[0]}`);
    if (json) console.log(JSON.stringify({ ok: false, error: `${error.name}: ${error.message.split('\n')[0]}` }));
    process.exit(1);
  },
);
