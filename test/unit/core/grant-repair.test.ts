/**
 * The inputs of grant health's two entry points: the member stack's CREATE_COMPLETE (a new
 * account's sweep) and the repair step. Bad input is a typed error before any AWS call; under the
 * default stale-grant policy the repair never revokes, whatever it is asked.
 */
import { loadConfig } from '../../../core/config';
import { InvalidInputError } from '../../../core/errors';
import { parseSweepRequest } from '../../../core/sweep';
import type { AwsContext } from '../../../services/aws-context';
import { parseRepairInput, repairGrants } from '../../../services/grant-health';
import { CENTRAL, MEMBER, REGION, TEST_ENV, slrArn } from '../../fixtures/aws';

const config = loadConfig(TEST_ENV);
const STACK = `arn:aws:cloudformation:${REGION}:${MEMBER}:stack/StackSet-amiwarden-member-0f1e2d3c/5b6a7c8d-0e1f-4a2b-9c3d-4e5f6a7b8c9d`;
// The documented shape (CloudFormation User Guide, "Stack Status Change event detail").
const created = (over: Record<string, unknown> = {}, status = 'CREATE_COMPLETE') => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'CloudFormation Stack Status Change',
  source: 'aws.cloudformation',
  account: MEMBER,
  time: '2026-12-01T18:43:48Z',
  region: REGION,
  resources: [STACK],
  detail: { 'stack-id': STACK, 'status-details': { status, 'status-reason': '' }, 'client-request-token': '' },
  ...over,
});

describe('a new account: the member stack’s CREATE_COMPLETE', () => {
  it('is that account’s sweep, in enforce mode, in every configured region', () => {
    expect(parseSweepRequest(created(), { ...config, mode: 'report' })).toEqual({ mode: 'enforce', accounts: [MEMBER], regions: config.regions, dryRun: false, trigger: 'new-account' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['another status', created({}, 'UPDATE_COMPLETE'), 'detail.status-details.status'],
    ['another detail-type', created({ 'detail-type': 'CloudFormation Resource Status Change' }), 'detail-type'],
    ['the central account', created({ account: CENTRAL }), 'account'],
    ['a stack of another account', created({ account: '222222222222' }), 'detail.stack-id'],
  ])('refuses %s with a typed error', (_label, event, field) => {
    expect(() => parseSweepRequest(event, config)).toThrow(InvalidInputError);
    try {
      parseSweepRequest(event, config);
    } catch (error) {
      expect((error as InvalidInputError).field).toBe(field);
    }
  });
});

describe('the repair step’s input', () => {
  it('takes a role of the account and the grants to revoke', () => {
    expect(parseRepairInput({ region: REGION, account: MEMBER, serviceLinkedRoleArn: slrArn(), createServiceLinkedRole: true, revokeGrantIds: ['ab12'] }, config)).toEqual({
      account: MEMBER,
      region: REGION,
      serviceLinkedRoleArn: slrArn(),
      callingRoleArn: null,
      createServiceLinkedRole: true,
      revokeGrantIds: ['ab12'],
    });
  });

  const KARPENTER = `arn:aws:iam::${MEMBER}:role/KarpenterController-prod`;
  const withGrants = loadConfig({ ...TEST_ENV, AMIWARDEN_CALLING_ROLE_GRANTS: 'KarpenterController-prod' });

  it('takes a calling role named in AMIWARDEN_CALLING_ROLE_GRANTS, never with a service-linked role to create', () => {
    expect(parseRepairInput({ region: REGION, account: MEMBER, callingRoleArn: KARPENTER, createServiceLinkedRole: true, revokeGrantIds: [] }, withGrants)).toEqual({
      account: MEMBER,
      region: REGION,
      serviceLinkedRoleArn: null,
      callingRoleArn: KARPENTER,
      createServiceLinkedRole: false,
      revokeGrantIds: [],
    });
  });

  it.each<[string, Record<string, unknown>, ReturnType<typeof loadConfig>]>([
    ['a calling role when none is configured for grants (the default)', { region: REGION, account: MEMBER, callingRoleArn: KARPENTER }, config],
    ['a role the setting does not name', { region: REGION, account: MEMBER, callingRoleArn: `arn:aws:iam::${MEMBER}:role/admin` }, withGrants],
    ['the named role in another account', { region: REGION, account: MEMBER, callingRoleArn: `arn:aws:iam::222222222222:role/KarpenterController-prod` }, withGrants],
    ['a service-linked role through the calling-role door', { region: REGION, account: MEMBER, callingRoleArn: slrArn() }, loadConfig({ ...TEST_ENV, AMIWARDEN_CALLING_ROLE_GRANTS: 'AWSServiceRoleForAutoScaling' })],
    ['a calling role and a service-linked role at once', { region: REGION, account: MEMBER, serviceLinkedRoleArn: slrArn(), callingRoleArn: KARPENTER }, withGrants],
  ])('refuses %s', (_label, input, cfg) => {
    expect(() => parseRepairInput(input, cfg)).toThrow(expect.objectContaining({ field: 'callingRoleArn' }));
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['another account’s role', { region: REGION, account: MEMBER, serviceLinkedRoleArn: slrArn('222222222222') }, 'serviceLinkedRoleArn'],
    ['a role that is not an Auto Scaling service-linked role', { region: REGION, account: MEMBER, serviceLinkedRoleArn: `arn:aws:iam::${MEMBER}:role/admin` }, 'serviceLinkedRoleArn'],
    ['an unconfigured region', { region: 'eu-north-1', account: MEMBER, serviceLinkedRoleArn: slrArn() }, 'region'],
    ['a grant id that is not one', { region: REGION, revokeGrantIds: ['*'] }, 'revokeGrantIds'],
    ['an unknown field', { region: REGION, account: MEMBER, serviceLinkedRoleArn: slrArn(), revoke: true }, 'revoke'],
    ['nothing to do', { region: REGION, account: MEMBER }, 'input'],
  ])('refuses %s', (_label, input, field) => {
    let caught: unknown;
    try {
      parseRepairInput(input, config);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).field).toBe(field);
  });
});

describe('the repair under the default stale-grant policy (keep)', () => {
  it('never revokes a grant, even when asked to, and makes no AWS call for it', async () => {
    const calls: string[] = [];
    const kms = new Proxy({}, { get: (_t, name) => async () => void calls.push(`kms.${String(name)}`) });
    const aws = { central: () => ({ kms, ec2: {} }), centralAdapter: () => kms, member: async () => ({}), memberAdapter: async () => ({}), memberRoleArn: () => '' } as unknown as AwsContext;

    const outcome = await repairGrants({ account: null, region: REGION, serviceLinkedRoleArn: null, callingRoleArn: null, createServiceLinkedRole: false, revokeGrantIds: ['ab12', 'cd34'] }, { ...config, staleGrantPolicy: 'keep' }, aws);

    expect(config.staleGrantPolicy).toBe('keep');
    expect(outcome).toMatchObject({ policy: 'keep', revoked: [], kept: ['ab12', 'cd34'] });
    expect(calls).toEqual([]);
  });
});
