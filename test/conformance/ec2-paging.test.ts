/** EC2 API Reference: DescribeImages and DescribeSnapshots answer in pages of MaxResults, with a NextToken. */
import { CreateSnapshotCommand, CreateVolumeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { failure, useEmulator } from './support';

const emulator = useEmulator();

describe('paged EC2 descriptions', () => {
  it('DescribeImages and DescribeSnapshots return at most MaxResults items, and every item once across the pages', async () => {
    const ec2 = new EC2Client(emulator.config('555555555555'));
    const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8 }));
    const snapshots: string[] = [];
    for (let i = 0; i < 7; i++) snapshots.push((await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }))).SnapshotId!);
    const images: string[] = [];
    for (let i = 0; i < 12; i++) {
      const out = await ec2.send(new RegisterImageCommand({ Name: `paged-${i}`, RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshots[i % 7]! } }] }));
      images.push(out.ImageId!);
    }

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const out = await ec2.send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 5, ...(token ? { NextToken: token } : {}) }));
      pageSizes.push(out.Images!.length);
      seen.push(...out.Images!.map((i) => i.ImageId!));
      token = out.NextToken;
    } while (token);
    expect(pageSizes).toEqual([5, 5, 2]);
    expect(seen.sort()).toEqual([...images].sort());

    const first = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: 5 }));
    expect(first.Snapshots).toHaveLength(5);
    const second = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: 5, NextToken: first.NextToken }));
    expect(second.NextToken).toBeUndefined();
    expect([...first.Snapshots!, ...second.Snapshots!].map((s) => s.SnapshotId).sort()).toEqual(expect.arrayContaining(snapshots));
  });

  it('refuses a MaxResults outside 5 to 1,000', async () => {
    const ec2 = new EC2Client(emulator.config('555555555555'));
    const error = await failure(ec2.send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 2 })));
    expect(error.name).toBe('InvalidParameterValue');
  });
});
