/**
 * The workflows the CLI can start, as data: the command, the local/workflows.ts name, the stack
 * output that holds the deployed state machine's ARN, its options and how they become the
 * execution's input. A new workflow is one entry here (and one in local/workflows.ts to run it locally).
 */
import { accountId, asgName, flag, imageId, oneOf, region, required, str, strList, type OptionSpec, type Values } from './args';
import { UsageError } from './errors';

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
}

/** In the sandbox organization (local/organization.ts): the first member's group. */
export const SANDBOX_DEFAULTS = { account: '111111111111', region: 'us-east-1', asg: 'web' } as const;

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
      return {
        account: accountId('account', pick('account')),
        region: region('region', pick('region')),
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
      ['--image AMI-ID', 'the image to re-encrypt and share'],
      ['--region REGION', "the image's region"],
      ['--dry-run', 'plan only: nothing is copied or shared'],
    ],
    examples: ['amiwarden remediate-image --image ami-0123456789abcdef0 --region us-east-1 --stack amiwarden-prod'],
    input: (values) => ({
      imageId: imageId('image', required(values, 'image')),
      region: region('region', required(values, 'region')),
      dryRun: flag(values, 'dry-run'),
    }),
  },
  {
    command: 'sweep',
    workflow: 'compliance-sweep',
    outputKey: 'ComplianceSweepStateMachineArn',
    summary: 'run the compliance sweep over the organization now',
    options: { mode: { type: 'string' }, accounts: { type: 'string', multiple: true }, regions: { type: 'string', multiple: true } },
    help: [
      ['--mode MODE', 'report (default: only find) or enforce (also start remediations)'],
      ['--accounts IDS', 'only these accounts (comma-separated or repeated)'],
      ['--regions REGIONS', 'only these regions (comma-separated or repeated)'],
    ],
    examples: ['amiwarden sweep --mode report --regions us-east-1,eu-west-1 --stack amiwarden-prod --json'],
    input(values) {
      const accounts = strList(values, 'accounts').map((a) => accountId('accounts', a));
      const regions = strList(values, 'regions').map((r) => region('regions', r));
      return {
        mode: oneOf('mode', str(values, 'mode') ?? 'report', ['report', 'enforce'] as const),
        ...(accounts.length ? { accounts } : {}),
        ...(regions.length ? { regions } : {}),
      };
    },
  },
];

export function workflowByName(name: string): WorkflowCommand {
  const spec = WORKFLOW_COMMANDS.find((w) => w.workflow === name || w.command === name);
  if (!spec) throw new UsageError(`invalid --workflow: expected one of ${WORKFLOW_COMMANDS.map((w) => w.workflow).join(', ')}, got ${JSON.stringify(name)}`);
  return spec;
}
