/**
 * The functions' logger: Powertools for AWS Lambda's Logger, set up once for every function.
 *
 * Lines are JSON (Lambda's JSON log format reads them), with `service: amiwarden`, the function's
 * name in `function`, and, once a handler passes its Lambda context (functions/common/runtime.ts),
 * `function_request_id`, `cold_start`, `function_name`, `function_arn` and `xray_trace_id`.
 * The level is Lambda's application log level (AWS_LAMBDA_LOG_LEVEL, which Powertools honours
 * first), else POWERTOOLS_LOG_LEVEL, else INFO. Powertools writes DEBUG and INFO lines to stdout,
 * WARN and above to stderr; the local tools set POWERTOOLS_DEV to send them through the process's
 * console instead (local/environment.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export { Logger };

export function functionLogger(functionName: string): Logger {
  return new Logger({ serviceName: 'amiwarden', persistentKeys: { function: functionName } });
}
