import {
  CopyImageCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CENTRAL, MEMBER, OUTSIDER, REGION, failure, useEmulator } from './support';

describe('EC2/EBS: snapshot keys and images built from snapshots', () => {
  const emulator = useEmulator();
  let ec2: EC2Client;
  let kms: KMSClient;
  let cmkArn: string;
  let ebsKeyArn: string;

  beforeAll(async () => {
    await emulator.get().reset();
    ec2 = new EC2Client(emulator.config(CENTRAL));
    kms = new KMSClient(emulator.config(CENTRAL));
    cmkArn = (await kms.send(new CreateKeyCommand({ Description: 'org AMI key' }))).KeyMetadata!.Arn!;
  });

  /** A snapshot of a fresh volume: encrypted with the default key, a given key, or not at all. */
  async function snapshot(encryption: 'aws/ebs' | 'cmk' | 'none'): Promise<string> {
    const volume = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: `${REGION}a`,
        Size: 8,
        Encrypted: encryption !== 'none',
        KmsKeyId: encryption === 'cmk' ? cmkArn.split('/')[1] : undefined,
      }),
    );
    return (await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }))).SnapshotId!;
  }

  async function image(snapshotId: string, name: string): Promise<string> {
    const { ImageId } = await ec2.send(
      new RegisterImageCommand({
        Name: name,
        RootDeviceName: '/dev/xvda',
        Architecture: 'x86_64',
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId, VolumeType: 'gp3' } }],
      }),
    );
    return ImageId!;
  }

  it('CreateVolume Encrypted without KmsKeyId uses the account default EBS key, alias/aws/ebs (AWS managed)', async () => {
    const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8, Encrypted: true }));
    ebsKeyArn = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!.Arn!;

    expect(volume.KmsKeyId).toBe(ebsKeyArn);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: volume.KmsKeyId }));
    expect(KeyMetadata?.KeyManager).toBe('AWS');
  });

  it('CreateSnapshot keeps the volume key; DescribeSnapshots returns Encrypted and the full KmsKeyId ARN', async () => {
    const onEbs = await snapshot('aws/ebs');
    const onCmk = await snapshot('cmk');
    const plain = await snapshot('none');

    const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [onEbs, onCmk, plain] }));
    const byId = Object.fromEntries(Snapshots!.map((s) => [s.SnapshotId, s]));

    expect(byId[onEbs]).toMatchObject({ Encrypted: true, KmsKeyId: ebsKeyArn });
    expect(byId[onCmk]).toMatchObject({ Encrypted: true, KmsKeyId: cmkArn });
    expect(byId[plain]).toMatchObject({ Encrypted: false });
    expect(byId[plain]?.KmsKeyId).toBeUndefined();
  });

  it('RegisterImage honours BlockDeviceMappings and RootDeviceName (Encrypted and VolumeSize from the snapshot)', async () => {
    const snap = await snapshot('aws/ebs');

    const imageId = await image(snap, 'on-aws-ebs');
    const { Images } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));

    expect(Images?.[0]).toMatchObject({ RootDeviceName: '/dev/xvda', RootDeviceType: 'ebs', OwnerId: CENTRAL });
    expect(Images?.[0]?.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: expect.objectContaining({ SnapshotId: snap, Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' }) },
    ]);
  });

  it('RegisterImage with a snapshot id that does not exist is InvalidSnapshot.NotFound', async () => {
    const error = await failure(
      ec2.send(
        new RegisterImageCommand({
          Name: 'broken',
          RootDeviceName: '/dev/xvda',
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0123456789abcdef0' } }],
        }),
      ),
    );

    expect(error.name).toBe('InvalidSnapshot.NotFound');
  });

  it('CopyImage with Encrypted + KmsKeyId re-encrypts every snapshot with that key; ClientToken is idempotent; CopyImageTags copies tags', async () => {
    const source = await image(await snapshot('aws/ebs'), 'golden');
    await ec2.send(new CreateTagsCommand({ Resources: [source], Tags: [{ Key: 'app', Value: 'web' }] }));
    const input = { SourceImageId: source, SourceRegion: REGION, Name: 'golden-cmk', Encrypted: true, KmsKeyId: cmkArn, CopyImageTags: true, ClientToken: 'reencrypt-golden' };

    const { ImageId } = await ec2.send(new CopyImageCommand(input));
    const retry = await ec2.send(new CopyImageCommand(input));
    const copy = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!;
    const copiedSnapshot = copy.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [copiedSnapshot] }));

    expect(retry.ImageId).toBe(ImageId);
    expect(copy.Tags).toEqual([{ Key: 'app', Value: 'web' }]);
    expect(copy.BlockDeviceMappings![0]!.Ebs!.Encrypted).toBe(true);
    expect(Snapshots?.[0]).toMatchObject({ Encrypted: true, KmsKeyId: cmkArn });
  });

  it('DescribeImages names the source of a CopyImage copy (SourceImageId, SourceImageRegion, and their filters), and no source for a registered image', async () => {
    // EC2 API Reference, Image: SourceImageId / SourceImageRegion "only appear if the AMI was
    // created using CreateImage, CopyImage, or CreateRestoreImageTask".
    const source = await image(await snapshot('aws/ebs'), 'golden-with-source');
    const { ImageId } = await ec2.send(new CopyImageCommand({ SourceImageId: source, SourceRegion: REGION, Name: 'golden-with-source-copy', Encrypted: true, KmsKeyId: cmkArn }));

    const images = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!, source] }))).Images!;
    const copy = images.find((i) => i.ImageId === ImageId);
    const registered = images.find((i) => i.ImageId === source);

    expect(copy).toMatchObject({ ImageId, SourceImageId: source, SourceImageRegion: REGION });
    expect(registered).toBeDefined();
    expect(registered!.SourceImageId).toBeUndefined();
    expect(registered!.SourceImageRegion).toBeUndefined();
    const filtered = await ec2.send(
      new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'source-image-id', Values: [source] }, { Name: 'source-image-region', Values: [REGION] }] }),
    );
    expect(filtered.Images!.map((i) => i.ImageId)).toEqual([ImageId]);
  });

  it('CopyImage of an encrypted source without Encrypted keeps it encrypted with the source key', async () => {
    const source = await image(await snapshot('aws/ebs'), 'still-encrypted');

    const { ImageId } = await ec2.send(new CopyImageCommand({ SourceImageId: source, SourceRegion: REGION, Name: 'plain-copy' }));
    const copy = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!;
    const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [copy.BlockDeviceMappings![0]!.Ebs!.SnapshotId!] }));

    expect(Snapshots?.[0]).toMatchObject({ Encrypted: true, KmsKeyId: ebsKeyArn });
  });

  it('an AMI shared with an account (LaunchPermission UserId) is visible to it with OwnerId = the owner, and to no one else', async () => {
    const shared = await image(await snapshot('cmk'), 'shared');
    await ec2.send(new ModifyImageAttributeCommand({ ImageId: shared, LaunchPermission: { Add: [{ UserId: MEMBER }] } }));
    const member = new EC2Client(emulator.config(MEMBER));
    const outsider = new EC2Client(emulator.config(OUTSIDER));

    const byId = await member.send(new DescribeImagesCommand({ ImageIds: [shared] }));
    const executable = await member.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }));
    const owned = await member.send(new DescribeImagesCommand({ Owners: ['self'] }));

    expect(byId.Images?.[0]).toMatchObject({ ImageId: shared, OwnerId: CENTRAL });
    expect(executable.Images?.map((i) => i.ImageId)).toEqual([shared]);
    expect(owned.Images).toEqual([]);
    expect((await failure(outsider.send(new DescribeImagesCommand({ ImageIds: [shared] })))).name).toBe('InvalidAMIID.NotFound');
  });
});
