/** AWS Organizations: which accounts the sweep visits. */
import { DescribeAccountCommand, ListAccountsCommand, ListAccountsForParentCommand, OrganizationsClient, type Account } from '@aws-sdk/client-organizations';
import { call, hasCode, type ClientSettings } from './aws';

export class OrganizationsAdapter {
  constructor(private readonly client: OrganizationsClient) {}

  /** Active accounts of the organization, or of the given OUs (direct children). */
  async activeAccounts(organizationalUnits: string[] = []): Promise<string[]> {
    const accounts: Account[] = [];
    const page = async (send: (token?: string) => Promise<{ Accounts?: Account[]; NextToken?: string }>) => {
      let token: string | undefined;
      do {
        const out = await send(token);
        accounts.push(...(out.Accounts ?? []));
        token = out.NextToken;
      } while (token);
    };
    if (organizationalUnits.length === 0) {
      await page((token) => call('organizations:ListAccounts', () => this.client.send(new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) }))));
    } else {
      for (const ou of organizationalUnits) {
        await page((token) =>
          call('organizations:ListAccountsForParent', () => this.client.send(new ListAccountsForParentCommand({ ParentId: ou, ...(token ? { NextToken: token } : {}) }))),
        );
      }
    }
    return [...new Set(accounts.filter((a) => (a.State ?? a.Status) === 'ACTIVE' && a.Id).map((a) => a.Id!))];
  }

  /** Is `account` an active member of this organization? (Needs organizations:DescribeAccount.) */
  async isActiveMember(account: string): Promise<boolean> {
    try {
      const out = await call('organizations:DescribeAccount', () => this.client.send(new DescribeAccountCommand({ AccountId: account })));
      return (out.Account?.State ?? out.Account?.Status) === 'ACTIVE';
    } catch (error) {
      if (hasCode(error, 'AccountNotFoundException')) return false;
      throw error;
    }
  }
}

export const Organizations = (settings: ClientSettings) => new OrganizationsAdapter(new OrganizationsClient(settings));
