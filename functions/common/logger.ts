/**
 * Structured logs: one JSON object per line on stdout, which CloudWatch Logs Insights reads field
 * by field and Lambda's application log level filters by its `level` key (the functions deploy
 * with the JSON log format). Every line carries `level`, `message`, `timestamp`, `service`, the
 * logger's persistent and appended keys, and `xray_trace_id` when Lambda traces the invocation.
 * Errors anywhere in a line's fields are written with their name, message, stack, own fields
 * (an AWS error's `code`, `operation`) and cause; BigInts as strings; a reference back to an
 * enclosing object as "[Circular]". Logging never throws: a line whose fields cannot be read is
 * still written, with its keys and what went wrong.
 *
 * The level: AMIWARDEN_LOG_LEVEL (DEBUG, INFO, WARN, ERROR, FATAL or SILENT), else Lambda's
 * application log level (AWS_LAMBDA_LOG_LEVEL), else INFO. A critical line is written as FATAL,
 * the name Lambda's log filtering knows.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL' | 'SILENT';

const RANK: Record<LogLevel, number> = { DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5, SILENT: 6 };
/** Other names for our levels: Lambda's application log levels, and CRITICAL. */
const ALIASES: Record<string, LogLevel> = { TRACE: 'DEBUG', CRITICAL: 'FATAL' };
/** How deep a line's fields are written; deeper values become "[Too deep]". */
const MAX_DEPTH = 20;

type Fields = Record<string, unknown>;

export interface LoggerOptions {
  service: string;
  persistentKeys?: Fields;
  /** Defaults to the environment's level (see above). */
  level?: LogLevel;
  /** Where lines go; stdout by default (stderr when AMIWARDEN_LOG_TO_STDERR is true: the CLI's --local --verbose). */
  write?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

function levelNamed(name: string | undefined): LogLevel | undefined {
  const upper = name?.trim().toUpperCase() ?? '';
  return upper in RANK ? (upper as LogLevel) : ALIASES[upper];
}

export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  return levelNamed(env.AMIWARDEN_LOG_LEVEL) ?? levelNamed(env.AWS_LAMBDA_LOG_LEVEL) ?? 'INFO';
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
    const stream = this.env.AMIWARDEN_LOG_TO_STDERR === 'true' ? process.stderr : process.stdout;
    this.write = options.write ?? ((line) => void stream.write(line));
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
    this.log('FATAL', message, fields);
  }

  private log(level: Exclude<LogLevel, 'SILENT'>, message: string, fields: Fields = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    try {
      const trace = this.env._X_AMZN_TRACE_ID?.match(/Root=([^;]+)/)?.[1];
      const head = { level, message, timestamp: new Date().toISOString(), service: this.base.service, ...(trace ? { xray_trace_id: trace } : {}) };
      // The head last as well: no key or field may pass for the level Lambda filters on, or the message.
      const line = (...parts: Fields[]) => JSON.stringify(loggable({ ...head, ...Object.assign({}, ...parts), ...head }, []));
      let text: string;
      try {
        text = line(this.base, this.keys, fields);
      } catch (error) {
        // A field that cannot be read (a throwing getter): the line still says what happened, with its keys.
        const logError = `fields not serialisable: ${String((error as Error)?.message ?? error)}`;
        try {
          text = line(this.base, this.keys, { logError });
        } catch {
          text = line({ logError });
        }
      }
      this.write(`${text}\n`);
    } catch {
      // Logging must never be why an invocation fails (nor change the error it fails with).
    }
  }
}

/**
 * A value as it can be written: Errors as their name, message, stack, own fields and cause;
 * BigInts as strings; a reference to an enclosing object as "[Circular]".
 */
function loggable(value: unknown, enclosing: object[]): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (enclosing.includes(value)) return '[Circular]';
  if (enclosing.length >= MAX_DEPTH) return '[Too deep]';
  const inner = [...enclosing, value];
  if (value instanceof Error) {
    const { name, message, stack } = value;
    const { name: _name, message: _message, ...own } = value as Error & Fields;
    const cause = value.cause === undefined ? {} : { cause: value.cause };
    return fieldsOf({ name, message, stack, ...own, ...cause }, inner);
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return loggable((value as { toJSON: () => unknown }).toJSON(), enclosing);
  if (Array.isArray(value)) return value.map((item) => loggable(item, inner));
  return fieldsOf(value, inner);
}

const fieldsOf = (value: object, enclosing: object[]) => Object.fromEntries(Object.entries(value).map(([key, item]) => [key, loggable(item, enclosing)]));
