import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../../core/errors';
import { grantCovers, grantName, REQUIRED_GRANT_OPERATIONS } from '../../../core/grants';
import type { LaunchFacts } from '../../../core/checks/types';
import { diagnose as diagnoseRequest, looksLikeKmsFailure, parseLaunchFailureInput } from '../../../core/launch-failure';
import { launchWorld } from './checks/world';
import { ASG, CENTRAL, CMK_ARN, MEMBER, REGION, slrArn } from '../../fixtures/aws';

const eventsDir = path.join(__dirname, '../../fixtures/events');
const event = (name: string) => JSON.parse(readFileSync(path.join(eventsDir, `${name}.json`), 'utf8'));
const config = { regions: [REGION] };

describe('looksLikeKmsFailure', () => {
  it.each(readdirSync(eventsDir).map((f) => [f, f.includes('-kms-')]))('%s → %s', (file, expected) => {
    expect(looksLikeKmsFailure(event(file.replace('.json', '')).detail.StatusMessage)).toBe(expected);
  });
});

describe('parseLaunchFailureInput', () => {
  it('reads the forwarded EventBridge event', () => {
    expect(parseLaunchFailureInput(event('launch-unsuccessful-kms-cancelled'), config)).toEqual({
      account: MEMBER,
      region: REGION,
      autoScalingGroupName: ASG,
      statusMessage: expect.stringContaining('Client.InternalError'),
      eventId: '3e3c153a-8339-4e30-8c35-687ebef853fe',
      trigger: 'event',
      dryRun: false,
    });
  });

  it('reads a manual request', () => {
    expect(parseLaunchFailureInput({ account: MEMBER, region: REGION, autoScalingGroupName: ASG, dryRun: true }, config)).toMatchObject({ trigger: 'manual', dryRun: true });
  });

  const good = event('launch-unsuccessful-kms-cancelled');
  it.each([
    ['not an object', 'x', 'input'],
    ['an array', [], 'input'],
    ['a spoofed source', { ...good, source: 'custom.autoscaling' }, 'source'],
    ['another detail-type', { ...good, 'detail-type': 'EC2 Instance Launch Successful' }, 'detail-type'],
    ['no detail', { ...good, detail: null }, 'detail'],
    ['a status message that is not text', { ...good, detail: { ...good.detail, StatusMessage: 7 } }, 'detail.StatusMessage'],
    ['a huge status message', { ...good, detail: { ...good.detail, StatusMessage: 'x'.repeat(5000) } }, 'detail.StatusMessage'],
    ['a short account id', { ...good, account: '1111' }, 'account'],
    ['a region not configured', { ...good, region: 'eu-west-1' }, 'region'],
    ['a malformed region', { ...good, region: 'us-east-1; rm -rf /' }, 'region'],
    ['an ASG name with a colon', { ...good, detail: { ...good.detail, AutoScalingGroupName: 'arn:aws:x' } }, 'detail.AutoScalingGroupName'],
    ['a manual request without a group', { account: MEMBER, region: REGION }, 'autoScalingGroupName'],
    ['dryRun that is not a boolean', { account: MEMBER, region: REGION, autoScalingGroupName: ASG, dryRun: 'yes' }, 'dryRun'],
  ])('refuses %s, naming the field', (_label, input, field) => {
    let error: unknown;
    try {
      parseLaunchFailureInput(input, config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect((error as Error).name).toBe('InvalidInputError');
  });
});

describe('diagnose', () => {
  type LaunchFailureFacts = LaunchFacts;
  const healthy = (): LaunchFacts => launchWorld();
  const diagnose = (f: LaunchFacts) =>
    diagnoseRequest({ account: f.account, region: f.region, autoScalingGroupName: ASG, trigger: 'manual', dryRun: f.dryRun, ...(f.statusMessage !== undefined ? { statusMessage: f.statusMessage } : {}) }, f);

  it('finds the missing grant and says exactly which one to create', () => {
    const d = diagnose(healthy());
    expect(d).toMatchObject({ cause: 'missing-grant', status: 'remediable', remediable: true });
    expect(d.grantsNeeded).toEqual([{ keyArn: CMK_ARN, granteePrincipal: slrArn(), name: grantName(slrArn()) }]);
  });

  it.each<[string, (f: LaunchFailureFacts) => void, string, string]>([
    ['the member role cannot be assumed', (f) => (f.memberRole = { available: false, detail: 'AccessDenied' }), 'member-role-unavailable', 'finding'],
    ['the group is gone', (f) => (f.launcher = { kind: 'auto-scaling-group', name: ASG, found: false }), 'asg-not-found', 'finding'],
    ['the AMI is gone', (f) => (f.images[0]!.found = false), 'image-not-found', 'finding'],
    ['the AMI is not encrypted', (f) => (f.images[0]!.snapshots[0] = { snapshotId: 'snap-0b80955e4f7052f72', encrypted: false }), 'not-a-kms-failure', 'no-action'],
    ['the AMI uses aws/ebs', (f) => (f.keys[0]!.keyManager = 'AWS'), 'aws-managed-key-ami', 'finding'],
    ['the key is pending deletion', (f) => (f.keys[0]!.keyState = 'PendingDeletion'), 'key-disabled-or-pending-deletion', 'finding'],
    ['the key cannot be found', (f) => (f.keys[0] = { keyArn: CMK_ARN, found: false, managed: false }), 'key-disabled-or-pending-deletion', 'finding'],
    ['the key is not amiwarden’s', (f) => (f.keys[0]!.managed = false), 'unmanaged-key', 'finding'],
    ['the grant is there', (f) => (f.keys[0]!.grantPresent = true), 'grant-present', 'no-action'],
    ['the role is missing and may not be created', (f) => (f.launcher!.principal!.exists = false), 'service-linked-role-missing', 'finding'],
    ['the role is missing and may be created', (f) => ((f.launcher!.principal!.exists = false), (f.createServiceLinkedRole = true)), 'service-linked-role-missing', 'remediable'],
    ['the key policy blocks members', (f) => (f.keys[0]!.policy = { verdict: 'blocked', reasons: ['no statement'], fix: 'add it' }), 'key-policy-blocks-grant', 'finding'],
    ['the key policy cannot be read', (f) => (f.keys[0]!.policy = { verdict: 'unknown', reasons: [] }), 'missing-grant', 'remediable'],
    [
      'the status message is not about KMS',
      (f) => (f.statusMessage = 'Server.InternalError: Internal error on launch'),
      'not-a-kms-failure',
      'no-action',
    ],
  ])('when %s: %s (%s)', (_label, change, cause, status) => {
    const facts = healthy();
    change(facts);
    const d = diagnose(facts);
    expect([d.cause, d.status, d.remediable]).toEqual([cause, status, status === 'remediable']);
    expect(d.finding.length).toBeGreaterThan(10);
  });

  it('hands a central AMI on aws/ebs to re-encryption, but not in a dry run', () => {
    const facts = healthy();
    facts.keys[0]!.keyManager = 'AWS';
    expect(diagnose(facts).handOver).toEqual({ imageId: 'ami-0a1b2c3d4e5f60718', region: REGION, trigger: 'launch-failure' });
    facts.dryRun = true;
    expect(diagnose(facts).handOver).toBeNull();
  });

  it('does not call a member-owned key it may not describe disabled: it names it as a key amiwarden does not manage', () => {
    const memberKey = `arn:aws:kms:${REGION}:${MEMBER}:key/798bc4bb-3079-4a9a-bc27-2c7f2b6c91d0`;
    const facts = healthy();
    facts.images[0]!.ownerId = MEMBER;
    facts.images[0]!.snapshots[0]!.kmsKeyId = memberKey;
    facts.keys[0] = { keyArn: memberKey, found: false, reason: 'access-denied', managed: false };
    const d = diagnose(facts);
    expect([d.cause, d.status]).toEqual(['unmanaged-key', 'finding']);
    expect(d.finding).toContain(memberKey);
    expect(d.finding).toMatch(/could not be described/);
    expect(d.fix).not.toMatch(/EnableKey/);
  });

  it('says so when the launch template names its AMI through a Systems Manager parameter it does not resolve', () => {
    const facts = healthy();
    facts.images = [];
    facts.launcher!.imageParameters = ['resolve:ssm:/golden/web/ami'];
    const d = diagnose(facts);
    expect([d.cause, d.status]).toEqual(['image-not-found', 'finding']);
    expect(d.finding).toContain('resolve:ssm:/golden/web/ami');
    expect(d.finding).toMatch(/Systems Manager parameter/);
    expect(d.fix).toMatch(/ssm get-parameter/);
  });

  it('still calls a key that does not exist not usable', () => {
    const facts = healthy();
    facts.keys[0] = { keyArn: CMK_ARN, found: false, reason: 'not-found', managed: true };
    expect(diagnose(facts).cause).toBe('key-disabled-or-pending-deletion');
  });

  it('does not blame aws/ebs on an AMI the member owns itself', () => {
    const facts = healthy();
    facts.images[0]!.ownerId = MEMBER;
    facts.keys[0] = { keyArn: 'arn:aws:kms:us-east-1:111111111111:key/798bc4bb-3079-4a9a-bc27-2c7f2b6c91d0', found: true, keyManager: 'AWS', keyState: 'Enabled', managed: false };
    facts.images[0]!.snapshots[0]!.kmsKeyId = facts.keys[0].keyArn;
    expect(diagnose(facts).cause).not.toBe('aws-managed-key-ami');
  });
});

describe('grants', () => {
  it('names a grant stably after its grantee, within KMS’s name rules', () => {
    expect(grantName(slrArn())).toBe('amiwarden:111111111111:AWSServiceRoleForAutoScaling');
    expect(grantName(slrArn(MEMBER, 'a+b'))).toMatch(/^[a-zA-Z0-9:/_-]+$/);
    expect(grantName(slrArn())).toBe(grantName(slrArn()));
  });

  it('counts a grant only for the same grantee with every required operation', () => {
    expect(grantCovers({ granteePrincipal: slrArn(), operations: [...REQUIRED_GRANT_OPERATIONS, 'RetireGrant'] }, slrArn())).toBe(true);
    expect(grantCovers({ granteePrincipal: slrArn(), operations: REQUIRED_GRANT_OPERATIONS.filter((o) => o !== 'CreateGrant') }, slrArn())).toBe(false);
    expect(grantCovers({ granteePrincipal: slrArn('222222222222'), operations: [...REQUIRED_GRANT_OPERATIONS] }, slrArn())).toBe(false);
  });

  it('does not count a grant with encryption-context constraints: Auto Scaling uses the key for every new volume, each with its own context', () => {
    expect(grantCovers({ granteePrincipal: slrArn(), operations: [...REQUIRED_GRANT_OPERATIONS], constrained: true }, slrArn())).toBe(false);
    expect(grantCovers({ granteePrincipal: slrArn(), operations: [...REQUIRED_GRANT_OPERATIONS], constrained: false }, slrArn())).toBe(true);
  });
});
