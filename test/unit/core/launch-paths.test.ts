/**
 * The launch paths beyond an Auto Scaling group's own role: Spot from a launch configuration
 * (AWSServiceRoleForEC2Spot), Spot Fleet (AWSServiceRoleForEC2SpotFleet) and EC2 Fleet of type
 * maintain/request (AWSServiceRoleForEC2Fleet). Their principals, the requests and events that
 * name them, and what the catalogue decides for each.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../../core/errors';
import { grantName, REQUIRED_GRANT_OPERATIONS } from '../../../core/grants';
import { analyzeCreateGrant, recommendedCreateGrantStatement } from '../../../core/key-policy';
import { launchRoleArn, memberLaunchRole } from '../../../core/launch-roles';
import { diagnose, parseLaunchFailureInput, type LaunchFailureRequest } from '../../../core/launch-failure';
import type { LaunchFacts } from '../../../core/checks/types';
import { launchWorld } from './checks/world';
import { ASG, CMK_ARN, MEMBER, REGION, slrArn } from '../../fixtures/aws';

const FLEET_EVENTS = path.join(__dirname, '../../fixtures/fleet-events');
const fleetEvent = (file: string) => JSON.parse(readFileSync(path.join(FLEET_EVENTS, file), 'utf8'));
const config = { regions: [REGION] };
const SPOT_FLEET = 'sfr-38725d30-25f1-4f30-83ce-2907c56dba17';
const EC2_FLEET = 'fleet-9bb19bc6-60d3-4fd2-ae47-d33e68eafa08';

function refusal(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('memberLaunchRole: the grantees amiwarden grants to', () => {
  it.each([
    ['the default Auto Scaling role', slrArn(), 'autoscaling.amazonaws.com'],
    ['an Auto Scaling role with a suffix', slrArn(MEMBER, 'apps'), 'autoscaling.amazonaws.com'],
    ['the EC2 Spot role', launchRoleArn('aws', MEMBER, 'spot'), 'spot.amazonaws.com'],
    ['the Spot Fleet role', launchRoleArn('aws', MEMBER, 'spot-fleet'), 'spotfleet.amazonaws.com'],
    ['the EC2 Fleet role', launchRoleArn('aws', MEMBER, 'ec2-fleet'), 'ec2fleet.amazonaws.com'],
  ])('accepts %s of the account', (_label, arn, service) => {
    expect(memberLaunchRole(arn, MEMBER, 'aws')).toMatchObject({ arn, account: MEMBER, service });
  });

  it('names each role as IAM creates it', () => {
    expect(launchRoleArn('aws', MEMBER, 'spot')).toBe(`arn:aws:iam::${MEMBER}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`);
    expect(launchRoleArn('aws', MEMBER, 'spot-fleet')).toBe(`arn:aws:iam::${MEMBER}:role/aws-service-role/spotfleet.amazonaws.com/AWSServiceRoleForEC2SpotFleet`);
    expect(launchRoleArn('aws-cn', MEMBER, 'ec2-fleet')).toBe(`arn:aws-cn:iam::${MEMBER}:role/aws-service-role/ec2fleet.amazonaws.com/AWSServiceRoleForEC2Fleet`);
  });

  it.each([
    ['the path-less EC2 Fleet ARN of the prerequisites page (anyone may create a role of that name)', `arn:aws:iam::${MEMBER}:role/AWSServiceRoleForEC2Fleet`],
    ['the EC2 Fleet role under another service path', `arn:aws:iam::${MEMBER}:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2Fleet`],
    ['another account’s Spot Fleet role', launchRoleArn('aws', '222222222222', 'spot-fleet')],
    ['the Spot Fleet role of another partition', launchRoleArn('aws-us-gov', MEMBER, 'spot-fleet')],
    ['an ordinary role', `arn:aws:iam::${MEMBER}:role/developer`],
    ['another service’s service-linked role', `arn:aws:iam::${MEMBER}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`],
    ['a Spot role with a suffix (none exists)', `${launchRoleArn('aws', MEMBER, 'spot')}_x`],
  ])('refuses %s', (_label, arn) => {
    expect(memberLaunchRole(arn, MEMBER, 'aws')).toBeUndefined();
  });
});

describe('the recommended key policy, read as KMS would for each launch role', () => {
  const ORG = 'o-a1b2c3d4e5';
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [recommendedCreateGrantStatement(ORG)] });
  const call = (granteePrincipal: string) => ({
    callerAccount: MEMBER,
    callerArn: `arn:aws:iam::${MEMBER}:role/amiwarden-member`,
    granteePrincipal,
    operations: REQUIRED_GRANT_OPERATIONS,
    organizationId: ORG,
  });

  it.each(['spot', 'spot-fleet', 'ec2-fleet'] as const)('lets a member grant its own %s role', (kind) => {
    expect(analyzeCreateGrant(policy, call(launchRoleArn('aws', MEMBER, kind))).verdict).toBe('allowed');
  });

  it.each([
    ['the path-less EC2 Fleet look-alike', `arn:aws:iam::${MEMBER}:role/AWSServiceRoleForEC2Fleet`],
    ['another account’s Spot Fleet role', launchRoleArn('aws', '222222222222', 'spot-fleet')],
  ])('does not let it grant %s', (_label, grantee) => {
    expect(analyzeCreateGrant(policy, call(grantee)).verdict).toBe('blocked');
  });
});

describe('parseLaunchFailureInput for fleets', () => {
  it.each(readdirSync(FLEET_EVENTS).filter((f) => f.startsWith('starts-')))('reads %s as a request about its fleet', (file) => {
    const event = fleetEvent(file);
    const request = parseLaunchFailureInput(event, config);

    const kind = event.source === 'aws.ec2fleet' ? 'ec2-fleet' : 'spot-fleet';
    expect(request).toEqual({
      account: MEMBER,
      region: REGION,
      autoScalingGroupName: null,
      fleet: { kind, id: kind === 'ec2-fleet' ? EC2_FLEET : SPOT_FLEET },
      fleetEvent: { detailType: event['detail-type'], subType: event.detail['sub-type'], description: event.detail.description },
      eventId: event.id,
      trigger: 'event',
      dryRun: false,
    });
    // The description of a fleet error is often generic: it is evidence, never the KMS gate of a group's StatusMessage.
    expect(request.statusMessage).toBeUndefined();
  });

  it.each([
    ['spotFleetRequestId', SPOT_FLEET, 'spot-fleet'],
    ['fleetId', EC2_FLEET, 'ec2-fleet'],
  ])('reads a manual request naming %s', (field, id, kind) => {
    expect(parseLaunchFailureInput({ account: MEMBER, region: REGION, [field]: id, dryRun: true }, config)).toEqual({
      account: MEMBER,
      region: REGION,
      autoScalingGroupName: null,
      fleet: { kind, id },
      trigger: 'manual',
      dryRun: true,
    });
  });

  const good = fleetEvent('starts-spot-fleet-error-all-launch-specs-blacklisted.json');
  it.each([
    ['a quota error (never a key)', fleetEvent('ignored-spot-fleet-error-instance-count-limit.json'), 'detail.sub-type'],
    ['a price information event', fleetEvent('ignored-ec2-fleet-information-launch-spec-unusable.json'), 'detail.sub-type'],
    ['a state change', fleetEvent('ignored-ec2-fleet-state-change-active.json'), 'detail-type'],
    ['a fleet of another account', { ...good, resources: [good.resources[0].replace(MEMBER, '222222222222')] }, 'resources[0]'],
    ['an EC2 Fleet ARN under the Spot Fleet source', { ...good, resources: [`arn:aws:ec2:us-east-1:${MEMBER}:fleet/${EC2_FLEET}`] }, 'resources[0]'],
    ['two resources', { ...good, resources: [good.resources[0], good.resources[0]] }, 'resources'],
    ['a huge description', { ...good, detail: { ...good.detail, description: 'x'.repeat(5000) } }, 'detail.description'],
    ['an unknown field', { ...good, dryrun: true }, 'dryrun'],
    ['a region not configured', { ...good, region: 'eu-west-1' }, 'region'],
    ['a manual request naming two launchers', { account: MEMBER, region: REGION, autoScalingGroupName: ASG, fleetId: EC2_FLEET }, 'fleetId'],
    ['a malformed Spot Fleet id', { account: MEMBER, region: REGION, spotFleetRequestId: 'sfr-;rm' }, 'spotFleetRequestId'],
    ['an EC2 Fleet id as a Spot Fleet id', { account: MEMBER, region: REGION, spotFleetRequestId: EC2_FLEET }, 'spotFleetRequestId'],
  ])('refuses %s, naming the field', (_label, input, field) => {
    expect(refusal(() => parseLaunchFailureInput(input, config)).field).toBe(field);
  });
});

describe('the catalogue on the launch paths', () => {
  const request = (f: LaunchFacts): LaunchFailureRequest =>
    f.launcher?.kind === 'auto-scaling-group' || !f.launcher
      ? { account: f.account, region: f.region, autoScalingGroupName: ASG, trigger: 'manual', dryRun: false }
      : { account: f.account, region: f.region, autoScalingGroupName: null, fleet: { kind: f.launcher.kind as 'spot-fleet' | 'ec2-fleet', id: f.launcher.name }, trigger: 'manual', dryRun: false };
  const world = (kind: 'spot' | 'spot-fleet' | 'ec2-fleet'): LaunchFacts => {
    const f = launchWorld();
    const arn = launchRoleArn('aws', MEMBER, kind);
    f.launcher =
      kind === 'spot'
        ? { kind: 'auto-scaling-group', name: ASG, found: true, spotLaunchConfiguration: 'legacy-spot', principal: { arn, kind: 'service-linked-role', exists: true } }
        : { kind, name: kind === 'spot-fleet' ? SPOT_FLEET : EC2_FLEET, found: true, principal: { arn, kind: 'service-linked-role', exists: true } };
    return f;
  };

  it.each(['spot', 'spot-fleet', 'ec2-fleet'] as const)('%s: the missing grant is created for the path’s own role, from the member account', (kind) => {
    const facts = world(kind);
    const d = diagnose(request(facts), facts);

    const arn = launchRoleArn('aws', MEMBER, kind);
    expect([d.cause, d.status]).toEqual(['missing-grant', 'remediable']);
    expect(d.grantsNeeded).toEqual([{ keyArn: CMK_ARN, granteePrincipal: arn, name: grantName(arn) }]);
    expect(d.serviceLinkedRoleArn).toBe(arn);
    expect(d.finding).toContain(arn);
    expect(d.launcher).toEqual({ kind: kind === 'spot' ? 'auto-scaling-group' : kind, name: facts.launcher!.name });
  });

  it('spot: the evidence says why the group’s Auto Scaling role is not the one', () => {
    const facts = world('spot');
    expect(diagnose(request(facts), facts).finding).toMatch(/Spot Instances of launch configuration legacy-spot launch as/);
  });

  it.each(['spot', 'spot-fleet', 'ec2-fleet'] as const)('%s: the grant in place needs nothing', (kind) => {
    const facts = world(kind);
    facts.keys[0]!.grantPresent = true;
    expect(diagnose(request(facts), facts)).toMatchObject({ cause: 'grant-present', status: 'no-action' });
  });

  it.each([
    ['spot', 'spot.amazonaws.com'],
    ['spot-fleet', 'spotfleet.amazonaws.com'],
    ['ec2-fleet', 'ec2fleet.amazonaws.com'],
  ] as const)('%s: a missing role is created when allowed, else the fix names its service', (kind, service) => {
    const facts = world(kind);
    facts.launcher!.principal!.exists = false;
    const finding = diagnose(request(facts), facts);
    expect([finding.cause, finding.status]).toEqual(['service-linked-role-missing', 'finding']);
    expect(finding.fix).toContain(`aws iam create-service-linked-role --aws-service-name ${service}`);
    expect(finding.fix).not.toContain('--custom-suffix');

    facts.createServiceLinkedRole = true;
    expect(diagnose(request(facts), facts)).toMatchObject({ cause: 'service-linked-role-missing', status: 'remediable', grantsNeeded: [{ granteePrincipal: launchRoleArn('aws', MEMBER, kind) }] });
  });

  it.each<[string, (f: LaunchFacts) => void, string, string]>([
    ['its AMI has no encrypted volume', (f) => void (f.images[0]!.snapshots[0] = { snapshotId: 'snap-0b80955e4f7052f72', encrypted: false }), 'not-a-kms-failure', 'no-action'],
    ['its AMI is on a key amiwarden does not manage', (f) => void (f.keys[0]!.managed = false), 'unmanaged-key', 'finding'],
  ])('a fleet error where %s changes nothing', (_label, change, cause, status) => {
    const facts = world('ec2-fleet');
    change(facts);
    const d = diagnose(request(facts), facts);
    expect([d.cause, d.status, d.grantsNeeded]).toEqual([cause, status, []]);
  });

  it('a fleet that no longer launches is reported gone, changing nothing', () => {
    const facts = world('spot-fleet');
    facts.launcher = { kind: 'spot-fleet', name: SPOT_FLEET, found: false };
    const d = diagnose(request(facts), facts);
    expect([d.cause, d.status, d.grantsNeeded]).toEqual(['asg-not-found', 'finding', []]);
    expect(d.finding).toContain(`Spot Fleet ${SPOT_FLEET}`);
  });
});
