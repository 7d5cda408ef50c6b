/**
 * The publish step's ordering of builds for copies: a copy's age is its source's, as EC2 reports
 * the source through SourceImageId, so that a newer build copied earlier than an older one's copy
 * still moves the pointer (and an older build never does). SDK responses mocked in AWS's shapes.
 */
import { DescribeImagesCommand, DescribeImageAttributeCommand, DescribeSnapshotsCommand, EC2Client, EnableImageDeprecationCommand, GetImageAncestryCommand, type Image } from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../core/config';
import { publishImage } from '../../../services/pointers';
import { awsContext } from '../../../services/aws-context';
import { CENTRAL, CMK_ARN, REGION, TEST_ENV } from '../../fixtures/aws';

const config = loadConfig({ ...TEST_ENV, AMIWARDEN_IMAGE_FAMILY_TAG: 'family' });
const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);

const image = (id: string, created: string, extra: Partial<Image> = {}): Image => ({
  ImageId: id,
  OwnerId: CENTRAL,
  State: 'available',
  CreationDate: created,
  Name: id,
  Tags: [{ Key: 'family', Value: 'web' }],
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id.slice(4)}`, Encrypted: true, VolumeSize: 8 } }],
  ...extra,
});

function world(images: Image[], pointsAt: string) {
  ec2Mock.reset();
  ssmMock.reset();
  let value = pointsAt;
  ec2Mock.on(DescribeImagesCommand).callsFake((input: { Filters?: { Values?: string[] }[] }) => ({
    $metadata: { httpStatusCode: 200 },
    Images: images.filter((i) => input.Filters?.[0]?.Values?.includes(i.ImageId!)),
  }));
  ec2Mock.on(DescribeSnapshotsCommand).callsFake((input: { SnapshotIds: string[] }) => ({ Snapshots: input.SnapshotIds.map((SnapshotId) => ({ SnapshotId, OwnerId: CENTRAL, Encrypted: true, KmsKeyId: CMK_ARN, State: 'completed' })) }));
  ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] });
  ec2Mock.on(EnableImageDeprecationCommand).resolves({ Return: true });
  // GetImageAncestry as EC2 answers it: the image, then each SourceImageId back to the root.
  ec2Mock.on(GetImageAncestryCommand).callsFake((input: { ImageId: string }) => {
    const chain = [];
    for (let i = images.find((x) => x.ImageId === input.ImageId); i; i = images.find((x) => x.ImageId === i!.SourceImageId)) {
      chain.push({ ImageId: i.ImageId, CreationDate: new Date(i.CreationDate!), ...(i.SourceImageId ? { SourceImageId: i.SourceImageId, SourceImageRegion: REGION } : {}) });
    }
    return { ImageAncestryEntries: chain };
  });
  ssmMock.on(GetParameterCommand).callsFake(() => ({ Parameter: { Name: '/amiwarden/images/web', Value: value, Version: 1, Type: 'String', DataType: 'aws:ec2:image' } }));
  ssmMock.on(PutParameterCommand).callsFake((input: { Value: string }) => {
    value = input.Value;
    return { Version: 2, Tier: 'Advanced' };
  });
}

const S1 = 'ami-0000000000000a001'; // built 11-03, copied 11-05 as C1
const C1 = 'ami-0000000000000c001';
const S2 = 'ami-0000000000000a002'; // built 11-04, copied at once (11-04 12:00, before C1) as C2
const C2 = 'ami-0000000000000c002';
const S0 = 'ami-0000000000000a000'; // built 11-02 (older than S1), copied 11-07 as C0
const C0 = 'ami-0000000000000c000';

const IMAGES = [
  image(S1, '2026-11-03T00:00:00.000Z'),
  image(C1, '2026-11-05T00:00:00.000Z', { SourceImageId: S1 }),
  image(S2, '2026-11-04T00:00:00.000Z'),
  image(C2, '2026-11-04T12:00:00.000Z', { SourceImageId: S2 }),
  image(S0, '2026-11-02T00:00:00.000Z'),
  image(C0, '2026-11-07T00:00:00.000Z', { SourceImageId: S0 }),
];

const run = (sourceImageId: string, imageId: string) =>
  publishImage({ sourceImageId, imageId, region: REGION, dryRun: false, imageExists: true }, config, awsContext(config));

afterAll(() => {
  ec2Mock.restore();
  ssmMock.restore();
});

describe('publish: which build the pointer names', () => {
  it('moves from C1 to C2: S2 was built after S1, though C1 itself was made after S2 was built', async () => {
    world(IMAGES, C1);
    const outcome = await run(S2, C2);
    expect(outcome.pointer).toMatchObject({ outcome: 'updated', previousImageId: C1, imageId: C2 });
    expect(ssmMock.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({ Name: '/amiwarden/images/web', Value: C2, DataType: 'aws:ec2:image', Tier: 'Advanced', Overwrite: true });
  });

  it('keeps C1 for C0, a copy made later of an older build', async () => {
    world(IMAGES, C1);
    const outcome = await run(S0, C0);
    expect(outcome.pointer).toMatchObject({ outcome: 'kept-newer', previousImageId: C1 });
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('reports a value SSM did not keep (its asynchronous aws:ec2:image check) instead of claiming the update', async () => {
    world(IMAGES, C1);
    ssmMock.on(PutParameterCommand).resolves({ Version: 2, Tier: 'Advanced' }); // accepted, then dropped
    const outcome = await run(S2, C2);
    expect(outcome.pointer).toMatchObject({ outcome: 'submitted', finding: expect.stringContaining(C1) });
  });

  it('does not point at a copy whose snapshot is not on the organization key', async () => {
    world(IMAGES, C1);
    ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: `snap-${C2.slice(4)}`, OwnerId: CENTRAL, Encrypted: true, KmsKeyId: `arn:aws:kms:${REGION}:${CENTRAL}:key/11111111-2222-3333-4444-555555555555` }] });
    const outcome = await run(S2, C2);
    expect(outcome.pointer.outcome).toBe('not-launchable');
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('ages a copy of a copy by its root build, as EC2’s ancestry names it', async () => {
    // R3 was built 11-06 and copied twice (11-08, 11-09); C1 holds S1 (built 11-03). R3's build is newer.
    const R3 = 'ami-0000000000000a003';
    const M3 = 'ami-0000000000000b003';
    const C3 = 'ami-0000000000000c003';
    const chain = [...IMAGES, image(R3, '2026-11-06T00:00:00.000Z'), image(M3, '2026-11-08T00:00:00.000Z', { SourceImageId: R3 }), image(C3, '2026-11-09T00:00:00.000Z', { SourceImageId: M3 })];
    world(chain, C1);
    const outcome = await run(M3, C3);
    expect(outcome.pointer).toMatchObject({ outcome: 'updated', imageId: C3 });
    expect(outcome.lineage.ancestry).toEqual({
      from: 'GetImageAncestry',
      chain: [
        { imageId: C3, sourceImageId: M3, sourceImageRegion: REGION, creationDate: '2026-11-09T00:00:00.000Z' },
        { imageId: M3, sourceImageId: R3, sourceImageRegion: REGION, creationDate: '2026-11-08T00:00:00.000Z' },
        { imageId: R3, creationDate: '2026-11-06T00:00:00.000Z' },
      ],
    });
  });

  it('keeps a newer build against a copy of a copy of an older one, and follows SourceImageId itself where EC2 has no GetImageAncestry', async () => {
    // R4 built 11-01 (older than S1's 11-03), copied twice later: never pointed at.
    const R4 = 'ami-0000000000000a004';
    const M4 = 'ami-0000000000000b004';
    const C4 = 'ami-0000000000000c004';
    const chain = [...IMAGES, image(R4, '2026-11-01T00:00:00.000Z'), image(M4, '2026-11-10T00:00:00.000Z', { SourceImageId: R4 }), image(C4, '2026-11-11T00:00:00.000Z', { SourceImageId: M4 })];
    world(chain, C1);
    ec2Mock.on(GetImageAncestryCommand).rejects(Object.assign(new Error('The action GetImageAncestry is not valid for this web service.'), { name: 'InvalidAction', $metadata: { httpStatusCode: 400 } }));
    const outcome = await run(M4, C4);
    expect(outcome.pointer).toMatchObject({ outcome: 'kept-newer', previousImageId: C1 });
    expect(outcome.lineage.ancestry).toMatchObject({ from: 'DescribeImages', chain: [{ imageId: C4, sourceImageId: M4 }, { imageId: M4, sourceImageId: R4 }, { imageId: R4 }] });
  });

  it('reports the chain it followed itself when EC2 refuses the ancestry call for a reason of its own, and still publishes', async () => {
    world(IMAGES, C1);
    ec2Mock.on(GetImageAncestryCommand).rejects(Object.assign(new Error('The request is not valid.'), { name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } }));
    const outcome = await run(S2, C2);
    expect(outcome.pointer.outcome).toBe('updated');
    expect(outcome.lineage.ancestry).toMatchObject({ from: 'DescribeImages', chain: [{ imageId: C2, sourceImageId: S2 }, { imageId: S2 }] });
  });
});
