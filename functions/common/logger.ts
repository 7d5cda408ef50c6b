/**
 * Structured logs: one JSON object per line on stdout, which CloudWatch Logs Insights reads field
 * by field and Lambda's application log level filters by its `level` key (the functions deploy
 * with the JSON log format). Every line carries `level`, `message`, `timestamp`, `service`, the
 * logger's persistent and appended keys, and `xray_trace_id` when Lambda traces the invocation.
 * Errors anywhere in a line's fields are written with their name, message, stack, own fields
 * (an AWS error's `code`, `operation`) and cause.
 *
 * The level: AMIWARDEN_LOG_LEVEL (DEBUG, INFO, WARN, ERROR, CRITICAL or SILENT), else Lambda's
 * application log level (AWS_LAMBDA_LOG_LEVEL), else INFO.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SILENT';

const RANK: Record<LogLevel, number> = { DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, CRITICAL: 5, SILENT: 6 };
/** Lambda's application log levels, in ours. */
const LAMBDA_LEVELS: Record<string, LogLevel> = { TRACE: 'DEBUG', DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', ERROR: 'ERROR', FATAL: 'CRITICAL' };

type Fields = Record<string, unknown>;

export interface LoggerOptions {
  service: string;
  persistentKeys?: Fields;
  /** Defaults to the environment's level (see above). */
  level?: LogLevel;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const own = env.AMIWARDEN_LOG_LEVEL?.trim().toUpperCase();
  if (own && own in RANK) return own as LogLevel;
  return LAMBDA_LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.trim().toUpperCase() ?? ''] ?? 'INFO';
}

export class Logger {
  private readonly level: LogLevel;
  private readonly base: Fields;
  private readonly write: (line: string) => void;
  private readonly env: NodeJS.ProcessEnv;
  private keys: Fields = {};

  constructor(options: LoggerOptions) {
    this.env = options.env ?? process.env;
    this.level = options.level ?? logLevelFrom(this.env);
    this.base = { service: options.service, ...options.persistentKeys };
    this.write = options.write ?? ((line) => void process.stdout.write(line));
  }

  /** Keys every following line carries, until resetKeys. */
  appendKeys(keys: Fields): void {
    this.keys = { ...this.keys, ...keys };
  }

  resetKeys(): void {
    this.keys = {};
  }

  debug(message: string, fields?: Fields): void {
    this.log('DEBUG', message, fields);
  }

  info(message: string, fields?: Fields): void {
    this.log('INFO', message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.log('WARN', message, fields);
  }

  error(message: string, fields?: Fields): void {
    this.log('ERROR', message, fields);
  }

  critical(message: string, fields?: Fields): void {
    this.log('CRITICAL', message, fields);
  }

  private log(level: Exclude<LogLevel, 'SILENT'>, message: string, fields: Fields = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const trace = this.env._X_AMZN_TRACE_ID?.match(/Root=([^;]+)/)?.[1];
    const head = { level, message, timestamp: new Date().toISOString(), ...this.base, ...(trace ? { xray_trace_id: trace } : {}) };
    let line: string;
    try {
      line = JSON.stringify({ ...head, ...this.keys, ...fields }, withErrors);
    } catch (error) {
      // A circular or BigInt field: the line still says what happened, without its fields.
      line = JSON.stringify({ ...head, logError: `fields not serialisable: ${(error as Error).message}` });
    }
    this.write(`${line}\n`);
  }
}

/** JSON.stringify replacer: an Error becomes its name, message, stack, own fields and cause. */
function withErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { name, message, stack } = value;
  const { name: _name, message: _message, ...own } = value as Error & Record<string, unknown>;
  return { name, message, stack, ...own, ...(value.cause === undefined ? {} : { cause: value.cause }) };
}
