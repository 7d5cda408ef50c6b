import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../cli/main';
import { testContext } from './support';

const sfn = mockClient(SFNClient);
const cfn = mockClient(CloudFormationClient);
const kms = mockClient(KMSClient);

beforeEach(() => {
  sfn.reset();
  cfn.reset();
  kms.reset();
});

const ASG = ['--account', '111122223333', '--region', 'eu-west-1', '--asg', 'web'];
const KEY = 'arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

/** [what, argv, a pattern the message must match (naming the culprit)] */
const BAD_INPUT: [string, string[], RegExp][] = [
  ['an account id that is not 12 digits', ['remediate-asg', '--account', '12345', '--region', 'eu-west-1', '--asg', 'web'], /--account.*"12345"/],
  ['an account id with letters', ['remediate-asg', '--account', '11112222333a', '--region', 'eu-west-1', '--asg', 'web'], /--account/],
  ['a region that is not one', ['remediate-asg', '--account', '111122223333', '--region', 'Europe', '--asg', 'web'], /--region.*"Europe"/],
  ['an ASG name with a colon', ['remediate-asg', '--account', '111122223333', '--region', 'eu-west-1', '--asg', 'a:b'], /--asg/],
  ['a missing --account', ['remediate-asg', '--region', 'eu-west-1', '--asg', 'web'], /--account is required/],
  ['a missing --asg', ['remediate-asg', '--account', '111122223333', '--region', 'eu-west-1'], /--asg is required/],
  ['an unknown option', ['remediate-asg', ...ASG, '--force'], /Unknown option '--force'/],
  ['an option without its value', ['remediate-asg', '--account'], /--account/],
  ['a stray positional argument', ['remediate-asg', ...ASG, 'now'], /unexpected argument "now"/],
  ['a malformed state machine ARN', ['remediate-asg', ...ASG, '--state-machine-arn', 'arn:aws:lambda:eu-west-1:999999999999:function:x'], /--state-machine-arn/],
  ['a malformed stack name', ['remediate-asg', ...ASG, '--stack', 'amiwarden prod'], /--stack.*"amiwarden prod"/],
  ['a malformed stack region', ['remediate-asg', ...ASG, '--stack-region', 'moon-1'], /--stack-region/],
  ['--no-wait with --local', ['remediate-asg', '--local', '--no-wait'], /--no-wait cannot be used with --local/],
  ['--stack with --local', ['remediate-asg', '--local', '--stack', 'amiwarden-prod'], /--stack cannot be used with --local/],
  ['a bad account with --local', ['remediate-asg', '--local', '--account', '42'], /--account.*"42"/],
  ['an image id that is not one', ['remediate-image', '--image', 'ami-xyz', '--region', 'us-east-1'], /--image.*"ami-xyz"/],
  ['an image without a region', ['remediate-image', '--image', 'ami-0123456789abcdef0'], /--region is required/],
  ['a sweep mode that is not one', ['sweep', '--mode', 'fix'], /--mode.*report, enforce.*"fix"/],
  ['a bad account in a sweep list', ['sweep', '--accounts', '111122223333,nope'], /--accounts.*"nope"/],
  ['a bad region in a sweep list', ['sweep', '--regions', 'us-east-1', '--regions', 'mars'], /--regions.*"mars"/],
  ['an unknown workflow', ['executions', '--workflow', 'rotate-keys'], /--workflow.*"rotate-keys"/],
  ['an unknown status', ['executions', '--status', 'DONE'], /--status.*"DONE"/],
  ['a --max out of range', ['executions', '--max', '0'], /--max/],
  ['a --max over 1000 (docs/cli.md: up to 1000)', ['executions', '--max', '1001'], /--max/],
  ['show without an ARN', ['show'], /needs an execution ARN/],
  ['show with a state machine ARN', ['show', 'arn:aws:states:eu-west-1:999999999999:stateMachine:x'], /execution ARN/],
  ['an organization id that is not one', ['key-policy', '--organization-id', 'org-1'], /--organization-id.*"org-1"/],
  ['check-key-policy with a key alias', ['check-key-policy', '--key', 'alias/amiwarden', '--account', '111122223333'], /--key.*alias/],
  ['check-key-policy with a bare key id', ['check-key-policy', '--key', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', '--account', '111122223333'], /--key/],
  ['check-key-policy with neither key nor file', ['check-key-policy', '--account', '111122223333'], /--key ARN or --policy-file/],
  ['check-key-policy with both key and file', ['check-key-policy', '--key', KEY, '--policy-file', 'p.json', '--account', '111122223333'], /exactly one/],
  ['check-key-policy with no member to check', ['check-key-policy', '--key', KEY], /--account.*--organization-id/],
  ['check-key-policy with a bad member', ['check-key-policy', '--key', KEY, '--account', '111122223333,1'], /--account.*"1"/],
  ['check-key-policy with a policy file that is missing', ['check-key-policy', '--policy-file', 'nope.json', '--account', '111122223333'], /--policy-file nope.json.*ENOENT/],
  ['an unknown command', ['remediate'], /unknown command "remediate"/],
];

describe('argument handling', () => {
  it.each(BAD_INPUT)('refuses %s with exit 2, a message naming it and no AWS call', async (_what, argv, message) => {
    const { ctx, io } = testContext();

    const code = await runCli(argv, ctx);

    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(message);
    expect(io.stderr).toHaveLength(1);
    expect(sfn.calls()).toHaveLength(0);
    expect(cfn.calls()).toHaveLength(0);
    expect(kms.calls()).toHaveLength(0);
    expect(ctx.local.run).not.toHaveBeenCalled();
  });

  it('prints help for every command, exit 0, without touching AWS', async () => {
    for (const command of ['remediate-asg', 'remediate-image', 'sweep', 'report', 'executions', 'show', 'key-policy', 'check-key-policy']) {
      const { ctx, io } = testContext();
      expect(await runCli([command, '--help'], ctx)).toBe(0);
      expect(io.text()).toContain(`amiwarden ${command}`);
      expect(io.text()).toContain('--json');
    }
    expect(sfn.calls()).toHaveLength(0);
  });

  it('prints the command list for --help and for `help <command>`', async () => {
    const { ctx, io } = testContext();
    expect(await runCli(['--help'], ctx)).toBe(0);
    expect(io.text()).toMatch(/remediate-asg[\s\S]*check-key-policy/);

    const again = testContext();
    expect(await runCli(['help', 'show'], again.ctx)).toBe(0);
    expect(again.io.text()).toContain('amiwarden show <execution-arn>');
  });

  it('exits 2 with the command list when no command is given', async () => {
    const { ctx, io } = testContext();
    expect(await runCli([], ctx)).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toContain('usage: amiwarden <command>');
  });

  it('answers a refused input with one JSON object too when --json is given', async () => {
    const { ctx, io } = testContext();
    expect(await runCli(['remediate-asg', '--account', '1', '--region', 'eu-west-1', '--asg', 'web', '--json'], ctx)).toBe(2);
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0]!)).toEqual({ ok: false, error: { message: expect.stringMatching(/--account/), exitCode: 2 } });
  });
});
