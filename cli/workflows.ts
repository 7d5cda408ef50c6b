/**
 * The workflows the CLI can start, as data: the command, the local/workflows.ts name, the stack
 * output that holds the deployed state machine's ARN, its options and how they become the
 * execution's input. A new workflow is one entry here (and one in local/workflows.ts to run it locally).
 */
import { accountId, asgName, flag, imageId, oneOf, region, required, str, strList, type OptionSpec, type Values } from './args';
import { UsageError } from './errors';
import type { OutputPrinter } from './execution';
import { REPORT_FORMATS, type ReportFormat } from './report';
import { printSweepOutput } from './sweep-output';

export interface WorkflowCommand {
  command: string;
  /** The workflow's name in local/workflows.ts and in the state machine's name (amiwarden-<workflow>-<stage>). */
  workflow: string;
  /** The central stack output with the state machine ARN. */
  outputKey: string;
  summary: string;
  /** Options of this command only (the common ones are added by the runner). */
  options: OptionSpec;
  /** Help for `options`: [option, description]. */
  help: [string, string][];
  examples: string[];
  /** The execution's input, from validated options. Throws UsageError naming a bad value. */
  input(values: Values, context: { local: boolean }): Record<string, unknown>;
  /** What the command does besides starting the workflow, from validated options (e.g. sweep's --report). */
  extras?(values: Values, context: { local: boolean }): RunExtras;
  /** Prints the workflow's output for people (default: field by field). */
  printOutput?: OutputPrinter;
}

export interface RunExtras {
  /** After the execution: print this report of the sweep (read from the report bucket). */
  report?: ReportFormat;
}

/** In the sandbox organization (local/organization.ts): the first member's group. */
export const SANDBOX_DEFAULTS = { account: '111111111111', region: 'us-east-1', asg: 'web' } as const;
/** The sandbox's members and regions (local/organization.ts MEMBERS and REGIONS; a unit test keeps them in step). */
export const SANDBOX_MEMBERS = ['111111111111', '222222222222'] as const;
export const SANDBOX_REGIONS = ['us-east-1', 'eu-west-1'] as const;

/** With --local, a region must be one of the sandbox's (it configures amiwarden for those only). */
function sandboxRegion(option: string, value: string): string {
  if (!(SANDBOX_REGIONS as readonly string[]).includes(value)) throw new UsageError(`invalid --${option}: the sandbox has ${SANDBOX_REGIONS.join(' and ')}, not ${value}`);
  return value;
}

