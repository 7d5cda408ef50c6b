import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Image } from '@aws-sdk/client-ec2';
import { toImageDetail, toSnapshotView } from '../../../adapters/ec2';
import {
  classify,
  copyIdentity,
  copyRequest,
  IMAGE_CREATING_CALLS,
  missingPermissions,
  parseImageRequest,
  planSharing,
  type ImageRequest,
  type InspectionFacts,
  type LaunchPermission,
} from '../../../core/image';
import { ACCOUNT, amiAvailableEvent, amiOnCmk, AWS_EBS_KEY, copiedAmiOnAwsEbs, createImageEvent, keys, mixedAmi, ORG_KEY, OTHER_CMK, REGION, snapshots, unencryptedAmi } from '../../fixtures/images';

const request = (imageId: string): ImageRequest => ({ imageId, region: REGION, trigger: 'manual', eventId: null, dryRun: false });

/** The facts the service gathers, from real response shapes run through the adapters. */
function factsFor(image: Image | undefined, overrides: Partial<InspectionFacts> = {}): InspectionFacts {
  const detail = image ? toImageDetail(image) : undefined;
  const snaps = snapshots.map(toSnapshotView).filter((s) => detail?.snapshots.some((m) => m.snapshotId === s.snapshotId));
  return {
    request: request(image?.ImageId ?? 'ami-0123456789abcdef0'),
    centralAccountId: ACCOUNT,
    keyArn: ORG_KEY,
    ...(detail ? { image: { ...detail, tags: detail.tags } } : {}),
    snapshots: snaps,
    keys: [...new Set(snaps.flatMap((s) => (s.kmsKeyId ? [s.kmsKeyId] : [])))].map((keyId) => ({
      keyId,
      found: true,
      keyArn: keys[keyId]!.Arn!,
      keyManager: keys[keyId]!.KeyManager as 'AWS' | 'CUSTOMER',
      keyState: keys[keyId]!.KeyState!,
    })),
    elapsedMinutes: 0,
    waitMinutes: 180,
    ...overrides,
  };
}

describe('classify', () => {
  it('finds an AMI copied with the default key on the AWS managed key, and says it needs a copy', () => {
    const inspection = classify(factsFor(copiedAmiOnAwsEbs));

    expect(inspection).toMatchObject({ classification: 'aws-managed-key', status: 'act', needsCopy: true });
    expect(inspection.snapshots).toEqual([
      { deviceName: '/dev/xvda', snapshotId: 'snap-0b80955e4f7052f72', encrypted: true, kmsKeyId: AWS_EBS_KEY, keyManager: 'AWS', keyState: 'Enabled', status: 'aws-managed-key' },
    ]);
  });

  it('finds an AMI whose every EBS snapshot is on the organization key compliant (instance-store mappings aside)', () => {
    const inspection = classify(factsFor(amiOnCmk));

    expect(inspection).toMatchObject({ classification: 'compliant', needsCopy: false });
    expect(inspection.snapshots.map((s) => s.status)).toEqual(['organization-key']);
  });

  it('finds an unencrypted AMI', () => {
    expect(classify(factsFor(unencryptedAmi))).toMatchObject({ classification: 'unencrypted', needsCopy: true });
  });

  it('names a multi-volume AMI by its most fundamental problem and lists each volume', () => {
    const inspection = classify(factsFor(mixedAmi));

    expect(inspection.classification).toBe('aws-managed-key');
    expect(inspection.snapshots.map((s) => [s.deviceName, s.status])).toEqual([
      ['/dev/sda1', 'organization-key'],
      ['/dev/sdf', 'aws-managed-key'],
    ]);
    expect(inspection.finding).toMatch(/1 of 2 snapshot/);
  });

  it('calls a customer key that is not the configured one foreign', () => {
    expect(classify(factsFor(amiOnCmk, { keyArn: OTHER_CMK }))).toMatchObject({ classification: 'foreign-cmk', needsCopy: true });
  });

  it('counts a key it cannot describe as foreign', () => {
    const facts = factsFor(amiOnCmk, { keyArn: OTHER_CMK });
    expect(classify({ ...facts, keys: [{ keyId: ORG_KEY, found: false }] }).classification).toBe('foreign-cmk');
  });

  it('skips an image another account owns', () => {
    expect(classify(factsFor({ ...copiedAmiOnAwsEbs, OwnerId: '111122223333' }))).toMatchObject({ classification: 'not-owned', status: 'no-action', needsCopy: false });
  });

  it('waits for a pending image, and gives up after the configured time', () => {
    const pending = { ...copiedAmiOnAwsEbs, State: 'pending' as const };
    expect(classify(factsFor(pending, { snapshots: [], keys: [] }))).toMatchObject({ classification: 'pending', status: 'wait', timedOut: false });
    expect(classify(factsFor(pending, { elapsedMinutes: 181 }))).toMatchObject({ classification: 'pending', status: 'finding', timedOut: true });
  });

  it('reports a failed image with its reason', () => {
    const failed = { ...copiedAmiOnAwsEbs, State: 'failed' as const, StateReason: { Code: 'Client.CopyImage', Message: 'Snapshot copy failed' } };
    expect(classify(factsFor(failed))).toMatchObject({ classification: 'failed', status: 'finding', finding: expect.stringContaining('Snapshot copy failed') });
  });

  it('makes an image in a region without a configured key a finding, not a crash', () => {
    const { keyArn: _none, ...facts } = factsFor(copiedAmiOnAwsEbs);
    expect(classify(facts)).toMatchObject({ classification: 'no-key-for-region', status: 'finding', needsCopy: false });
  });

  it('says when the image does not exist', () => {
    expect(classify(factsFor(undefined))).toMatchObject({ classification: 'not-found', status: 'finding' });
  });

  it('reads the links amiwarden tags on sources and copies', () => {
    const copy = { ...amiOnCmk, Tags: [{ Key: 'amiwarden:source-image-id', Value: 'ami-008c67c239389d171' }] };
    expect(classify(factsFor(copy))).toMatchObject({ classification: 'compliant', sourceImageId: 'ami-008c67c239389d171', copyImageId: null });
  });
});

