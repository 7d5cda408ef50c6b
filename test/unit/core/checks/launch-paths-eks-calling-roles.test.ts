/**
 * The launch paths beyond a plain Auto Scaling group, as the sweep decides them from its
 * inventories: an EKS managed node group (always the default Auto Scaling role; its health issues)
 * and a calling role (Karpenter's controller, an EKS Auto Mode cluster role), which launches as
 * itself: a finding with the exact statements, or a grant only when configured.
 */
import { loadConfig } from '../../../../core/config';
import { REQUIRED_GRANT_OPERATIONS } from '../../../../core/grants';
import { memberFindings, planRemediations, type CentralInventory, type MemberInventory } from '../../../../core/sweep';
import { CENTRAL, CMK_ARN, MEMBER, REGION, TEST_ENV, slrArn } from '../../../fixtures/aws';
import { LAUNCH_FAILURE_MESSAGE } from '../../../fixtures/eks';

const IMAGE = 'ami-0000000000000000a';
const KARPENTER = `arn:aws:iam::${MEMBER}:role/KarpenterController-prod`;
const config = { centralAccountId: CENTRAL, partition: 'aws' as const, createServiceLinkedRole: false };

function central(grants: CentralInventory['grants'] = []): CentralInventory {
  return {
    region: REGION,
    keyArn: CMK_ARN,
    images: [{ imageId: IMAGE, ownerId: CENTRAL, state: 'available', tags: {}, snapshots: [{ deviceName: '/dev/xvda', snapshotId: 'snap-0000000000000000a', encrypted: true }], launchableBy: [MEMBER] }],
    snapshots: [{ snapshotId: 'snap-0000000000000000a', encrypted: true, kmsKeyId: CMK_ARN }],
    keys: [{ keyId: CMK_ARN, found: true, keyArn: CMK_ARN, keyManager: 'CUSTOMER', keyState: 'Enabled' }],
    grants,
    keyPolicy: { verdict: 'allowed', reasons: [] },
    shareAccounts: [MEMBER],
  };
}

const fullGrant = (granteePrincipal: string) => ({ grantId: 'g1', granteePrincipal, operations: [...REQUIRED_GRANT_OPERATIONS] });

/** A member whose node group `prod/web` runs the Auto Scaling group `eks-web-1` (which the groups list also shows, with a custom role). */
function withNodegroup(issues: NonNullable<MemberInventory['nodegroups']>[number]['healthIssues'] = []): MemberInventory {
  return {
    account: MEMBER,
    region: REGION,
    status: 'inspected',
    detail: null,
    groups: [{ name: 'eks-web-1', serviceLinkedRoleArn: slrArn(MEMBER, 'custom'), serviceLinkedRoleExists: true, imageIds: [IMAGE] }],
    activities: [],
    defaultEbsKey: null,
    defaultServiceLinkedRoleExists: true,
    nodegroups: [{ cluster: 'prod', name: 'web', autoScalingGroups: ['eks-web-1'], imageIds: [IMAGE], healthIssues: issues }],
  };
}

describe('an EKS managed node group', () => {
  it('is one row, as the node group, for the default Auto Scaling role (whatever its group says), fixed by the grant-health repair', () => {
    const rows = memberFindings(withNodegroup(), [central()], config);

    expect(rows.map((r) => `${r.resource}:${r.finding}`)).toEqual(['nodegroup/prod/web:missing-grant']);
    expect(rows[0]!.detail).toContain(slrArn());
    expect(rows[0]!.remediation).toEqual({ workflow: 'grant-health', input: { account: MEMBER, region: REGION, serviceLinkedRoleArn: slrArn(), createServiceLinkedRole: false, revokeGrantIds: [] } });
    expect(rows[0]!.action).toBe('create the grant from the member account (grant-health)');
  });

  it('needs nothing when the default role holds the grant, even if the group names another role', () => {
    expect(memberFindings(withNodegroup(), [central([fullGrant(slrArn())])], config)).toEqual([]);
  });

  it('reports AsgInstanceLaunchFailures tied to the key: high without the grant, medium with it', () => {
    const issue = { code: 'AsgInstanceLaunchFailures', message: LAUNCH_FAILURE_MESSAGE, resourceIds: ['eks-web-1'] };

    const without = memberFindings(withNodegroup([issue]), [central()], config).find((r) => r.finding === 'nodegroup-launch-failures')!;
    expect(without).toMatchObject({ resource: 'nodegroup/prod/web', severity: 'high', remediation: null });
    expect(without.detail).toContain(`AsgInstanceLaunchFailures (eks-web-1): ${LAUNCH_FAILURE_MESSAGE}`);
    expect(without.detail).toContain(`${CMK_ARN} as ${slrArn()}, which holds no grant on ${CMK_ARN}`);

    const granted = memberFindings(withNodegroup([issue]), [central([fullGrant(slrArn())])], config);
    expect(granted.map((r) => `${r.finding}:${r.severity}`)).toEqual(['nodegroup-launch-failures:medium']);
    expect(granted[0]!.detail).toContain('holds the grant on it');
  });

  it('reports no health finding for other issue codes, nor for a node group on images not of the central key', () => {
    const other = withNodegroup([{ code: 'Ec2SubnetInvalidConfiguration', message: 'subnet has no free addresses', resourceIds: [] }]);
    expect(memberFindings(other, [central()], config).map((r) => r.finding)).toEqual(['missing-grant']);

    const own = withNodegroup([{ code: 'AsgInstanceLaunchFailures', message: LAUNCH_FAILURE_MESSAGE, resourceIds: [] }]);
    own.nodegroups![0]!.imageIds = ['ami-0ffffffffffffffff'];
    own.groups = [];
    expect(memberFindings(own, [central()], config)).toEqual([]);
  });

  it('counts as the account default role’s fix: a new account’s sweep plans one repair, not two', () => {
    const rows = memberFindings(withNodegroup(), [central()], config, { newAccount: true });
    expect(rows.map((r) => r.finding)).toEqual(['missing-grant']);
    expect(planRemediations(rows, 10).remediations).toHaveLength(1);
  });
});

