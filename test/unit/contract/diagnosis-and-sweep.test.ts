/**
 * One world, two runs: the launch-failure diagnosis and the compliance sweep gather their facts
 * their own way (one group by name, or every group of the account in batches) and evaluate the
 * same catalogue. On every case they share they must say the same thing about the group.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { GetEbsDefaultKmsKeyIdCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { s3Body } from '../cli/support';
import { loadConfig } from '../../../core/config';
import { memberFindings, type CentralInventory, type MemberInventory } from '../../../core/sweep';
import { MemberSessions } from '../../../adapters/sts';
import { awsContext } from '../../../services/aws-context';
import { diagnoseLaunchFailure } from '../../../services/launch-failure';
import { inspectCentral, inspectMember } from '../../../services/sweep';
import { CLUSTER, NODEGROUP } from '../../fixtures/eks';
import { ASG, CENTRAL, GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, MEMBER, REGION, TEST_ENV, mockWorld, slrArn, type Scenario } from '../../fixtures/aws';

const OTHER_CMK = `arn:aws:kms:${REGION}:${CENTRAL}:key/11111111-2222-3333-4444-555555555555`;
const ALL_OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];

/** [case, world, the cause both name (null: the sweep has no row because nothing is wrong)]. */
const CASES: [string, Scenario, string, string | null][] = [
  ['the grant is missing', {}, 'missing-grant', 'missing-grant'],
  ['the grant is there', { grants: [{ granteePrincipal: slrArn(), operations: ALL_OPERATIONS }] }, 'grant-present', null],
  ['the service-linked role is missing', { serviceLinkedRoleExists: false }, 'service-linked-role-missing', 'service-linked-role-missing'],
  ['the key is disabled', { keyState: 'Disabled' }, 'key-disabled-or-pending-deletion', 'key-disabled-or-pending-deletion'],
  ['the key is pending deletion', { keyState: 'PendingDeletion' }, 'key-disabled-or-pending-deletion', 'key-disabled-or-pending-deletion'],
  ['the AMI is on aws/ebs', { keyManager: 'AWS' }, 'aws-managed-key-ami', 'aws-managed-key-ami'],
  ['the key policy allows CreateGrant only for AWS resources', { keyPolicy: GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, createGrant: 'access-denied' }, 'key-policy-blocks-grant', 'key-policy-blocks-grant'],
  ['the group requests Spot from a launch configuration', { spotLaunchConfiguration: true }, 'spot-launch-configuration', 'spot-launch-configuration'],
  ['the AMI is on a customer key amiwarden does not manage', { snapshotKey: OTHER_CMK }, 'unmanaged-key', 'unmanaged-key'],
  ['a service control policy denies the grant', { createGrant: 'access-denied', grantDenial: 'with an explicit deny in a service control policy' }, 'organization-policy-blocks-grant', 'organization-policy-blocks-grant'],
  ['the member role’s own policy denies the grant', { createGrant: 'access-denied', grantDenial: 'because no identity-based policy allows the kms:CreateGrant action' }, 'member-policy-blocks-grant', 'member-policy-blocks-grant'],
  ['KMS refuses without naming a policy, the key policy allows', { createGrant: 'access-denied', grantDenial: '' }, 'grant-refused', 'grant-refused'],
  ['the key policy reads as blocked but KMS would grant', { keyPolicy: GRANT_FOR_AWS_RESOURCE_ONLY_POLICY }, 'missing-grant', 'missing-grant'],
  ['Allowed AMIs is enabled without the central account', { allowedImages: { State: 'enabled', ImageProviders: ['amazon'] } }, 'allowed-images-block-central', 'allowed-images-block-central'],
  ['Allowed AMIs allows the central account', { allowedImages: { State: 'enabled', ImageProviders: ['amazon', CENTRAL] } }, 'missing-grant', 'missing-grant'],
  ['the member role cannot be assumed', { assumeRole: 'denied' }, 'member-role-unavailable', 'member-role-unavailable'],
  // The group is an EKS managed node group's: the diagnosis reads the group, the sweep the node group (EKS names the group).
  ['the group is an EKS node group’s, without the grant', { nodegroup: { launchFailures: true } }, 'missing-grant', 'missing-grant'],
  ['the group is an EKS node group’s, with the grant', { nodegroup: { launchFailures: false }, grants: [{ granteePrincipal: slrArn(), operations: ALL_OPERATIONS }] }, 'grant-present', null],
  ['the group is an EKS node group’s, on aws/ebs', { nodegroup: { launchFailures: true }, keyManager: 'AWS' }, 'aws-managed-key-ami', 'aws-managed-key-ami'],
  ['the group is an EKS node group’s, its role missing', { nodegroup: { launchFailures: false }, serviceLinkedRoleExists: false }, 'service-linked-role-missing', 'service-linked-role-missing'],
];

