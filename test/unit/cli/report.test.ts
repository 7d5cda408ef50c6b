import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { runCli } from '../../../cli/main';
import { bucketName, runId } from '../../../cli/report';
import { s3Body, SWEEP_OUTPUT, testContext } from './support';

const s3 = mockClient(S3Client);
const cfn = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);

const BUCKET = 'amiwarden-reports-prod';
const RUN = '2026-11-20-daily';
const REPORT = {
  runId: RUN,
  mode: 'report',
  startedAt: '2026-11-20T06:00:00.000Z',
  summary: SWEEP_OUTPUT.summary,
  findings: [
    { account: '999999999999', region: 'us-east-1', resource: 'ami-0123456789abcdef0', finding: 'ami-unencrypted', severity: 'medium', detail: 'not encrypted', action: 'reencrypt-and-share', remediation: null },
  ],
};
const MARKDOWN = `# amiwarden compliance sweep ${RUN}\n\nMode: report.\n\n| finding | count |\n|---|---|\n| ami-unencrypted | 1 |\n`;
const CSV = 'account,region,resource,finding,severity,detail,action\n"999999999999","us-east-1","ami-0123456789abcdef0","ami-unencrypted","medium","not encrypted","reencrypt-and-share"\n';
const POINTER = { runId: RUN, json: `s3://${BUCKET}/sweeps/${RUN}/report.json`, csv: `s3://${BUCKET}/sweeps/${RUN}/report.csv`, markdown: `s3://${BUCKET}/sweeps/${RUN}/report.md` };

/** The bucket as S3 serves it: these keys exist, every other one is NoSuchKey. */
function serve(objects: Record<string, string>) {
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const text = input.Bucket === BUCKET ? objects[input.Key] : undefined;
    if (text === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    return { Body: s3Body(text), ContentType: 'text/plain', $metadata: { httpStatusCode: 200 } };
  });
}

const ALL = {
  'sweeps/latest.json': JSON.stringify(POINTER),
  [`sweeps/${RUN}/report.md`]: MARKDOWN,
  [`sweeps/${RUN}/report.csv`]: CSV,
  [`sweeps/${RUN}/report.json`]: JSON.stringify(REPORT, null, 2),
};