describe('parseImageRequest', () => {
  const config = { centralAccountId: ACCOUNT };

  it('takes the image id from a successful CloudTrail call that made an image', () => {
    expect(parseImageRequest(createImageEvent('ami-06aaf5e4b77161786'), config)).toEqual({
      imageId: 'ami-06aaf5e4b77161786',
      region: REGION,
      trigger: 'cloudtrail',
      eventId: '6f3b3c2e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      dryRun: false,
    });
  });

  it('takes the image id from an EC2 AMI State Change to available', () => {
    expect(parseImageRequest(amiAvailableEvent('ami-06aaf5e4b77161786'), config)).toMatchObject({ imageId: 'ami-06aaf5e4b77161786', trigger: 'ami-state-change' });
  });

  it('refuses a failed call, another account’s event and another state', () => {
    const failed = createImageEvent('ami-06aaf5e4b77161786');
    expect(() => parseImageRequest({ ...failed, detail: { ...failed.detail, errorCode: 'Client.UnauthorizedOperation' } }, config)).toThrow(/detail.errorCode/);
    expect(() => parseImageRequest(createImageEvent('ami-06aaf5e4b77161786', '111122223333'), config)).toThrow(/account/);
    const stateFailed = amiAvailableEvent('ami-06aaf5e4b77161786');
    expect(() => parseImageRequest({ ...stateFailed, detail: { ...stateFailed.detail, State: 'failed' } }, config)).toThrow(/detail.State/);
  });

  it('accepts a manual, sweep or launch-failure request with dryRun', () => {
    expect(parseImageRequest({ imageId: 'ami-06aaf5e4b77161786', region: 'eu-west-1', dryRun: true }, config)).toMatchObject({ trigger: 'manual', dryRun: true });
    expect(parseImageRequest({ imageId: 'ami-06aaf5e4b77161786', region: 'eu-west-1', trigger: 'launch-failure' }, config)).toMatchObject({ trigger: 'launch-failure' });
    expect(() => parseImageRequest({ imageId: 'ami-06aaf5e4b77161786', region: 'eu-west-1', trigger: 'cloudtrail' }, config)).toThrow(/trigger/);
    expect(() => parseImageRequest({ imageId: 'not-an-ami', region: 'eu-west-1' }, config)).toThrow(/imageId/);
  });

  it('knows the same calls as events/new-image.pattern.json', () => {
    const pattern = JSON.parse(readFileSync(path.join(__dirname, '../../../events/new-image.pattern.json'), 'utf8'));
    expect(pattern.detail.eventName).toEqual([...IMAGE_CREATING_CALLS]);
    expect(pattern.detail.errorCode).toEqual([{ exists: false }]);
  });
});

