/**
 * What every Lambda starts with: the configuration, parsed and validated once at cold start (a bad
 * setting fails initialisation with a message naming it), a structured logger, and AWS access.
 */
import { loadConfig, type Config } from '../../core/config';
import { AmiwardenError } from '../../core/errors';
import { awsContext, type AdapterFactories, type AwsContext } from '../../services/aws-context';
import { Logger } from './logger';

export interface Runtime {
  config: Config;
  aws: AwsContext;
  logger: Logger;
}

/** `adapters`: the AWS adapters this function uses, and only those (they decide what its bundle loads). */
export function startRuntime(functionName: string, adapters: AdapterFactories = {}): Runtime {
  const logger = new Logger({ service: 'amiwarden', persistentKeys: { function: functionName } });
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    logger.critical('amiwarden cannot start: bad configuration', { error: error as Error });
    throw error;
  }
  return { config, aws: awsContext(config, `amiwarden-${functionName}`, adapters), logger };
}

/** Keys every log line of one invocation carries. */
export interface LogContext {
  execution?: string | undefined;
  eventId?: string | undefined;
  account?: string | undefined;
  region?: string | undefined;
  autoScalingGroupName?: string | undefined;
}

/**
 * Runs one invocation with its log context, and logs how it failed: expected failures (bad input,
 * throttling) as warnings with their names, anything else as an error. The error is re-thrown
 * unchanged: its name is what the state machine's Retry and Catch match.
 */
export async function invoke<T>(rt: Runtime, context: LogContext, work: () => Promise<T>): Promise<T> {
  rt.logger.resetKeys();
  rt.logger.appendKeys(Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)));
  try {
    return await work();
  } catch (error) {
    const known = error instanceof AmiwardenError;
    (known ? rt.logger.warn : rt.logger.error).call(rt.logger, known ? (error as Error).name : 'Unexpected failure', { error: error as Error });
    throw error;
  }
}

export function executionOf(payload: unknown): string | undefined {
  const e = (payload as { execution?: unknown } | null)?.execution;
  return typeof e === 'string' ? e.slice(0, 2048) : undefined;
}
