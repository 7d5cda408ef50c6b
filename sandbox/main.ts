/**
 * `npm start`: the whole story on one machine. Starts the emulator, builds a small organization,
 * lets member Auto Scaling groups fail to launch from the central account's encrypted AMI, and
 * lets amiwarden — the deployed state machine with the real handlers — diagnose and fix it.
 * Then replays every event to show that nothing changes twice.
 *
 *   npm start               the story, for people
 *   npm start -- --json     the same, plus one JSON object (read back from the emulator) as the last line
 *   npm start -- --verbose  also the handlers' structured logs
 */
import { startEmulator, type Emulator } from '../emulator/index';
import { applyEnvironment, lambdaEnvironment } from '../local/environment';
import { drainQueues, type RoutedExecution } from '../local/event-router';
import { buildOrganization, emitLaunchFailure, EXTERNAL_ID, HOME_REGION, MEMBER_ROLE_NAME, MEMBERS, type Organization } from '../local/organization';
import { readState, type SandboxState } from './state';
import { createConsole } from './console';

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const out = createConsole({ verbose: args.has('--verbose') });

const FAILURES = [
  { member: MEMBERS[0]!, status: 'Cancelled', message: 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch' },
  { member: MEMBERS[1]!, status: 'Failed', message: 'One or more of the attached Amazon EBS volumes are encrypted with an inaccessible AWS KMS key. Launching EC2 instance failed.' },
];
const NOT_KMS = { member: MEMBERS[0]!, status: 'Failed', message: 'Server.InternalError: Internal error on launch. Launching EC2 instance failed.' };

async function main(): Promise<number> {
  if (args.has('--help')) {
    console.log('usage: npm start [-- --json] [-- --verbose]');
    return 0;
  }
  if (!args.has('--verbose')) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  out.title('amiwarden sandbox: a launch failure in a member account, fixed without a human');

  const emulator = await out.step('Starting the emulator (moto + amiwarden’s extension)', () => startEmulator());
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
  const org = await out.step('Building the organization', () => buildOrganization(emulator));
  describeOrganization(org);
  applyEnvironment(
    lambdaEnvironment(emulator, {
      centralAccount: org.centralAccount,
      keyArns: org.keyArns,
      memberRoleName: MEMBER_ROLE_NAME,
      externalId: EXTERNAL_ID,
      createServiceLinkedRole: true,
    }),
  );
  const before = await readState(emulator, org);
  const executions: RoutedExecution[] = [];
  const route = async () => {
    const ran = await drainQueues(emulator, org.centralAccount, HOME_REGION, org.queues, {
      onState: (e) => e.type === 'entered' && out.state(e.state, e.elapsedMs),
      onExecution: (e) => out.outcome(e.output as Record<string, unknown> | undefined, e.status),
    });
    executions.push(...ran);
    return ran;
  };

  out.section('1. Launches fail in the member accounts');
  for (const f of [...FAILURES, NOT_KMS]) {
    out.event(`${f.member.account} ${f.member.autoScalingGroupName}: ${f.status} "${f.message.slice(0, 90)}${f.message.length > 90 ? '…' : ''}"`);
    await emitLaunchFailure(emulator, f.member, f.message, f.status);
  }
  out.note('each member’s forwarding rule sends the KMS-looking ones to the central bus; the Server.InternalError stays home');

  out.section('2. amiwarden diagnoses and fixes them');
  const first = await route();

  const middle = await readState(emulator, org);
  out.section('3. Every event again (EventBridge delivers at least once)');
  await emulator.clearCalls();
  for (const f of FAILURES) await emitLaunchFailure(emulator, f.member, f.message, f.status);
  const replayed = await route();
  const mutating = (await emulator.calls()).filter((c) => /^(Create|Put|Modify|Copy|Register|Delete|Revoke|Retire|Enable|Disable)/.test(c.action) && c.service !== 'sqs' && c.service !== 'events');
  const after = await readState(emulator, org);

  out.section('Before and after');
  out.table(
    ['account', 'group', 'service-linked role', 'grant before', 'grant after'],
    org.members.map((m) => [
      m.account,
      m.autoScalingGroupName,
      m.serviceLinkedRoleArn.split('/').pop()!,
      before.grants.some((g) => g.account === m.account) ? 'yes' : 'no',
      after.grants.filter((g) => g.account === m.account).map((g) => g.name).join(', ') || 'no',
    ]),
  );

  const expectations: [string, boolean][] = [
    ['two launch failures reached the central account, the non-KMS one did not', first.length === 2],
    ['both were remediated', first.every((e) => (e.output as { status?: string })?.status === 'remediated')],
    ['each member’s service-linked role holds exactly one grant', org.members.every((m) => middle.grants.filter((g) => g.granteePrincipal === m.serviceLinkedRoleArn).length === 1)],
    ['the replay ran and changed nothing', replayed.length === 2 && replayed.every((e) => (e.output as { status?: string })?.status === 'no-action') && mutating.length === 0],
    ['no execution failed', executions.every((e) => e.status === 'SUCCEEDED')],
  ];
  out.section('Checks');
  for (const [what, ok] of expectations) out.check(what, ok);
  const ok = expectations.every(([, passed]) => passed);

  const summary: SandboxState & Record<string, unknown> = {
    ok,
    ...after,
    executions: executions.map((e) => ({ workflow: e.workflow, trigger: e.trigger, status: e.status, result: (e.output as { status?: string })?.status ?? null })),
    sweep: null,
    replay: {
      newImages: after.images.length - middle.images.length,
      newGrants: after.grants.length - middle.grants.length,
      failedExecutions: replayed.filter((e) => e.status !== 'SUCCEEDED').length,
      mutatingCalls: mutating.length,
    },
  };
  return { ok, summary };
}

function describeOrganization(org: Organization): void {
  out.note(`central account ${org.centralAccount}: organization keys ${Object.entries(org.keyArns).map(([r, a]) => `${r} ${a.split('/').pop()}`).join(', ')}`);
  out.note(`golden AMI ${org.goldenImageId} (encrypted with the ${HOME_REGION} key), shared with ${org.members.map((m) => m.account).join(' and ')}`);
  for (const m of org.members) out.note(`member ${m.account}: group "${m.autoScalingGroupName}" launches ${org.goldenImageId} as ${m.serviceLinkedRoleArn.split('/').pop()}`);
}

function onInterrupt(emulator: Emulator): () => void {
  const handler = (signal: NodeJS.Signals) => {
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
    console.error(`amiwarden sandbox failed: ${error.name}: ${error.message}`);
    process.exit(1);
  },
);
