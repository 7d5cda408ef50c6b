/** KMS in the Lambda bundles (./client.ts): the four operations amiwarden calls, over KMS's JSON protocol. */
import { defaultEndpointResolver } from '@aws-sdk/client-kms/dist-es/endpoint/endpointResolver';
import { LiteServiceClient, type LiteClientConfig } from './client';
import { JsonCommand, withDates, type JsonObject } from './json';

const KMS = { serviceId: 'KMS', signingName: 'kms', endpoint: defaultEndpointResolver, uriEscapePath: true };

export class KMSClient extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(KMS, config);
  }
}

export class DescribeKeyCommand extends JsonCommand {
  protected readonly target = 'TrentService.DescribeKey';
  protected override shape(out: JsonObject): JsonObject {
    return { ...out, KeyMetadata: withDates(out.KeyMetadata, ['CreationDate', 'DeletionDate', 'ValidTo']) };
  }
}

export class ListGrantsCommand extends JsonCommand {
  protected readonly target = 'TrentService.ListGrants';
  protected override shape(out: JsonObject): JsonObject {
    return { ...out, ...(out.Grants ? { Grants: (out.Grants as JsonObject[]).map((g) => withDates(g, ['CreationDate'])) } : {}) };
  }
}

export class CreateGrantCommand extends JsonCommand {
  protected readonly target = 'TrentService.CreateGrant';
}

export class GetKeyPolicyCommand extends JsonCommand {
  protected readonly target = 'TrentService.GetKeyPolicy';
}
