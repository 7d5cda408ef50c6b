/**
 * "Record failure" logs what failed with the original input; a log line must stay within what
 * CloudWatch Logs takes for one event (256 KiB), however large the input was.
 */
const CLOUDWATCH_EVENT_LIMIT = 256 * 1024;

async function recordFailure(input: unknown, error: Record<string, unknown> = { Error: 'InvalidInputError', Cause: 'bad' }): Promise<string[]> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const env = { ...process.env };
  try {
    delete process.env.AMIWARDEN_FAILURE_QUEUE_URL;
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    let handler!: (payload: unknown) => Promise<unknown>;
    jest.isolateModules(() => {
      ({ handler } = require('../../../functions/record-failure/handler') as { handler: typeof handler });
    });
    await handler({ workflow: 'launch-failure', execution: 'arn:aws:states:us-east-1:999999999999:execution:x:1', input, error });
  } finally {
    write.mockRestore();
    process.env = env;
  }
  return lines;
}

describe('record-failure logging', () => {
  it('logs the record with its input when it is small', async () => {
    const [line] = await recordFailure({ detail: { AutoScalingGroupName: 'web' } });

    expect(JSON.parse(line!)).toMatchObject({ level: 'ERROR', message: 'Workflow step failed', record: { workflow: 'launch-failure', input: { detail: { AutoScalingGroupName: 'web' } } } });
  });

  it.each([
    ['characters', 'x'.repeat(300_000)],
    ['bytes (fewer characters, each two bytes)', 'é'.repeat(150_000)],
  ])('cuts an input too large for one log event in %s, and says so', async (_what, detail) => {
    const lines = await recordFailure({ detail });

    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(lines[0]!)).toBeLessThan(CLOUDWATCH_EVENT_LIMIT);
    expect(JSON.parse(lines[0]!).record).toMatchObject({ workflow: 'launch-failure', truncated: true, input: expect.stringMatching(/^\(cut: \d+ bytes\)$/) });
  });
});

describe('record-failure: target accounts that failed', () => {
  it('keeps, of every target account’s result, the failed ones with their outcome and finding', async () => {
    const accounts = [
      { account: '111111111111', outcome: 'granted', failed: false, serviceLinkedRoles: [], grants: [], finding: null, fix: null },
      { account: '222222222222', outcome: 'member-role-unavailable', failed: true, serviceLinkedRoles: [], grants: [], finding: 'Cannot assume the role', fix: null },
    ];
    const [line] = await recordFailure({ imageId: 'ami-008c67c239389d171' }, { Error: 'TargetAccountsFailed', Cause: 'One or more target accounts did not get key access', accounts });

    expect(JSON.parse(line!).record.error).toEqual({
      name: 'TargetAccountsFailed',
      cause: 'One or more target accounts did not get key access',
      accounts: [{ account: '222222222222', outcome: 'member-role-unavailable', finding: 'Cannot assume the role' }],
    });
  });
});