describe('a calling role', () => {
  const role = (grantable: boolean): MemberInventory => ({ ...withNodegroup(), groups: [], nodegroups: [], callingRoles: [{ arn: KARPENTER, grantable }] });

  it('without a grant is a finding with the key-policy statement (kms:ViaService, kms:CallerAccount) and the member IAM statement', () => {
    const [row] = memberFindings(role(false), [central()], config);

    expect(row).toMatchObject({ resource: 'role/KarpenterController-prod', finding: 'calling-role-key-access', severity: 'high', remediation: null });
    const statements = [...row!.action.matchAll(/\{"Sid".*?\}\}\}/g)].map((m) => JSON.parse(m[0]) as Record<string, unknown>);
    expect(statements).toEqual([
      {
        Sid: `AllowEc2LaunchesOf${MEMBER}`,
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MEMBER}:root` },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `ec2.${REGION}.amazonaws.com`, 'kms:CallerAccount': MEMBER } },
      },
      {
        Sid: 'UseTheOrganizationKeyThroughEc2',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant'],
        Resource: CMK_ARN,
        Condition: { StringEquals: { 'kms:ViaService': `ec2.${REGION}.amazonaws.com` } },
      },
    ]);
    expect(row!.action).toContain(KARPENTER);
  });

  it('configured for grants is remediable by the grant-health repair of that role', () => {
    const [row] = memberFindings(role(true), [central()], config);

    expect(row).toMatchObject({ finding: 'calling-role-key-access', severity: 'high' });
    expect(row!.remediation).toEqual({ workflow: 'grant-health', input: { region: REGION, account: MEMBER, callingRoleArn: KARPENTER, createServiceLinkedRole: false, revokeGrantIds: [] } });
  });

  it('with a grant needs nothing; on a disabled organization key it is that finding instead', () => {
    expect(memberFindings(role(false), [central([fullGrant(KARPENTER)])], config)).toEqual([]);

    const disabled = central();
    disabled.keys[0]!.keyState = 'Disabled';
    expect(memberFindings(role(true), [disabled], config).map((r) => r.finding)).toEqual(['key-disabled-or-pending-deletion']);
  });
});

describe('the calling-role settings', () => {
  it('are empty (off) by default', () => {
    expect(loadConfig(TEST_ENV)).toMatchObject({ callingRoles: [], callingRoleGrants: [] });
  });

  it('take role names (any member account) and role ARNs (that account and path only)', () => {
    const c = loadConfig({ ...TEST_ENV, AMIWARDEN_CALLING_ROLES: `KarpenterController-prod, arn:aws:iam::${MEMBER}:role/eks/AutoModeClusterRole` });
    expect(c.callingRoles).toEqual([{ name: 'KarpenterController-prod' }, { name: 'AutoModeClusterRole', account: MEMBER, path: '/eks/', partition: 'aws' }]);
  });

  it.each([
    ['a user', `arn:aws:iam::${MEMBER}:user/alice`],
    ['an assumed-role session', `arn:aws:sts::${MEMBER}:assumed-role/KarpenterController-prod/session`],
    ['a wildcard', 'Karpenter*'],
    ['a service-linked role', `arn:aws:iam::${MEMBER}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`],
    ['a role of the central account', `arn:aws:iam::${CENTRAL}:role/KarpenterController-prod`],
    ['another partition', `arn:aws-cn:iam::${MEMBER}:role/KarpenterController-prod`],
  ])('refuse %s', (_label, value) => {
    expect(() => loadConfig({ ...TEST_ENV, AMIWARDEN_CALLING_ROLE_GRANTS: value })).toThrow(expect.objectContaining({ setting: 'AMIWARDEN_CALLING_ROLE_GRANTS' }));
  });
});
