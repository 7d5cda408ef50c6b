/**
 * The statements `calling-role-key-access` tells a person to add (core/calling-roles.ts), run
 * through the IAM simulator as KMS would weigh a calling role's use of the central key: the key
 * policy (with the central account's own root statement) and the role's IAM policy in the member.
 * Through EC2 in the key's Region, from the member, the role may use the key; directly, through
 * another Region's EC2, from another account or without the IAM statement, it may not.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { callingRoleStatements } from '../../../core/calling-roles';

const CENTRAL = '999999999999';
const MEMBER = '111111111111';
const OTHER = '222222222222';
const REGION = 'us-east-1';
const KEY = `arn:aws:kms:${REGION}:${CENTRAL}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const ROLE = (account: string) => `arn:aws:iam::${account}:role/KarpenterController-prod`;

const statements = callingRoleStatements({ partition: 'aws', region: REGION, member: MEMBER, keyArn: KEY, roleArn: ROLE(MEMBER) });
const keyPolicy = (extra: object[] = [statements.keyPolicy]) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'EnableIamPoliciesOfTheKeyAccount', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` }, Action: 'kms:*', Resource: '*' }, ...extra],
});

async function decide(input: { account?: string; action?: string; via?: string | null; identity?: object[]; key?: object }): Promise<string> {
  const account = input.account ?? MEMBER;
  const context: Record<string, string> = { 'kms:CallerAccount': account, 'aws:PrincipalAccount': account, 'aws:PrincipalArn': ROLE(account) };
  if (input.via !== null) context['kms:ViaService'] = input.via ?? `ec2.${REGION}.amazonaws.com`;
  const response = await runSimulation(
    {
      request: { principal: `arn:aws:sts::${account}:assumed-role/KarpenterController-prod/karpenter`, action: input.action ?? 'kms:GenerateDataKeyWithoutPlaintext', resource: { resource: KEY, accountId: CENTRAL }, contextVariables: context },
      identityPolicies: [{ name: 'karpenter', policy: { Version: '2012-10-17', Statement: input.identity ?? [statements.iam] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: input.key ?? keyPolicy(),
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

describe('the statements a calling role’s finding gives', () => {
  it.each(['kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant', 'kms:DescribeKey'])('let the member’s role %s through EC2 in the key’s Region', async (action) => {
    expect(await decide({ action })).toBe('Allowed');
  });

  it.each<[string, Parameters<typeof decide>[0]]>([
    ['a direct call (no kms:ViaService)', { via: null }],
    ['EC2 of another Region', { via: 'ec2.eu-west-1.amazonaws.com' }],
    ['another service', { via: 's3.us-east-1.amazonaws.com' }],
    ['the same role name in another account', { account: OTHER }],
    ['the member’s role without the IAM statement', { identity: [{ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' }] }],
    ['a key policy without the statement', { key: keyPolicy([]) }],
    ['an action the statements do not give', { action: 'kms:ScheduleKeyDeletion' }],
  ])('refuse %s', async (_label, input) => {
    expect(await decide(input)).not.toBe('Allowed');
  });
});
