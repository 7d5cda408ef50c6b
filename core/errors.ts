/**
 * Every error amiwarden raises. The `name` of each class is part of the Step Functions contract:
 * Retry and Catch blocks in statemachines/*.asl.json match on it, so it is a literal (bundling
 * mangles class names) and a test checks that every ErrorEquals name exists here.
 */
export abstract class AmiwardenError extends Error {
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A setting is missing or malformed. Raised once, at cold start, naming the variable. */
export class ConfigurationError extends AmiwardenError {
  override readonly name = 'ConfigurationError';
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Invalid configuration ${setting}: ${problem}`);
  }
}

/** Input (an event, a manual request) is malformed or hostile. Nothing was changed. */
export class InvalidInputError extends AmiwardenError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid input ${field}: ${problem}`);
  }
}

/** AWS throttled us or had a passing fault: thrown so that the state machine retries with backoff. */
export class TransientAwsError extends AmiwardenError {
  override readonly name = 'TransientAwsError';
  constructor(
    readonly operation: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed transiently (${code}); safe to retry`, options);
  }
}

/** The grant was created but is not visible yet (grants are eventually consistent). */
export class GrantNotVisibleError extends AmiwardenError {
  override readonly name = 'GrantNotVisibleError';
  constructor(
    readonly keyArn: string,
    readonly granteePrincipal: string,
  ) {
    super(`No grant for ${granteePrincipal} on ${keyArn} is visible yet`);
  }
}

/**
 * CopyImage was refused for the Region's quota of concurrent snapshot copies (ResourceLimitExceeded:
 * "Too many snapshot copies in progress"). It clears as other copies finish, minutes later: the
 * state machine retries the copy step on a longer back-off than for throttling.
 */
export class CopyLimitExceededError extends AmiwardenError {
  override readonly name = 'CopyLimitExceededError';
  constructor(
    readonly region: string,
    options?: { cause?: unknown },
  ) {
    super(`CopyImage in ${region} was refused: too many snapshot copies in progress there; retry when some have finished`, options);
  }
}

/** An AWS call failed in a way that is neither transient nor an expected outcome. */
export class AwsCallError extends AmiwardenError {
  override readonly name = 'AwsCallError';
  constructor(
    readonly operation: string,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed: ${code}: ${message}`, options);
  }
}

/** Names that the state machines may match in Retry / Catch, besides the States.* ones. */
export const ERROR_NAMES = [
  'ConfigurationError',
  'InvalidInputError',
  'TransientAwsError',
  'GrantNotVisibleError',
  'CopyLimitExceededError',
  'AwsCallError',
] as const;
export type ErrorName = (typeof ERROR_NAMES)[number];

/** The member account's amiwarden role could not be assumed (missing, not trusted, or the account left the org). */
export class MemberRoleUnavailableError extends AmiwardenError {
  override readonly name = 'MemberRoleUnavailableError';
  constructor(
    readonly account: string,
    readonly roleArn: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      code === 'NotInOrganization'
        ? `Account ${account} is not an active member of the organization: amiwarden does not assume ${roleArn} there`
        : `Cannot assume ${roleArn} in account ${account} (${code}): the member role is missing or does not trust amiwarden`,
      options,
    );
  }
}
