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
import { ASG, CENTRAL, EC2_FLEET_ID, GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, MEMBER, REGION, SPOT_FLEET_ID, TEST_ENV, mockWorld, slrArn, type Scenario } from '../../fixtures/aws';

const OTHER_CMK = `arn:aws:kms:${REGION}:${CENTRAL}:key/11111111-2222-3333-4444-555555555555`;
const ALL_OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];

const SPOT_ROLE = `arn:aws:iam::${MEMBER}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
const SPOT_FLEET_ROLE = `arn:aws:iam::${MEMBER}:role/aws-service-role/spotfleet.amazonaws.com/AWSServiceRoleForEC2SpotFleet`;
const EC2_FLEET_ROLE = `arn:aws:iam::${MEMBER}:role/aws-service-role/ec2fleet.amazonaws.com/AWSServiceRoleForEC2Fleet`;
const spotFleet = (via: 'template' | 'override' | 'specification' = 'template') => ({ kind: 'spot-fleet' as const, via });
const ec2Fleet = (via: 'template' | 'override' = 'override') => ({ kind: 'ec2-fleet' as const, via });

/**
 * [case, world, the cause both name (null: the sweep has no row because nothing is wrong), the
 * launcher diagnosed (default: the group)]. A fleet case's world also has the group; the rows compared are the fleet's.
 */
const CASES: [string, Scenario, string, string | null, ('spot-fleet' | 'ec2-fleet')?][] = [
  ['the grant is missing', {}, 'missing-grant', 'missing-grant'],
  ['the grant is there', { grants: [{ granteePrincipal: slrArn(), operations: ALL_OPERATIONS }] }, 'grant-present', null],
  ['the service-linked role is missing', { serviceLinkedRoleExists: false }, 'service-linked-role-missing', 'service-linked-role-missing'],
  ['the key is disabled', { keyState: 'Disabled' }, 'key-disabled-or-pending-deletion', 'key-disabled-or-pending-deletion'],
  ['the key is pending deletion', { keyState: 'PendingDeletion' }, 'key-disabled-or-pending-deletion', 'key-disabled-or-pending-deletion'],
  ['the AMI is on aws/ebs', { keyManager: 'AWS' }, 'aws-managed-key-ami', 'aws-managed-key-ami'],
  ['the key policy allows CreateGrant only for AWS resources', { keyPolicy: GRANT_FOR_AWS_RESOURCE_ONLY_POLICY, createGrant: 'access-denied' }, 'key-policy-blocks-grant', 'key-policy-blocks-grant'],
  ['the group requests Spot from a launch configuration (AWSServiceRoleForEC2Spot has no grant)', { spotLaunchConfiguration: true }, 'missing-grant', 'missing-grant'],
  ['the group requests Spot from a launch configuration and the Spot role has its grant', { spotLaunchConfiguration: true, grants: [{ granteePrincipal: SPOT_ROLE, operations: ALL_OPERATIONS }] }, 'grant-present', null],
  ['the group requests Spot from a launch configuration and only the Auto Scaling role has a grant', { spotLaunchConfiguration: true, grants: [{ granteePrincipal: slrArn(), operations: ALL_OPERATIONS }] }, 'missing-grant', 'missing-grant'],
  ['a Spot Fleet launches the AMI through its template', { fleet: spotFleet() }, 'missing-grant', 'missing-grant', 'spot-fleet'],
  ['a Spot Fleet launches the AMI from a launch specification', { fleet: spotFleet('specification') }, 'missing-grant', 'missing-grant', 'spot-fleet'],
  ['a Spot Fleet whose role has its grant', { fleet: spotFleet(), grants: [{ granteePrincipal: SPOT_FLEET_ROLE, operations: ALL_OPERATIONS }] }, 'grant-present', null, 'spot-fleet'],
  ['a Spot Fleet whose role is missing', { fleet: spotFleet(), serviceLinkedRoleExists: false }, 'service-linked-role-missing', 'service-linked-role-missing', 'spot-fleet'],
  ['a Spot Fleet on a disabled key', { fleet: spotFleet(), keyState: 'Disabled' }, 'key-disabled-or-pending-deletion', 'key-disabled-or-pending-deletion', 'spot-fleet'],
  ['an EC2 Fleet launches the AMI through an override', { fleet: ec2Fleet() }, 'missing-grant', 'missing-grant', 'ec2-fleet'],
  ['an EC2 Fleet whose role has its grant', { fleet: ec2Fleet('template'), grants: [{ granteePrincipal: EC2_FLEET_ROLE, operations: ALL_OPERATIONS }] }, 'grant-present', null, 'ec2-fleet'],
  ['an EC2 Fleet whose grant an SCP refuses', { fleet: ec2Fleet(), createGrant: 'access-denied', grantDenial: 'with an explicit deny in a service control policy' }, 'organization-policy-blocks-grant', 'organization-policy-blocks-grant', 'ec2-fleet'],
  ['an EC2 Fleet on aws/ebs', { fleet: ec2Fleet(), keyManager: 'AWS' }, 'aws-managed-key-ami', 'aws-managed-key-ami', 'ec2-fleet'],
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

  async function sweepRow(runId: string, resource = `autoScalingGroup/${ASG}`) {
    const aws = contexts();
    await inspectCentral(runId, REGION, MEMBER, config, aws);
    await inspectMember(runId, MEMBER, REGION, config, aws);
    const central = JSON.parse(objects.get(`inventories/${runId}/central/${REGION}.json`)!) as CentralInventory;
    const member = JSON.parse(objects.get(`inventories/${runId}/members/${MEMBER}/${REGION}.json`)!) as MemberInventory;
    const rows = memberFindings(member, [central], config);
    // An Auto Scaling group that EKS runs for a node group is reported once: as the node group.
    const resources = resource === `autoScalingGroup/${ASG}` ? [resource, `nodegroup/${CLUSTER}/${NODEGROUP}`] : [resource];
    const launcherRows = rows.filter((r) => resources.includes(r.resource) && r.finding !== 'nodegroup-launch-failures');
    expect(launcherRows.length).toBeLessThanOrEqual(1);
    return launcherRows[0] ?? rows.find((r) => r.finding === 'member-role-unavailable') ?? null;
  }

  afterEach(() => {
    world.reset();
    s3.restore();
  });

  // Every row as five values: jest would take a missing fifth for the done callback.
  it.each(CASES.map(([label, scenario, cause, finding, fleet]) => [label, scenario, cause, finding, fleet ?? null] as const))('agree when %s', async (_label, scenario, cause, finding, fleet) => {
    world = mockWorld(scenario);
    world.asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
    world.ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: OTHER_CMK });
    objects = new Map();
    s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => (objects.set(input.Key, input.Body), {}));
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: s3Body(objects.get(input.Key) ?? '{}') }));
    s3.on(ListObjectsV2Command).callsFake(() => ({ Contents: [...objects.keys()].map((Key) => ({ Key })) }));

    const request = fleet
      ? { account: MEMBER, region: REGION, autoScalingGroupName: null, fleet: { kind: fleet, id: fleet === 'spot-fleet' ? SPOT_FLEET_ID : EC2_FLEET_ID }, trigger: 'manual' as const, dryRun: true }
      : { account: MEMBER, region: REGION, autoScalingGroupName: ASG, trigger: 'manual' as const, dryRun: true };
    const diagnosis = await diagnoseLaunchFailure(request, config, contexts());
    const resource = fleet === 'spot-fleet' ? `spotFleetRequest/${SPOT_FLEET_ID}` : fleet === 'ec2-fleet' ? `fleet/${EC2_FLEET_ID}` : `autoScalingGroup/${ASG}`;
    const row = await sweepRow(`run-${cause}-${Date.now()}`, resource);

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
      } else {
        // The sweep's remediation starts the same diagnosis for the same launcher.
        if (row.remediation) expect(row.remediation.input).toEqual({ account: MEMBER, region: REGION, ...(fleet === 'spot-fleet' ? { spotFleetRequestId: SPOT_FLEET_ID } : fleet === 'ec2-fleet' ? { fleetId: EC2_FLEET_ID } : { autoScalingGroupName: ASG }) });
      }
      // A grant both would create is for the same principal.
      if (row.finding === 'missing-grant' || row.finding === 'service-linked-role-missing') expect(row.detail).toContain(diagnosis.serviceLinkedRoleArn);
    }
    if (scenario.spotLaunchConfiguration) expect(diagnosis.serviceLinkedRoleArn).toBe(SPOT_ROLE);
  });
});
