/** AWS Organizations in the Lambda bundles (./client.ts): the accounts of the organization or of an OU, and one account. */
import { defaultEndpointResolver } from '@aws-sdk/client-organizations/dist-es/endpoint/endpointResolver';
import { LiteServiceClient, type LiteClientConfig } from './client';
import { JsonCommand, withDates, type JsonObject } from './json';

const ORGANIZATIONS = { serviceId: 'Organizations', signingName: 'organizations', endpoint: defaultEndpointResolver, uriEscapePath: true };

export class OrganizationsClient extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(ORGANIZATIONS, config);
  }
}

const account = (a: JsonObject | undefined) => withDates(a, ['JoinedTimestamp']);
const accounts = (out: JsonObject): JsonObject => ({ ...out, ...(out.Accounts ? { Accounts: (out.Accounts as JsonObject[]).map(account) } : {}) });

export class ListAccountsCommand extends JsonCommand {
  protected readonly target = 'AWSOrganizationsV20161128.ListAccounts';
  protected override shape(out: JsonObject): JsonObject {
    return accounts(out);
  }
}

export class ListAccountsForParentCommand extends JsonCommand {
  protected readonly target = 'AWSOrganizationsV20161128.ListAccountsForParent';
  protected override shape(out: JsonObject): JsonObject {
    return accounts(out);
  }
}

export class DescribeAccountCommand extends JsonCommand {
  protected readonly target = 'AWSOrganizationsV20161128.DescribeAccount';
  protected override shape(out: JsonObject): JsonObject {
    return { ...out, ...(out.Account ? { Account: account(out.Account) } : {}) };
  }
}