export const WORKFLOW_COMMANDS: WorkflowCommand[] = [
  {
    command: 'remediate-asg',
    workflow: 'launch-failure',
    outputKey: 'LaunchFailureStateMachineArn',
    summary: 'diagnose and fix an Auto Scaling group that cannot launch from a KMS-encrypted AMI',
    options: { account: { type: 'string' }, region: { type: 'string' }, asg: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    help: [
      ['--account ID', 'the member account that owns the group (12 digits)'],
      ['--region REGION', "the group's region"],
      ['--asg NAME', 'the Auto Scaling group name'],
      ['--dry-run', 'diagnose and plan only: no grant is created'],
    ],
    examples: [
      'amiwarden remediate-asg --account 111122223333 --region eu-west-1 --asg web --stack amiwarden-prod',
      'amiwarden remediate-asg --account 111122223333 --region eu-west-1 --asg web --dry-run --json',
      'amiwarden remediate-asg --local            (sandbox: 111111111111/web or 222222222222/batch in us-east-1)',
    ],
    input(values, { local }) {
      const pick = (name: 'account' | 'region' | 'asg') => (local ? (str(values, name) ?? SANDBOX_DEFAULTS[name]) : required(values, name));
      const where = region('region', pick('region'));
      return {
        account: accountId('account', pick('account')),
        region: local ? sandboxRegion('region', where) : where,
        autoScalingGroupName: asgName('asg', pick('asg')),
        dryRun: flag(values, 'dry-run'),
      };
    },
  },
  {
    command: 'remediate-image',
    workflow: 'reencrypt-and-share',
    outputKey: 'ReencryptAndShareStateMachineArn',
    summary: 're-encrypt an AMI with the organization key and share it',
    options: { image: { type: 'string' }, region: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    help: [
      ['--image AMI-ID', 'the image to re-encrypt and share (with --local: default a freshly planted AMI on aws/ebs)'],
      ['--region REGION', "the image's region (with --local: default us-east-1)"],
      ['--dry-run', 'plan only: nothing is copied or shared'],
    ],
    examples: [
      'amiwarden remediate-image --image ami-0123456789abcdef0 --region us-east-1 --stack amiwarden-prod',
      'amiwarden remediate-image --local          (sandbox: plants an AMI on aws/ebs, copies, shares, grants)',
    ],
    input(values, { local }) {
      if (!local) {
        return { imageId: imageId('image', required(values, 'image')), region: region('region', required(values, 'region')), dryRun: flag(values, 'dry-run') };
      }
      const image = str(values, 'image');
      const where = sandboxRegion('region', region('region', str(values, 'region') ?? SANDBOX_DEFAULTS.region));
      if (image === undefined && where !== SANDBOX_DEFAULTS.region) {
        throw new UsageError(`invalid --region: the sandbox plants its image in ${SANDBOX_DEFAULTS.region}; leave --region out or give --image`);
      }
      // No --image: cli/local.ts plants one in the sandbox and fills imageId in.
      return { ...(image !== undefined ? { imageId: imageId('image', image) } : {}), region: where, dryRun: flag(values, 'dry-run') };
    },
  },
  {
    command: 'sweep',
    workflow: 'compliance-sweep',
    outputKey: 'ComplianceSweepStateMachineArn',
    summary: 'run the compliance sweep over the organization now',
    options: { mode: { type: 'string' }, accounts: { type: 'string', multiple: true }, regions: { type: 'string', multiple: true }, report: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    help: [
      ['--mode MODE', 'report (default: only find) or enforce (also start remediations)'],
      ['--dry-run', 'find and plan only: no remediation is started, even with --mode enforce'],
      ['--accounts IDS', 'only these accounts (comma-separated or repeated; with --local: default both sandbox members)'],
      ['--regions REGIONS', 'only these regions (comma-separated or repeated)'],
      ['--report md|csv|json', 'when the sweep has succeeded, print its report (read from the report bucket); csv: the CSV alone on stdout'],
    ],
    examples: [
      'amiwarden sweep --mode report --regions us-east-1,eu-west-1 --stack amiwarden-prod --json',
      'amiwarden sweep --local --report md          (sandbox: an AMI on aws/ebs, an unencrypted one, groups without the grant)',
      'amiwarden sweep --local --mode enforce       (the remediations run too)',
    ],
    input(values, { local }) {
      let accounts = strList(values, 'accounts').map((a) => accountId('accounts', a));
      const regions = strList(values, 'regions').map((r) => region('regions', r));
      if (local) {
        // The sandbox has no AWS Organization to list: sweep its members unless told otherwise.
        if (accounts.length === 0) accounts = [...SANDBOX_MEMBERS];
        for (const r of regions) sandboxRegion('regions', r);
      }
      return {
        mode: oneOf('mode', str(values, 'mode') ?? 'report', ['report', 'enforce'] as const),
        ...(accounts.length ? { accounts } : {}),
        ...(regions.length ? { regions } : {}),
        ...(flag(values, 'dry-run') ? { dryRun: true } : {}),
      };
    },
    extras: (values) => {
      const report = str(values, 'report');
      return report !== undefined ? { report: oneOf('report', report, REPORT_FORMATS) } : {};
    },
    printOutput: printSweepOutput,
  },
];

export function workflowByName(name: string): WorkflowCommand {
  const spec = WORKFLOW_COMMANDS.find((w) => w.workflow === name || w.command === name);
  if (!spec) throw new UsageError(`invalid --workflow: expected one of ${WORKFLOW_COMMANDS.map((w) => w.workflow).join(', ')}, got ${JSON.stringify(name)}`);
  return spec;
}
