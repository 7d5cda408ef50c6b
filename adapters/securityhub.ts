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

/**
 * GetFindings filters: "You can filter by up to ten finding attributes. For each attribute, you can
 * provide up to 20 filter values" (AwsSecurityFindingFilters, Security Hub API Reference).
 */
export const FILTER_VALUES = 20;

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

  /**
   * This product's ACTIVE findings whose generator starts with `generatorPrefix`, one page at a time;
   * with `where`, only those whose product field `where.field` is one of `where.values` (at most
   * FILTER_VALUES of them: EQUALS map filters on one field are joined by OR, MapFilter).
   */
  async *activeFindings(productArn: string, generatorPrefix: string, where?: { field: string; values: string[] }): AsyncGenerator<AsffRecord[]> {
    if (where && (where.values.length === 0 || where.values.length > FILTER_VALUES)) throw new RangeError(`GetFindings takes 1 to ${FILTER_VALUES} values of a filter, not ${where.values.length}`);
    let token: string | undefined;
    do {
      const out = await call('securityhub:GetFindings', () =>
        this.client.send(
          new GetFindingsCommand({
            Filters: {
              ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
              GeneratorId: [{ Value: generatorPrefix, Comparison: 'PREFIX' }],
              RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
              ...(where ? { ProductFields: where.values.map((Value) => ({ Key: where.field, Value, Comparison: 'EQUALS' as const })) } : {}),
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