function stackWith(outputs: Record<string, string>) {
  return {
    Stacks: [
      {
        StackName: 'amiwarden-prod',
        StackStatus: 'UPDATE_COMPLETE' as const,
        CreationTime: new Date('2026-11-01T00:00:00Z'),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}

beforeEach(() => {
  s3.reset();
  cfn.reset();
  sfn.reset();
});

describe('report', () => {
  it('prints the latest report as Markdown, from the bucket named by the stack output ReportBucketName', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'amiwarden-prod' }).resolves(stackWith({ ReportBucketName: BUCKET }));
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['report', '--latest', '--stack', 'amiwarden-prod'], ctx)).toBe(0);

    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: 'sweeps/latest.json' },
      { Bucket: BUCKET, Key: `sweeps/${RUN}/report.md` },
    ]);
    expect(io.stdout).toEqual(MARKDOWN.trimEnd().split('\n'));
    expect(io.stderr).toEqual([]);
  });

  it('defaults to the latest report, as Markdown', async () => {
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['report', '--bucket', BUCKET], ctx)).toBe(0);

    expect(io.text()).toBe(MARKDOWN.trimEnd());
    expect(cfn.calls()).toHaveLength(0);
  });

  it('prints a given run as CSV, straight from sweeps/<run-id>/report.csv', async () => {
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['report', RUN, '--format', 'csv', '--bucket', BUCKET], ctx)).toBe(0);

    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: `sweeps/${RUN}/report.csv` });
    expect(io.stdout).toEqual(CSV.trimEnd().split('\n'));
  });

  it('prints the JSON file as stored with --format json, and the report object on one line with --json', async () => {
    serve(ALL);
    const text = testContext();
    expect(await runCli(['report', RUN, '--format', 'json', '--bucket', BUCKET], text.ctx)).toBe(0);
    expect(text.io.text()).toBe(JSON.stringify(REPORT, null, 2));

    const json = testContext();
    expect(await runCli(['report', '--latest', '--json', '--bucket', BUCKET], json.ctx)).toBe(0);
    expect(json.io.stdout).toHaveLength(1);
    expect(JSON.parse(json.io.stdout[0]!)).toEqual(REPORT);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Key: `sweeps/${RUN}/report.json` });
  });

  it('calls S3 in --stack-region, following redirects to the bucket\'s region', async () => {
    serve(ALL);
    const { ctx } = testContext();

    expect(await runCli(['report', '--bucket', BUCKET, '--stack-region', 'eu-west-1'], ctx)).toBe(0);

    const client = s3.call(0).thisValue as S3Client;
    expect(await client.config.region()).toBe('eu-west-1');
    expect(client.config.followRegionRedirects).toBe(true);
  });

  it('says "no sweep report yet" in one line when sweeps/latest.json does not exist (exit 1)', async () => {
    serve({});
    const { ctx, io } = testContext();

    expect(await runCli(['report', '--bucket', BUCKET], ctx)).toBe(1);

    expect(io.stderr).toEqual([`amiwarden: Reading s3://${BUCKET}/sweeps/latest.json: no sweep report yet (run \`amiwarden sweep\` first)`]);
    expect(io.stdout).toEqual([]);
  });

  it('says "no such run" in one line for a run without a report (exit 1), and as one JSON object with --json', async () => {
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['report', 'nightly-42', '--bucket', BUCKET], ctx)).toBe(1);

    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(new RegExp(`^amiwarden: Reading s3://${BUCKET}/sweeps/nightly-42/report\\.md: no such run: nightly-42`));

    const json = testContext();
    expect(await runCli(['report', 'nightly-42', '--bucket', BUCKET, '--json'], json.ctx)).toBe(1);
    expect(JSON.parse(json.io.stdout[0]!)).toEqual({ ok: false, error: { message: expect.stringContaining('no such run: nightly-42'), exitCode: 1 } });
  });

  it('says in one line when S3 refuses, a missing bucket, no network, or a pointer that is not one', async () => {
    const denied = testContext();
    s3.on(GetObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'Access Denied', $metadata: { httpStatusCode: 403 } }));
    expect(await runCli(['report', '--bucket', BUCKET], denied.ctx)).toBe(1);
    expect(denied.io.stderr).toEqual([
      `amiwarden: Reading s3://${BUCKET}/sweeps/latest.json: access denied: Access Denied (without s3:ListBucket, S3 also answers AccessDenied for a key that does not exist)`,
    ]);

    s3.reset();
    const missing = testContext();
    s3.on(GetObjectCommand).rejects(new S3ServiceException({ name: 'NoSuchBucket', $fault: 'client', message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }));
    expect(await runCli(['report', '--bucket', BUCKET], missing.ctx)).toBe(1);
    expect(missing.io.stderr).toEqual([`amiwarden: Reading s3://${BUCKET}/sweeps/latest.json: the bucket ${BUCKET} does not exist`]);

    s3.reset();
    const offline = testContext();
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));
    expect(await runCli(['report', '--bucket', BUCKET], offline.ctx)).toBe(1);
    expect(offline.io.stderr).toEqual([`amiwarden: Reading s3://${BUCKET}/sweeps/latest.json: could not reach AWS (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:443)`]);

    s3.reset();
    serve({ 'sweeps/latest.json': '{"runId": 1}' });
    const garbled = testContext();
    expect(await runCli(['report', '--bucket', BUCKET], garbled.ctx)).toBe(1);
    expect(garbled.io.stderr).toEqual([`amiwarden: Reading s3://${BUCKET}/sweeps/latest.json: not a sweep pointer ({runId, json, csv, markdown} with s3:// URLs)`]);
  });

  it('says which stack has no ReportBucketName output (exit 1)', async () => {
    cfn.on(DescribeStacksCommand).resolves(stackWith({ LaunchFailureStateMachineArn: 'arn:aws:states:us-east-1:999999999999:stateMachine:x' }));
    const { ctx, io } = testContext();

    expect(await runCli(['report', '--stack', 'amiwarden-prod'], ctx)).toBe(1);

    expect(io.stderr).toEqual(["amiwarden: the compliance sweep's report bucket is not in this stack (amiwarden-prod has no ReportBucketName output); pass --bucket"]);
    expect(s3.calls()).toHaveLength(0);
  });

  const BAD: [string, string[], RegExp][] = [
    ['a run id with a slash', ['report', 'sweeps/x', '--bucket', BUCKET], /invalid run id.*"sweeps\/x"/],
    ['a run id of dots', ['report', '..', '--bucket', BUCKET], /invalid run id/],
    ['a run id longer than 80', ['report', 'r'.repeat(81), '--bucket', BUCKET], /invalid run id/],
    ['a run id with a space', ['report', 'run 1', '--bucket', BUCKET], /invalid run id/],
    ['--latest and a run id', ['report', '--latest', RUN, '--bucket', BUCKET], /either --latest or a run id/],
    ['two run ids', ['report', RUN, 'other', '--bucket', BUCKET], /unexpected argument "other"/],
    ['an unknown format', ['report', '--format', 'pdf', '--bucket', BUCKET], /--format.*md, csv, json.*"pdf"/],
    ['--json with --format md', ['report', '--json', '--format', 'md', '--bucket', BUCKET], /--format md cannot be used with it/],
    ['a bucket with capitals', ['report', '--bucket', 'Amiwarden_Reports'], /--bucket.*"Amiwarden_Reports"/],
    ['a bucket as an s3:// URL', ['report', '--bucket', 's3://amiwarden-reports-prod'], /--bucket.*without s3:\/\//],
    ['a bucket of two characters', ['report', '--bucket', 'ab'], /--bucket/],
    ['a bucket with two dots in a row', ['report', '--bucket', 'a..b'], /--bucket/],
    ['a bucket that looks like an IP address', ['report', '--bucket', '192.168.5.4'], /--bucket/],
    ['--stack with --bucket', ['report', '--bucket', BUCKET, '--stack', 'amiwarden-prod'], /--stack cannot be used with --bucket/],
    ['a malformed stack name', ['report', '--stack', 'amiwarden prod'], /--stack/],
    ['--local with --bucket', ['report', '--local', '--bucket', BUCKET], /--bucket cannot be used with --local/],
    ['--local-dir without --local', ['report', '--local-dir', 'x'], /--local-dir is for --local/],
  ];

  it.each(BAD)('refuses %s with exit 2 and no AWS call', async (_what, argv, message) => {
    const { ctx, io } = testContext();

    expect(await runCli(argv, ctx)).toBe(2);

    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toMatch(message);
    expect(s3.calls()).toHaveLength(0);
    expect(cfn.calls()).toHaveLength(0);
  });

  it('validates run ids and bucket names as documented', () => {
    for (const ok of ['local-1795337251358-1', 'a', 'r'.repeat(80), '2026.11.20_daily', '6b1e0a7c-2f1d-4f7e-9a55-0c3f1e2d4b5a']) expect(runId('run id', ok)).toBe(ok);
    for (const ok of ['abc', 'amiwarden-reports-prod', 'my.bucket.example', 'a'.repeat(63), '1bucket9']) expect(bucketName('bucket', ok)).toBe(ok);
    for (const bad of ['-abc', 'abc-', 'a'.repeat(64), 'xn--abc', 'abc-s3alias', 'abc--ol-s3', 'ab_c', 'a b']) expect(() => bucketName('bucket', bad)).toThrow(/--bucket/);
  });
});