describe('the diagnosis and the sweep', () => {
  const config = loadConfig({ ...TEST_ENV, AMIWARDEN_CREATE_SERVICE_LINKED_ROLE: 'false', AMIWARDEN_REGIONS: REGION, AMIWARDEN_REPORT_BUCKET: 'amiwarden-reports-test' });
  let world: ReturnType<typeof mockWorld>;
  let s3: ReturnType<typeof mockClient>;
  let objects: Map<string, string>;

  const contexts = () => awsContext(config, new MemberSessions(config, 'amiwarden-test'));

  async function sweepRow(runId: string) {
    const aws = contexts();
    await inspectCentral(runId, REGION, MEMBER, config, aws);
    await inspectMember(runId, MEMBER, REGION, config, aws);
    const central = JSON.parse(objects.get(`inventories/${runId}/central/${REGION}.json`)!) as CentralInventory;
    const member = JSON.parse(objects.get(`inventories/${runId}/members/${MEMBER}/${REGION}.json`)!) as MemberInventory;
    const rows = memberFindings(member, [central], config);
    const launcherRows = rows.filter((r) => [`autoScalingGroup/${ASG}`, `nodegroup/${CLUSTER}/${NODEGROUP}`].includes(r.resource) && r.finding !== 'nodegroup-launch-failures');
    // One row per launcher: a node group's Auto Scaling group is not reported a second time.
    expect(launcherRows.length).toBeLessThanOrEqual(1);
    return launcherRows[0] ?? rows.find((r) => r.finding === 'member-role-unavailable') ?? null;
  }

  afterEach(() => {
    world.reset();
    s3.restore();
  });

  it.each(CASES)('agree when %s', async (_label, scenario, cause, finding) => {
    world = mockWorld(scenario);
    world.asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
    world.ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: OTHER_CMK });
    objects = new Map();
    s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => (objects.set(input.Key, input.Body), {}));
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: s3Body(objects.get(input.Key) ?? '{}') }));
    s3.on(ListObjectsV2Command).callsFake(() => ({ Contents: [...objects.keys()].map((Key) => ({ Key })) }));

    const diagnosis = await diagnoseLaunchFailure({ account: MEMBER, region: REGION, autoScalingGroupName: ASG, trigger: 'manual', dryRun: true }, config, contexts());
    const row = await sweepRow(`run-${cause}-${Date.now()}`);

    expect(diagnosis.cause).toBe(cause);
    expect(row?.finding ?? null).toBe(finding);
    if (row) {
      expect(row.finding).toBe(diagnosis.cause);
      expect(row.remediation !== null).toBe(diagnosis.remediable);
      if (scenario.nodegroup) {
        expect(row.resource).toBe(`nodegroup/${CLUSTER}/${NODEGROUP}`);
        // No group of its own to diagnose again: the repair grants the default Auto Scaling role, or the image is re-encrypted.
        if (row.remediation) expect(row.remediation.workflow).toBe(cause === 'aws-managed-key-ami' ? 'reencrypt-and-share' : 'grant-health');
        if (row.remediation?.workflow === 'grant-health') expect(row.remediation.input).toMatchObject({ account: MEMBER, serviceLinkedRoleArn: slrArn() });
      }
    }
  });
});
