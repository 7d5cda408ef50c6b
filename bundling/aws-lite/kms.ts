/** KMS in the Lambda bundles (./client.ts): the four operations amiwarden calls, over KMS's JSON protocol. */
import { defaultEndpointResolver } from '@aws-sdk/client-kms/dist-es/endpoint/endpointResolver';
import { LiteCommand, LiteServiceClient, utf8, type LiteClient, type LiteClientConfig, type LiteResponse, type ResponseMetadata } from './client';
import { httpErrorCode } from './xml';

const KMS = { serviceId: 'KMS', signingName: 'kms', endpoint: defaultEndpointResolver, uriEscapePath: true };

export class KMSClient extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(KMS, config);
  }
}

/** An awsJson1_1 error: `{"__type": "[namespace#]Code[:…]", "message": …}`. */
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

/** Timestamps come as epoch seconds; the SDK gives them as Dates. */
const toDate = (value: unknown) => (typeof value === 'number' ? new Date(value * 1000) : value);

function withDates<T extends Record<string, unknown>>(record: T | undefined, fields: readonly string[]): T | undefined {
  if (!record) return record;
  const copy: Record<string, unknown> = { ...record };
  for (const f of fields) if (f in copy) copy[f] = toDate(copy[f]);
  return copy as T;
}

abstract class KmsCommand<I, O> extends LiteCommand<O & { $metadata: ResponseMetadata }> {
  protected abstract readonly operation: string;
  constructor(readonly input: I) {
    super();
  }
  protected shape(out: Record<string, unknown>): O {
    return out as O;
  }
  async sendWith(client: LiteClient) {
    const { response, $metadata } = await client.request(
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${this.operation}` },
        body: JSON.stringify(this.input ?? {}),
      },
      jsonError,
    );
    const text = utf8(response.body);
    return { ...this.shape(text ? (JSON.parse(text) as Record<string, unknown>) : {}), $metadata };
  }
}

type Input = Record<string, unknown>;
type Output = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class DescribeKeyCommand extends KmsCommand<Input, Output> {
  protected readonly operation = 'DescribeKey';
  protected override shape(out: Output): Output {
    return { ...out, KeyMetadata: withDates(out.KeyMetadata, ['CreationDate', 'DeletionDate', 'ValidTo']) };
  }
}

export class ListGrantsCommand extends KmsCommand<Input, Output> {
  protected readonly operation = 'ListGrants';
  protected override shape(out: Output): Output {
    return { ...out, ...(out.Grants ? { Grants: (out.Grants as Output[]).map((g) => withDates(g, ['CreationDate'])) } : {}) };
  }
}

export class CreateGrantCommand extends KmsCommand<Input, Output> {
  protected readonly operation = 'CreateGrant';
}

export class GetKeyPolicyCommand extends KmsCommand<Input, Output> {
  protected readonly operation = 'GetKeyPolicy';
}
