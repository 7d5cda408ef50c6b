/**
 * EC2 API Reference, GetImageAncestry (EC2 User Guide, "AMI ancestry"): the chain from an AMI back to
 * its root, each entry naming its parent (`SourceImageId`, `SourceImageRegion`) and its creation
 * date; the first entry is the image asked about, the last has no parent. moto has no such call.
 */
import { CopyImageCommand, CreateSnapshotCommand, CreateVolumeCommand, DescribeImagesCommand, EC2Client, GetImageAncestryCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { failure, REGION, useEmulator } from './support';

const emulator = useEmulator();

describe('image ancestry', () => {
  it('follows CopyImage back to the registered image, across regions', async () => {
    const east = new EC2Client(emulator.config('666666666666'));
    const west = new EC2Client({ ...emulator.config('666666666666'), region: 'eu-west-1' });
    const volume = await east.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 }));
    const snapshot = await east.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));
    const root = (await east.send(new RegisterImageCommand({ Name: 'root', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshot.SnapshotId! } }] }))).ImageId!;
    const copy = (await east.send(new CopyImageCommand({ SourceImageId: root, SourceRegion: REGION, Name: 'copy' }))).ImageId!;
    const far = (await west.send(new CopyImageCommand({ SourceImageId: copy, SourceRegion: REGION, Name: 'far' }))).ImageId!;

    const chain = (await west.send(new GetImageAncestryCommand({ ImageId: far }))).ImageAncestryEntries!;
    expect(chain.map((e) => [e.ImageId, e.SourceImageId, e.SourceImageRegion])).toEqual([
      [far, copy, REGION],
      [copy, root, REGION],
      [root, undefined, undefined],
    ]);
    const created = (await west.send(new DescribeImagesCommand({ ImageIds: [far] }))).Images![0]!.CreationDate!;
    expect(chain[0]!.CreationDate?.toISOString().slice(0, 19)).toBe(created.slice(0, 19));
  });

  it('answers InvalidAMIID.NotFound for an image that does not exist', async () => {
    const ec2 = new EC2Client(emulator.config('666666666666'));
    const error = await failure(ec2.send(new GetImageAncestryCommand({ ImageId: 'ami-0123456789abcdef0' })));
    expect(error.name).toBe('InvalidAMIID.NotFound');
  });
});