describe('sweep --report (in AWS)', () => {
  const t0 = Date.parse('2026-11-20T06:00:00Z');
  const history: HistoryEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: new Date(t0), executionStartedEventDetails: { input: '{}', roleArn: 'arn:aws:iam::999999999999:role/sfn' } },
    { id: 2, type: 'PassStateEntered', timestamp: new Date(t0 + 10), stateEnteredEventDetails: { name: 'Record sweep', input: '{}' } },
    { id: 3, type: 'PassStateExited', timestamp: new Date(t0 + 11), stateExitedEventDetails: { name: 'Record sweep', output: '{}' } },
    { id: 4, type: 'ExecutionSucceeded', timestamp: new Date(t0 + 90_000), executionSucceededEventDetails: { output: JSON.stringify(SWEEP_OUTPUT) } },
  ];
  const SWEEP_ARN = 'arn:aws:states:us-east-1:999999999999:stateMachine:amiwarden-compliance-sweep-prod';
  const EXECUTION = `arn:aws:states:us-east-1:999999999999:execution:amiwarden-compliance-sweep-prod:${RUN}`;

  it('--report csv: the CSV alone on stdout (`> f.csv` is clean); the summary, the plan and the count line on stderr; exit 3 for the findings', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--report', 'csv'], ctx)).toBe(3);

    expect(io.stdout.join('\n')).toBe(CSV.trimEnd());
    const text = io.stderr.join('\n');
    // The plan per account and region, from the JSON report, and its count line.
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: `sweeps/${RUN}/report.json` });
    expect(text).toMatch(/^\[999999999999 us-east-1\]  1 finding\(s\)\n  ! ami-0123456789abcdef0: ami-unencrypted \(medium\): reencrypt-and-share$/m);
    expect(text).toMatch(/^Plan: 0 to remediate with --mode enforce; 1 needs a person\.$/m);
    expect(text).toMatch(/FINDING\s+SEVERITY\s+COUNT/);
    expect(text).toMatch(/missing-grant\s+high\s+2\n\s+ami-unencrypted\s+medium\s+1\n\s+default-ebs-key-aws-managed\s+low\s+1/);
    expect(text).toContain('4 finding(s): 2 high, 1 medium, 1 low');
    expect(text).toContain(`s3://${BUCKET}/sweeps/${RUN}/report.md`);
    expect(text).toMatch(/remediations\s+0 started/);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: `sweeps/${RUN}/report.csv` });
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('--report md: the Markdown report alone on stdout (`> report.md` is clean); the summary, the plan and the count line on stderr', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--report', 'md'], ctx)).toBe(3);

    expect(io.stdout.join('\n')).toBe(MARKDOWN.trimEnd());
    expect(io.stdout[0]).toBe(`# amiwarden compliance sweep ${RUN}`);
    expect(io.stdout.join('\n')).not.toMatch(/SUCCEEDED|^Plan|finding\(s\):|remediations/m);
    const text = io.stderr.join('\n');
    expect(text).toMatch(/^SUCCEEDED in /m);
    expect(text).toContain('4 finding(s): 2 high, 1 medium, 1 low');
    expect(text).toMatch(/^Plan: 0 to remediate with --mode enforce; 1 needs a person\.$/m);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: `sweeps/${RUN}/report.md` });
  });

  it('--report json without --json: the JSON report alone on stdout, the summary on stderr', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--report', 'json'], ctx)).toBe(3);

    expect(JSON.parse(io.stdout.join('\n'))).toEqual(REPORT);
    expect(io.stderr.join('\n')).toContain('4 finding(s): 2 high, 1 medium, 1 low');
  });

  it('puts the report in the one JSON object with --json (the JSON report as an object)', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    serve(ALL);
    const { ctx, io } = testContext();

    expect(await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--report', 'json', '--json'], ctx)).toBe(3);

    expect(io.stdout).toHaveLength(1);
    const out = JSON.parse(io.stdout[0]!);
    expect(out).toMatchObject({ command: 'sweep', status: 'SUCCEEDED', output: SWEEP_OUTPUT, report: { format: 'json', runId: RUN, location: POINTER.json, content: REPORT } });
  });

  it('refuses --report with --no-wait, and a format that is not one (exit 2)', async () => {
    for (const argv of [['sweep', '--report', 'md', '--no-wait'], ['sweep', '--report', 'html']]) {
      const { ctx, io } = testContext();
      expect(await runCli([...argv, '--state-machine-arn', SWEEP_ARN], ctx)).toBe(2);
      expect(io.stderr[0]).toMatch(/--report/);
    }
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('sweep --mode enforce (in AWS): the remediations it started', () => {
  const t0 = Date.parse('2026-11-20T06:00:00Z');
  const SWEEP_ARN = 'arn:aws:states:us-east-1:999999999999:stateMachine:amiwarden-compliance-sweep-prod';
  const EXECUTION = `arn:aws:states:us-east-1:999999999999:execution:amiwarden-compliance-sweep-prod:${RUN}`;
  const MAP_RUN = `arn:aws:states:us-east-1:999999999999:mapRun:amiwarden-compliance-sweep-prod/Start remediations:4d2c`;
  const MANIFEST = `inventories/${RUN}/map-results/4d2c/manifest.json`;
  const RESULTS = `inventories/${RUN}/map-results/4d2c/SUCCEEDED_0.json`;
  const CHILD_LF = 'arn:aws:states:us-east-1:999999999999:execution:amiwarden-launch-failure-prod:sweep-lf-1';
  const CHILD_RE = 'arn:aws:states:us-east-1:999999999999:execution:amiwarden-reencrypt-and-share-prod:sweep-re-1';
  const LF_INPUT = { account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web' };
  const RE_INPUT = { imageId: 'ami-0123456789abcdef0', region: 'us-east-1', trigger: 'sweep' };
  const ENFORCE_REPORT = {
    ...REPORT,
    mode: 'enforce',
    findings: [
      { account: '111111111111', region: 'us-east-1', resource: 'autoScalingGroup/web', finding: 'missing-grant', severity: 'high', detail: 'no grant', action: 'launch-failure', remediation: { workflow: 'launch-failure', input: LF_INPUT } },
      { account: '999999999999', region: 'us-east-1', resource: 'ami-0123456789abcdef0', finding: 'ami-unencrypted', severity: 'medium', detail: 'not encrypted', action: 'reencrypt-and-share', remediation: { workflow: 'reencrypt-and-share', input: RE_INPUT } },
    ],
  };
  const OUTPUT = { ...SWEEP_OUTPUT, mode: 'enforce', remediationsStarted: 2 };
  // The "Start remediations" state's output: ResultPath $.started holds the map run and its ResultWriter manifest.
  const mapOutput = { plan: { runId: RUN, bucket: BUCKET, mode: 'enforce' }, report: { remediations: 2 }, started: { mapRunArn: MAP_RUN, manifest: MANIFEST } };
  const history: HistoryEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: new Date(t0), executionStartedEventDetails: { input: '{"mode":"enforce"}', roleArn: 'arn:aws:iam::999999999999:role/sfn' } },
    { id: 2, type: 'MapStateEntered', timestamp: new Date(t0 + 10), stateEnteredEventDetails: { name: 'Start remediations', input: '{}' } },
    { id: 3, type: 'MapRunStarted', timestamp: new Date(t0 + 11), mapRunStartedEventDetails: { mapRunArn: MAP_RUN } },
    { id: 4, type: 'MapRunSucceeded', timestamp: new Date(t0 + 2000) },
    { id: 5, type: 'MapStateExited', timestamp: new Date(t0 + 2001), stateExitedEventDetails: { name: 'Start remediations', output: JSON.stringify(mapOutput) } },
    { id: 6, type: 'PassStateEntered', timestamp: new Date(t0 + 2002), stateEnteredEventDetails: { name: 'Record sweep', input: '{}' } },
    { id: 7, type: 'PassStateExited', timestamp: new Date(t0 + 2003), stateExitedEventDetails: { name: 'Record sweep', output: JSON.stringify(OUTPUT) } },
    { id: 8, type: 'ExecutionSucceeded', timestamp: new Date(t0 + 2004), executionSucceededEventDetails: { output: JSON.stringify(OUTPUT) } },
  ];
  // What the Distributed Map's ResultWriter writes (Step Functions developer guide, "ResultWriter"): a manifest and the child results.
  const mapChild = (item: unknown, executionArn: string, n: number) => ({
    ExecutionArn: `arn:aws:states:us-east-1:999999999999:execution:amiwarden-compliance-sweep-prod/Start remediations:4d2c:${n}`,
    Input: JSON.stringify(item),
    InputDetails: { Included: true },
    Name: `4d2c-${n}`,
    Output: JSON.stringify({ executionArn }),
    OutputDetails: { Included: true },
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    StartDate: '2026-11-20T06:00:00.100Z',
    StateMachineArn: 'arn:aws:states:us-east-1:999999999999:stateMachine:amiwarden-compliance-sweep-prod/Start remediations',
    Status: 'SUCCEEDED',
    StopDate: '2026-11-20T06:00:00.400Z',
  });
  const RESULT_FILES = {
    ...ALL,
    [`sweeps/${RUN}/report.json`]: JSON.stringify(ENFORCE_REPORT),
    [MANIFEST]: JSON.stringify({ DestinationBucket: BUCKET, MapRunArn: MAP_RUN, ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: RESULTS, Size: 1024 }] } }),
    [RESULTS]: JSON.stringify([mapChild({ workflow: 'launch-failure', input: LF_INPUT }, CHILD_LF, 0), mapChild({ workflow: 'reencrypt-and-share', input: RE_INPUT }, CHILD_RE, 1)]),
  };
  const LF_OUTPUT = { status: 'remediated', cause: 'missing-grant', ...LF_INPUT };

  function children(reencrypt: 'SUCCEEDED' | 'FAILED') {
    // Started without waiting (states:startExecution): each is still running once, then ends.
    const described = new Map<string, number>();
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      const seen = (described.get(input.executionArn) ?? 0) + 1;
      described.set(input.executionArn, seen);
      const lf = input.executionArn === CHILD_LF;
      const base = { executionArn: input.executionArn, stateMachineArn: 'arn:aws:states:us-east-1:999999999999:stateMachine:x', input: JSON.stringify(lf ? LF_INPUT : RE_INPUT), startDate: new Date(t0 + 100) };
      if (seen === 1) return { ...base, status: 'RUNNING' };
      if (lf) return { ...base, status: 'SUCCEEDED', stopDate: new Date(t0 + 3300), output: JSON.stringify(LF_OUTPUT) };
      return reencrypt === 'SUCCEEDED'
        ? { ...base, status: 'SUCCEEDED', stopDate: new Date(t0 + 5100), output: JSON.stringify({ status: 'reencrypted-and-shared', region: 'us-east-1', sourceImageId: RE_INPUT.imageId, imageId: 'ami-0bbbbbbbbbbbbbbbb' }) }
        : { ...base, status: 'FAILED', stopDate: new Date(t0 + 5100), error: 'AwsCallError', cause: '{"errorMessage":"CopyImage failed: quota"}' };
    });
  }

  it('lists each remediation execution it started with its ARN and final state, following them until they end', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    serve(RESULT_FILES);
    children('SUCCEEDED');
    const { ctx, io } = testContext();

    expect(await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--mode', 'enforce'], ctx)).toBe(0);

    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: MANIFEST });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: RESULTS });
    const text = io.text();
    expect(text).toMatch(/^What it did:$/m);
    expect(text).toMatch(/^  \+ autoScalingGroup\/web: missing-grant \(high\): launch-failure SUCCEEDED \(remediated\)\n\s+execution  arn:aws:states:us-east-1:999999999999:execution:amiwarden-launch-failure-prod:sweep-lf-1$/m);
    expect(text).toMatch(/^  \+ ami-0123456789abcdef0: ami-unencrypted \(medium\): reencrypt-and-share SUCCEEDED \(reencrypted-and-shared\)\n\s+execution  arn:aws:states:us-east-1:999999999999:execution:amiwarden-reencrypt-and-share-prod:sweep-re-1$/m);
    expect(text).toContain('Remediations (2, followed until each ended)');
    expect(text).toMatch(/launch-failure\s+111111111111 us-east-1 web\s+SUCCEEDED\s+3\.2s\s+remediated \(missing-grant\)\s+arn:aws:states:us-east-1:999999999999:execution:amiwarden-launch-failure-prod:sweep-lf-1/);
    expect(text).toMatch(/reencrypt-and-share\s+ami-0123456789abcdef0 us-east-1\s+SUCCEEDED\s+5\.0s\s+reencrypted-and-shared → ami-0bbbbbbbbbbbbbbbb\s+arn:aws:states:.*sweep-re-1/);
    expect(text).toMatch(/^Result: 2 remediated\.$/m);
    // Each child's end is progress for people: on stderr, labelled with its target.
    expect(io.stderr.join('\n')).toMatch(/\[111111111111 us-east-1 web\]\s+✓ launch-failure SUCCEEDED\s+3\.2s/);
    expect(io.stderr.join('\n')).toMatch(/\[ami-0123456789abcdef0 us-east-1\]\s+✓ reencrypt-and-share SUCCEEDED\s+5\.0s/);
  });

  it('a remediation that failed shows as failed, with its ARN, and exits 3; --json carries the children', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    serve(RESULT_FILES);
    children('FAILED');
    const { ctx, io } = testContext();

    expect(await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--mode', 'enforce', '--json'], ctx)).toBe(3);

    expect(io.stdout).toHaveLength(1);
    const out = JSON.parse(io.stdout[0]!);
    expect(out.children).toEqual([
      { workflow: 'launch-failure', executionArn: CHILD_LF, input: LF_INPUT, status: 'SUCCEEDED', output: LF_OUTPUT, durationMs: 3200 },
      { workflow: 'reencrypt-and-share', executionArn: CHILD_RE, input: RE_INPUT, status: 'FAILED', error: { name: 'AwsCallError', cause: '{"errorMessage":"CopyImage failed: quota"}' }, durationMs: 5000 },
    ]);
    expect(out.counts).toMatchObject({ create: 1, attention: 1 });
    expect(io.stderr.join('\n')).toMatch(/\[ami-0123456789abcdef0 us-east-1\]\s+✗ reencrypt-and-share FAILED: AwsCallError\s+5\.0s/);
  });

  it('a sweep whose map run results cannot be read still reports its result, says so on stderr, and lists no children', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    const { [MANIFEST]: _manifest, ...withoutManifest } = RESULT_FILES;
    serve(withoutManifest);
    const { ctx, io } = testContext();

    expect(await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--mode', 'enforce'], ctx)).toBe(0);

    expect(io.stderr.join('\n')).toMatch(/the remediations it started could not be read: Reading s3:\/\/amiwarden-reports-prod\/inventories\/.*manifest\.json: not found/);
    expect(io.text()).toMatch(/^  \+ autoScalingGroup\/web: missing-grant \(high\): remediation started \(launch-failure\)$/m);
    expect(io.text()).not.toContain('Remediations (');
    expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('Ctrl-C while following the remediations says that they go on', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(t0) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [...history].reverse() });
    serve(RESULT_FILES);
    const handlers: (() => void)[] = [];
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      handlers.at(-1)?.();
      return { executionArn: input.executionArn, stateMachineArn: 'arn:aws:states:us-east-1:999999999999:stateMachine:x', input: '{}', startDate: new Date(t0), status: 'SUCCEEDED', stopDate: new Date(t0 + 1000), output: '{}' };
    });
    const { ctx, io } = testContext({ onInterrupt: (h) => (handlers.push(h), () => void handlers.splice(handlers.indexOf(h), 1)) });

    await runCli(['sweep', '--state-machine-arn', SWEEP_ARN, '--mode', 'enforce'], ctx);

    expect(io.stderr).toContain(`amiwarden: interrupted: stopped following the remediations ${EXECUTION} started; they go on: amiwarden executions`);
  });
});
