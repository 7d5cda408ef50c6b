/**
 * The compliance sweep for an organization whose account x region plan, carried in the state,
 * would be over Step Functions' 256 KiB payload quota (3,000 accounts x 2 regions: 6,000 targets,
 * about 288 KB inline). The deployed definition keeps the plan in S3 and succeeds; the definition
 * before it (test/fixtures/statemachines/compliance-sweep.inline-plan.asl.json, the plan in
 * `$.plan.targets`) fails with States.DataLimitExceeded on the local runner, as it would in AWS.
 *
 * The central account is inspected for real on the emulator; each member inspection is a stub that
 * records its batch and reports the targets as not inventoried (6,000 real inspections would take
 * minutes here), so every target must come back as a `member-inspection-failed` row: the list
 * made it from the plan, through S3 and the Map's batches, to the report writer.
 */
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile } from '../support/emulator';
import { applyEnvironment, lambdaEnvironment } from '../../local/environment';
import { buildOrganization, HOME_REGION, REGIONS, type Organization } from '../../local/organization';
import { runWorkflow } from '../../local/state-machine';
import { PAYLOAD_LIMIT_BYTES, payloadBytes } from '../../local/limits';
import { FUNCTIONS } from '../../local/workflows';
import { loadConfig } from '../../core/config';
import { batchOf, type BatchPayload } from '../../services/sweep';

const BUCKET = 'amiwarden-reports-scale';
const ACCOUNTS = Array.from({ length: 3000 }, (_, i) => String(400_000_000_000 + i));
const emulator = emulatorForFile();
let org: Organization;

beforeAll(async () => {
  await emulator.reset();
  org = await buildOrganization(emulator);
  await new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  applyEnvironment(lambdaEnvironment(emulator, { ...org, reportBucket: BUCKET }));
}, 60_000);

const request = { mode: 'report', accounts: ACCOUNTS, regions: [...REGIONS] };

describe('a sweep whose inline plan would be over 256 KiB', () => {
  it('the inline plan of this organization is over the quota', () => {
    const targets = ACCOUNTS.flatMap((account) => REGIONS.map((region) => ({ account, region })));
    expect(payloadBytes({ targets })).toBeGreaterThan(PAYLOAD_LIMIT_BYTES);
  });

  it('succeeds with the deployed definition: every target reaches the report through S3, and no state is larger than the request plus 16 KiB', async () => {
    const batches: number[] = [];
    let seen = 0;
    const config = loadConfig();
    const run = await runWorkflow('compliance-sweep', request, {
      handlers: {
        // The batch through the function's own input checks, answered without inspecting.
        InspectMemberAccountLambdaFunction: async (payload) => {
          const { targets } = batchOf(payload as BatchPayload, config);
          batches.push(targets.length);
          seen += targets.length;
          return { targets: targets.length, byStatus: {}, findings: 0 };
        },
      },
    });

    expect({ status: run.status, error: run.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(seen).toBe(6000);
    expect(Math.max(...batches)).toBe(10); // AMIWARDEN_SWEEP_BATCH_SIZE's default
    expect(batches).toHaveLength(600);
    // Every state carries the request (for the failure record), here 3,000 listed accounts; nothing else grows with them.
    expect(run.maxStateBytes).toBeLessThan(payloadBytes(request) + 16 * 1024);
    const output = run.output as { accounts: number; summary: { byFinding: Record<string, number> }; reports: { json: string } };
    expect(output.accounts).toBe(3000);
    expect(output.summary.byFinding['member-inspection-failed']).toBe(6000);
    const s3 = new S3Client({ ...clientConfig(emulator, org.centralAccount, HOME_REGION), forcePathStyle: true });
    const report = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: output.reports.json.replace(`s3://${BUCKET}/`, '') }))).Body!.transformToString()) as {
      findings: { account: string; region: string; finding: string }[];
    };
    const missing = new Set(report.findings.filter((f) => f.finding === 'member-inspection-failed').map((f) => `${f.account}/${f.region}`));
    expect(missing.size).toBe(6000);
  }, 240_000);

  it('fails with States.DataLimitExceeded with the definition that carried the plan in the state', async () => {
    const planHandler = (await FUNCTIONS.PlanSweepLambdaFunction!.load()).handler;
    const run = await runWorkflow('compliance-sweep', request, {
      definitionFile: 'test/fixtures/statemachines/compliance-sweep.inline-plan.asl.json',
      handlers: {
        // The plan as "Plan sweep" returned it then: its targets inline.
        PlanSweepLambdaFunction: async (payload) => {
          const plan = (await planHandler(payload as never)) as object;
          return { ...plan, targets: ACCOUNTS.flatMap((account) => REGIONS.map((region) => ({ account, region }))) };
        },
      },
    });

    expect(run.status).toBe('FAILED');
    expect(run.error?.name).toBe('States.DataLimitExceeded');
    // Terminal: the Catch to "Record failure" does not take it.
    expect(run.path).toEqual(['Take the request', 'Plan sweep']);
  }, 120_000);
});
