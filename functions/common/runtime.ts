/**
 * What every Lambda starts with: the configuration, parsed and validated once at cold start (a bad
 * setting fails initialisation with a message naming it), the Powertools logger and outcome
 * metrics, and AWS access: as the central account always, in member accounts only for a function
 * that passes the member sessions (adapters/sts.ts), so that the others neither bundle nor load the
 * STS and Organizations clients those need.
 */
import type { Context } from 'aws-lambda';
import { loadConfig, type Config } from '../../core/config';
import { AmiwardenError } from '../../core/errors';
import { awsContext, type AwsContext, type MemberAccess } from '../../services/aws-context';
import { functionLogger, type Logger } from './logger';
import { outcomeMetrics, type OutcomeMetrics } from './metrics';

export interface Runtime {
  config: Config;
  aws: AwsContext;
  logger: Logger;
  metrics: OutcomeMetrics;
}

/** How a function that acts in member accounts makes its sessions: adapters/sts.ts's MemberSessions. */
export type MemberSessionsClass = new (config: Config, sessionName: string) => MemberAccess;

export function startRuntime(functionName: string, memberSessions?: MemberSessionsClass): Runtime {
  const logger = functionLogger(functionName);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    logger.critical('amiwarden cannot start: bad configuration', { error: error as Error });
    throw error;
  }
  const members = memberSessions ? new memberSessions(config, `amiwarden-${functionName}`) : undefined;
  return { config, aws: awsContext(config, members), logger, metrics: outcomeMetrics() };
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
 * Runs one invocation: the Lambda context and the invocation's keys on every log line, the keys
 * cleared afterwards (Powertools' resetKeys), and how it failed logged: expected failures (bad
 * input, throttling) as warnings with their names, anything else as an error. The error is
 * re-thrown unchanged: its name is what the state machine's Retry and Catch match.
 */
export async function invoke<T>(rt: Runtime, lambdaContext: Context | undefined, keys: LogContext, work: () => Promise<T>): Promise<T> {
  if (lambdaContext) rt.logger.addContext(lambdaContext);
  rt.logger.appendKeys(Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)));
  try {
    return await work();
  } catch (error) {
    const known = error instanceof AmiwardenError;
    if (known) rt.logger.warn((error as Error).name, { error: error as Error });
    else rt.logger.error('Unexpected failure', { error: error as Error });
    throw error;
  } finally {
    rt.logger.resetKeys();
  }
}

export function executionOf(payload: unknown): string | undefined {
  const e = (payload as { execution?: unknown } | null)?.execution;
  return typeof e === 'string' ? e.slice(0, 2048) : undefined;
}
