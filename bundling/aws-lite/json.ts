/** The awsJson1_1 protocol of KMS and Organizations: a JSON POST naming its operation, a JSON answer. */
import { LiteCommand, utf8, type LiteClient, type LiteResponse, type ResponseMetadata } from './client';
import { parseEpochTimestamp } from '@smithy/core/serde';
import { httpErrorCode } from './xml';

/** An awsJson1_1 error: `{"__type": "[namespace#]Code[:…]", "message": …}`, or the type in a header. */
export function jsonError(response: LiteResponse): { code: string; message: string } {
  let body: { __type?: string; message?: string; Message?: string } = {};
  try {
    body = JSON.parse(utf8(response.body)) as typeof body;
  } catch {
    // not JSON: named by its status below
  }
  const type = response.headers['x-amzn-errortype'] ?? body.__type;
  const code = type ? type.split(':')[0]!.split('#').pop()! : httpErrorCode(response.status);
  return { code, message: body.message ?? body.Message ?? code };
}

/** Timestamps come as epoch seconds; the SDK gives them as Dates (milliseconds rounded). */
export function withDates<T extends Record<string, unknown>>(record: T | undefined, fields: readonly string[]): T | undefined {
  if (!record) return record;
  const copy: Record<string, unknown> = { ...record };
  for (const f of fields) if (typeof copy[f] === 'number') copy[f] = parseEpochTimestamp(copy[f]);
  return copy as T;
}

export type JsonObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export abstract class JsonCommand extends LiteCommand<JsonObject & { $metadata: ResponseMetadata }> {
  /** `{serviceTarget}.{operation}`, the X-Amz-Target header. */
  protected abstract readonly target: string;
  constructor(readonly input: JsonObject = {}) {
    super();
  }
  /** The output as the SDK gives it (its timestamps as Dates). */
  protected shape(out: JsonObject): JsonObject {
    return out;
  }
  async sendWith(client: LiteClient) {
    const { response, $metadata } = await client.request(
      { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': this.target }, body: JSON.stringify(this.input) },
      jsonError,
    );
    const text = utf8(response.body);
    return { ...this.shape(text ? (JSON.parse(text) as JsonObject) : {}), $metadata };
  }
}
