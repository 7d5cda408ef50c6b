/**
 * The CLI's exit codes, one scheme for every command (docs/cli.md "Exit codes"):
 * 0 done, or nothing to do; 1 failed (AWS, the emulator or the workflow said no); 2 bad input,
 * refused before anything started; 3 done, and found something that needs a person (a finding, a
 * blocked or unknown key-policy verdict); 130 interrupted (Ctrl-C). Every AWS error becomes one
 * line a person can act on.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, attention: 3, interrupted: 130 } as const;

export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bad argument: the message names it; nothing was started. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The stack has no output for this workflow: it is not deployed there (yet). */
export class NotDeployedError extends CliError {
  override readonly name = 'NotDeployedError';
}

interface SdkLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** One line for an error thrown by an AWS SDK call (`doing` says what the CLI was doing). */
export function awsErrorLine(error: unknown, doing: string): string {
  const e = (error ?? {}) as SdkLikeError;
  // A Node network error is a plain Error whose `code` says what happened (ECONNREFUSED, ENOTFOUND…).
  const name = (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.Code ?? e.code ?? e.name ?? 'Error';
  const message = firstLine(e.message ?? String(error));
  switch (name) {
    case 'CredentialsProviderError':
      return `${doing}: no AWS credentials found (set AWS_PROFILE, pass --profile, or sign in with 'aws sso login')`;
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'RequestExpired':
      return `${doing}: the AWS credentials have expired; sign in again`;
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
      return `${doing}: AWS rejected the credentials (${name})`;
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
      return `${doing}: access denied: ${message}`;
    case 'StateMachineDoesNotExist':
      return `${doing}: the state machine does not exist (${message})`;
    case 'ExecutionDoesNotExist':
      return `${doing}: the execution does not exist (${message})`;
    case 'ExecutionAlreadyExists':
      return `${doing}: an execution with this name already exists (${message})`;
    case 'NotFoundException':
      return `${doing}: not found: ${message}`;
    case 'ThrottlingException':
    case 'Throttling':
    case 'TooManyRequestsException':
      return `${doing}: AWS throttled the request; try again in a moment`;
    case 'TimeoutError':
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${doing}: could not reach AWS (${name}: ${message})`;
    default:
      if (/Region is missing/i.test(message)) return `${doing}: no AWS region for the central stack: pass --stack-region REGION, the region it is deployed in (--region is the resource's own), or set AWS_REGION`;
      if (/Could not load credentials/i.test(message)) return `${doing}: no AWS credentials found (set AWS_PROFILE, pass --profile, or sign in with 'aws sso login')`;
      return `${doing}: ${name}: ${message}`;
  }
}

/** Runs an AWS call; any failure becomes a one-line CliError (exit 1). */
export async function aws<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(awsErrorLine(error, doing), EXIT.failed, { cause: error });
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
