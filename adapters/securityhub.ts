/** AWS Security Hub: import amiwarden's findings (a finding provider), and resolve the ones a later run no longer sees. */
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
  type AwsSecurityFinding,
} from '@aws-sdk/client-securityhub';
import type { AsffRecord } from '../core/asff';
import { call, type ClientSettings } from './aws';

/** BatchImportFindings and BatchUpdateFindings take at most 100 findings a request. */
export const BATCH = 100;

export interface ImportResult {
  imported: number;
  failed: { id: string; code: string; message: string }[];
}

export class SecurityHubAdapter {
  constructor(private readonly client: SecurityHubClient) {}

  async importFindings(records: AsffRecord[]): Promise<ImportResult> {
    const findings = records as unknown as AwsSecurityFinding[];
    const result: ImportResult = { imported: 0, failed: [] };
    for (let i = 0; i < findings.length; i += BATCH) {
      const out = await call('securityhub:BatchImportFindings', () => this.client.send(new BatchImportFindingsCommand({ Findings: findings.slice(i, i + BATCH) })));
      result.imported += out.SuccessCount ?? 0;
      for (const f of out.FailedFindings ?? []) result.failed.push({ id: f.Id ?? '', code: f.ErrorCode ?? '', message: f.ErrorMessage ?? '' });
    }
    return result;
  }

  /** This product's ACTIVE findings whose generator starts with `generatorPrefix`, one page at a time. */
  async *activeFindings(productArn: string, generatorPrefix: string): AsyncGenerator<AsffRecord[]> {
    let token: string | undefined;
    do {
      const out = await call('securityhub:GetFindings', () =>
        this.client.send(
          new GetFindingsCommand({
            Filters: {
              ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
              GeneratorId: [{ Value: generatorPrefix, Comparison: 'PREFIX' }],
              RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
            },
            MaxResults: 100,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      yield (out.Findings ?? []) as unknown as AsffRecord[];
      token = out.NextToken;
    } while (token);
  }

  /** Workflow.Status RESOLVED (the customer side: a finding provider cannot set the workflow of a finding it updates). */
  async resolve(identifiers: { Id: string; ProductArn: string }[], note: string): Promise<number> {
    let processed = 0;
    for (let i = 0; i < identifiers.length; i += BATCH) {
      const out = await call('securityhub:BatchUpdateFindings', () =>
        this.client.send(
          new BatchUpdateFindingsCommand({ FindingIdentifiers: identifiers.slice(i, i + BATCH), Workflow: { Status: 'RESOLVED' }, Note: { Text: note.slice(0, 512), UpdatedBy: 'amiwarden' } }),
        ),
      );
      processed += out.ProcessedFindings?.length ?? 0;
    }
    return processed;
  }
}

export const SecurityHub = (settings: ClientSettings) => new SecurityHubAdapter(new SecurityHubClient(settings));