describe('copyRequest', () => {
  it('derives the same ClientToken for the same source and key, a new one for a new attempt or key', () => {
    const a = copyRequest({ imageId: 'ami-008c67c239389d171', name: 'golden' }, REGION, ORG_KEY);
    expect(copyRequest({ imageId: 'ami-008c67c239389d171', name: 'golden' }, REGION, ORG_KEY).clientToken).toBe(a.clientToken);
    expect(copyRequest({ imageId: 'ami-008c67c239389d171', name: 'golden' }, REGION, ORG_KEY, 1).clientToken).not.toBe(a.clientToken);
    expect(copyRequest({ imageId: 'ami-008c67c239389d171', name: 'golden' }, REGION, OTHER_CMK).clientToken).not.toBe(a.clientToken);
    expect(a.clientToken).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the copy after its source, within EC2’s rules, and tags it with the source', () => {
    const r = copyRequest({ imageId: 'ami-008c67c239389d171', name: `golden:web*${'x'.repeat(200)}` }, REGION, ORG_KEY);
    expect(r.name).toMatch(/^[A-Za-z0-9()[\] ./'@_-]{3,128}$/);
    expect(r.name).toContain('ami-008c67c239389d171');
    expect(r.description.length).toBeLessThanOrEqual(255);
    expect(r.tags).toEqual({ 'amiwarden:source-image-id': 'ami-008c67c239389d171' });
  });
});

describe('copyIdentity: a copy is amiwarden’s only by what EC2 reports of it', () => {
  const source = { imageId: 'ami-008c67c239389d171', name: 'golden' };
  const copy = { imageId: 'ami-0c0ffee0c0ffee000', ownerId: ACCOUNT, name: copyRequest(source, REGION, ORG_KEY).name, sourceImageId: source.imageId, sourceImageRegion: REGION };

  it('takes the copy EC2 made of the source with the name amiwarden gave it, and reads its generation', () => {
    expect(copyIdentity(copy, source, REGION, ACCOUNT)).toEqual({ copy: true, generation: 0 });
    expect(copyIdentity({ ...copy, name: copyRequest(source, REGION, ORG_KEY, 2).name }, source, REGION, ACCOUNT)).toEqual({ copy: true, generation: 2 });
  });

  it.each([
    ['no SourceImageId (a registered look-alike)', { sourceImageId: undefined }],
    ['a copy of another image', { sourceImageId: 'ami-0aaaaaaaaaaaaaaaa' }],
    ['a copy from another region', { sourceImageRegion: 'eu-west-1' }],
    ['another account’s image', { ownerId: '123456789012' }],
    ['a copy of the source someone else named', { name: 'golden copy' }],
    ['a name that only looks like a later generation', { name: `${copy.name.slice(0, -1)} #1]` }],
    ['the source itself', { imageId: source.imageId }],
  ])('refuses %s', (_label, change) => {
    expect(copyIdentity({ ...copy, ...change }, source, REGION, ACCOUNT)).toMatchObject({ copy: false, reason: expect.any(String) });
  });
});

describe('planSharing', () => {
  const org = 'o-a1b2c3d4e5';
  it('shares with accounts, OUs and the organization, and grants now only for accounts', () => {
    const ou = `arn:aws:organizations::${ACCOUNT}:ou/${org}/ou-ab12-cdef3456`;
    const orgArn = `arn:aws:organizations::${ACCOUNT}:organization/${org}`;
    const plan = planSharing({ centralAccountId: ACCOUNT, organizationId: org, shareTargets: ['111111111111', ou, orgArn, '111111111111'] });
    expect(plan.permissions).toEqual([{ UserId: '111111111111' }, { OrganizationalUnitArn: ou }, { OrganizationArn: orgArn }]);
    expect(plan.accounts).toEqual(['111111111111']);
    expect(plan.deferredTargets).toEqual([ou, orgArn]);
  });

  it('refuses targets outside the organization and the owner itself', () => {
    const foreign = `arn:aws:organizations::222222222222:organization/o-zzzzzzzzzz`;
    const plan = planSharing({ centralAccountId: ACCOUNT, organizationId: org, shareTargets: [foreign, ACCOUNT] });
    expect(plan.permissions).toEqual([]);
    expect(plan.refused.map((r) => r.target)).toEqual([foreign, ACCOUNT]);
  });

  it('adds only missing permissions and keeps within 1,000', () => {
    const current: LaunchPermission[] = Array.from({ length: 999 }, (_, i) => ({ UserId: String(100000000000 + i) }));
    expect(missingPermissions([{ UserId: '100000000000' }], current)).toEqual({ missing: [], withinLimit: true });
    expect(missingPermissions([{ UserId: '111111111111' }], current).withinLimit).toBe(true);
    expect(missingPermissions([{ UserId: '111111111111' }, { UserId: '222222222222' }], current).withinLimit).toBe(false);
  });
});
