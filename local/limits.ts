/**
 * Step Functions quotas the project depends on, as the local runner enforces them.
 *
 * - Payload: "The maximum input or output size for a task, state, or execution is 256 KiB of data
 *   as a UTF-8 encoded string" (Step Functions service quotas). Over it, the state fails with
 *   `States.DataLimitExceeded`, a terminal error that `States.ALL` cannot catch (Handling errors in
 *   Step Functions workflows: "DataLimitExceeded is a terminal error that can't be caught by the
 *   States.ALL error type"): the execution fails.
 * - History: "a hard quota of 25,000 entries in the execution event history. When an execution
 *   reaches 24,999 events, it waits for the next event to happen. If the event number 25,000 isn't
 *   ExecutionSucceeded, the ExecutionFailed event is logged" (Avoid reaching the history quota).
 */

export const PAYLOAD_LIMIT_BYTES = 262_144;
export const HISTORY_LIMIT_EVENTS = 25_000;

/** The size Step Functions measures: the payload as a UTF-8 encoded JSON string. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null) ?? 'null', 'utf8');
}

/**
 * An error as aws-local-stepfunctions treats its own terminal errors: it reads `isRetryable` and
 * `isCatchable` on the error (true when absent), so neither `Retry` nor `Catch` can take this one.
 */
export class TerminalStatesError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export const dataLimitExceeded = (what: string, bytes: number) =>
  new TerminalStatesError('States.DataLimitExceeded', `${what} is ${bytes} bytes, over the ${PAYLOAD_LIMIT_BYTES}-byte (256 KiB) payload quota`);

export const historyLimitExceeded = () =>
  new TerminalStatesError('States.Runtime', `The execution reached the maximum number of history events (${HISTORY_LIMIT_EVENTS}).`);

/** Fails with States.DataLimitExceeded when `value` is over the payload quota. */
export function checkPayload(what: string, value: unknown): void {
  const bytes = payloadBytes(value);
  if (bytes > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded(what, bytes);
}
