/** EC2 API Reference: EnableImageDeprecation / DisableImageDeprecation, DeprecationTime in DescribeImages. */
import { CreateSnapshotCommand, CreateVolumeCommand, DescribeImagesCommand, DisableImageDeprecationCommand, EC2Client, EnableImageDeprecationCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { failure, useEmulator } from './support';

const emulator = useEmulator();

describe('image deprecation', () => {
  it('lets the owner set a deprecation time (to the minute), shows it in DescribeImages, and clear it', async () => {
    const ec2 = new EC2Client(emulator.config('666666666666'));
    const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 }));
    const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));
    const { ImageId } = await ec2.send(new RegisterImageCommand({ Name: 'to-deprecate', RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshot.SnapshotId! } }] }));

    const enabled = await ec2.send(new EnableImageDeprecationCommand({ ImageId: ImageId!, DeprecateAt: new Date('2026-12-22T10:15:42Z') }));
    expect(enabled.Return).toBe(true);
    const described = await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }));
    expect(described.Images![0]!.DeprecationTime).toBe('2026-12-22T10:15:00.000Z');

    await ec2.send(new DisableImageDeprecationCommand({ ImageId: ImageId! }));
    expect((await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!.DeprecationTime).toBeUndefined();

    const other = new EC2Client(emulator.config('777777777777'));
    const error = await failure(other.send(new EnableImageDeprecationCommand({ ImageId: ImageId!, DeprecateAt: new Date('2026-12-22T10:15:42Z') })));
    expect(error.name).toMatch(/^(InvalidAMIID\.NotFound|AuthFailure)$/);
  });
});
