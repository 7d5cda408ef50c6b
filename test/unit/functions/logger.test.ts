/**
 * The functions' structured logger: one JSON object per line, the level from the environment,
 * errors written with what explains them.
 */
import { Logger, logLevelFrom, type LoggerOptions } from '../../../functions/common/logger';
import { AwsCallError } from '../../../core/errors';

function capture(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = new Logger({ service: 'amiwarden', persistentKeys: { function: 'grant-key-access' }, env: {}, write: (line) => lines.push(line), ...options });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('Logger', () => {
  it('writes to stderr when AMIWARDEN_LOG_TO_STDERR is true (the CLI\'s --verbose keeps stdout for its own output), else to stdout', () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      new Logger({ service: 'amiwarden', env: { AMIWARDEN_LOG_TO_STDERR: 'true' } }).info('to stderr');
      new Logger({ service: 'amiwarden', env: {} }).info('to stdout');
      expect(err.mock.calls.map((c) => JSON.parse(String(c[0])).message)).toEqual(['to stderr']);
      expect(out.mock.calls.map((c) => JSON.parse(String(c[0])).message)).toEqual(['to stdout']);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });


  it('writes one JSON object per line with level, message, timestamp, service, persistent and appended keys, and the fields', () => {
    const { logger, lines, records } = capture();

    logger.appendKeys({ account: '111111111111', region: 'us-east-1' });
    logger.info('Grant step done', { outcome: 'granted', grants: ['g-1'] });

    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('}\n')).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toContain('\n');
    const [record] = records();
    expect(record).toEqual({
      level: 'INFO',
      message: 'Grant step done',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      service: 'amiwarden',
      function: 'grant-key-access',
      account: '111111111111',
      region: 'us-east-1',
      outcome: 'granted',
      grants: ['g-1'],
    });
  });

  it('forgets appended keys on resetKeys, and keeps the persistent ones', () => {
    const { logger, records } = capture();
    logger.appendKeys({ execution: 'arn:aws:states:us-east-1:999999999999:execution:a:1' });
    logger.resetKeys();

    logger.warn('InvalidInputError');

    expect(records()[0]).toEqual({ level: 'WARN', message: 'InvalidInputError', timestamp: expect.any(String), service: 'amiwarden', function: 'grant-key-access' });
  });

  it('writes an error with its name, message, stack, own fields and cause', () => {
    const { logger, records } = capture();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const error = new AwsCallError('kms:CreateGrant', 'AccessDeniedException', 'not allowed', { cause: throttled });

    logger.error('Unexpected failure', { error });

    const logged = records()[0]!.error as Record<string, unknown>;
    expect(logged).toMatchObject({ name: 'AwsCallError', operation: 'kms:CreateGrant', code: 'AccessDeniedException', stack: expect.stringContaining('AwsCallError') });
    expect(logged.message).toContain('not allowed');
    expect(logged.cause).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
  });

  it('writes nothing below its level, and nothing at all when SILENT', () => {
    const warnings = capture({ level: 'WARN' });
    warnings.logger.info('not written');
    warnings.logger.debug('not written');
    warnings.logger.warn('written');
    warnings.logger.critical('written too');
    expect(warnings.records().map((r) => r.level)).toEqual(['WARN', 'FATAL']);

    const silent = capture({ level: 'SILENT' });
    silent.logger.critical('never');
    expect(silent.lines).toEqual([]);
  });

  it('writes a circular field as [Circular] and keeps the rest of the line', () => {
    const { logger, records } = capture();
    const circular: Record<string, unknown> = { id: 1 };
    circular.self = circular;

    logger.info('Sweep planned', { circular, runId: 'r-1' });

    expect(records()[0]).toMatchObject({ message: 'Sweep planned', runId: 'r-1', circular: { id: 1, self: '[Circular]' } });
  });

  it('keeps its own level, message, timestamp and service whatever the fields say', () => {
    const { logger, records } = capture({ level: 'WARN' });
    logger.appendKeys({ level: 'DEBUG', service: 'other' });

    logger.error('Unexpected failure', { message: 'forged', timestamp: 'never' });

    expect(records()[0]).toMatchObject({ level: 'ERROR', message: 'Unexpected failure', service: 'amiwarden' });
    expect(records()[0]!.timestamp).not.toBe('never');
  });

  it('writes BigInts as strings and a cycle of causes as [Circular], without looping', () => {
    const { logger, records } = capture();
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as Error & { cause?: unknown }).cause = b;

    logger.error('Unexpected failure', { error: a, size: 10n ** 20n, account: '111111111111' });

    const [record] = records();
    expect(record!.size).toBe('100000000000000000000');
    expect(record!.account).toBe('111111111111');
    expect(record!.error).toMatchObject({ name: 'Error', message: 'a', cause: { name: 'Error', message: 'b', cause: '[Circular]' } });
  });

  it('keeps the appended keys in the line it writes when a field cannot be serialised', () => {
    const { logger, records } = capture();
    logger.appendKeys({ execution: 'arn:aws:states:us-east-1:999999999999:execution:a:1' });

    logger.info('Sweep planned', {
      broken: {
        get value(): never {
          throw new Error('getter failed');
        },
      },
    });

    expect(records()[0]).toMatchObject({ message: 'Sweep planned', execution: 'arn:aws:states:us-east-1:999999999999:execution:a:1', logError: expect.stringContaining('getter failed') });
  });

  it('never throws, even when the output cannot be written', () => {
    const logger = new Logger({ service: 'amiwarden', env: {}, write: () => {
      throw new Error('EPIPE');
    } });

    expect(() => logger.error('Unexpected failure', { error: new Error('x') })).not.toThrow();
  });

  it("writes FATAL for a critical line, the level Lambda's log filtering knows", () => {
    const { logger, records } = capture({ level: 'ERROR' });

    logger.critical('amiwarden cannot start: bad configuration');

    expect(records()[0]!.level).toBe('FATAL');
  });

  it("carries the X-Ray trace id of the invocation when Lambda traces it", () => {
    const { logger, records } = capture({ env: { _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' } });

    logger.info('Image inspected');

    expect(records()[0]!.xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
  });
});

describe('logLevelFrom', () => {
  it("takes AMIWARDEN_LOG_LEVEL, else Lambda's application log level, else INFO", () => {
    expect(logLevelFrom({ AMIWARDEN_LOG_LEVEL: 'silent', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' })).toBe('SILENT');
    expect(logLevelFrom({ AWS_LAMBDA_LOG_LEVEL: 'FATAL' })).toBe('FATAL');
    expect(logLevelFrom({ AMIWARDEN_LOG_LEVEL: 'critical' })).toBe('FATAL');
    expect(logLevelFrom({ AWS_LAMBDA_LOG_LEVEL: 'TRACE' })).toBe('DEBUG');
    expect(logLevelFrom({ AMIWARDEN_LOG_LEVEL: 'LOUD' })).toBe('INFO');
    expect(logLevelFrom({})).toBe('INFO');
  });
});
