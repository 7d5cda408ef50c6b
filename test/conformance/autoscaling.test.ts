import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { feedScalingActivities, MEMBER, REGION, slrArn, useEmulator } from './support';

describe('Auto Scaling: the group service-linked role and its scaling activities', () => {
  const emulator = useEmulator();
  let asg: AutoScalingClient;

  beforeAll(async () => {
    await emulator.get().reset();
    asg = new AutoScalingClient(emulator.config(MEMBER));
    // The AMI belongs to another account and is not visible here: AWS accepts the group anyway.
    await new EC2Client(emulator.config(MEMBER)).send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: 'ami-0abcdef1234567890', InstanceType: 't3.micro' } }),
    );
  });

  const create = (name: string, serviceLinkedRoleArn?: string) =>
    asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateName: 'web', Version: '$Default' },
        MinSize: 0,
        MaxSize: 2,
        AvailabilityZones: [`${REGION}a`],
        ServiceLinkedRoleARN: serviceLinkedRoleArn,
      }),
    );

  it('CreateAutoScalingGroup stores ServiceLinkedRoleARN (custom suffix) and DescribeAutoScalingGroups echoes it', async () => {
    await create('custom-slr', slrArn(MEMBER, 'web'));

    const { AutoScalingGroups } = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['custom-slr'] }));

    expect(AutoScalingGroups?.[0]?.ServiceLinkedRoleARN).toBe(slrArn(MEMBER, 'web'));
  });

  it('without ServiceLinkedRoleARN the group uses AWSServiceRoleForAutoScaling', async () => {
    await create('default-slr');

    const { AutoScalingGroups } = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['default-slr'] }));

    expect(AutoScalingGroups?.[0]?.ServiceLinkedRoleARN).toBe(slrArn(MEMBER));
  });

  it('DescribeScalingActivities returns activities fed through /amiwarden/autoscaling/activities, in AWS shape', async () => {
    const statusMessage =
      'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch';
    const status = await feedScalingActivities(emulator.get(), { account: MEMBER, region: REGION, autoScalingGroupName: 'custom-slr' }, [
      { StatusCode: 'Cancelled', StatusMessage: statusMessage, Description: 'Launching a new EC2 instance: i-0123', Cause: 'capacity' },
    ]);
    expect(status).toBe(200);

    const { Activities } = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'custom-slr' }));
    const other = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'default-slr' }));

    expect(Activities).toEqual([
      expect.objectContaining({ AutoScalingGroupName: 'custom-slr', StatusCode: 'Cancelled', StatusMessage: statusMessage, Progress: 100 }),
    ]);
    expect(Activities?.[0]?.StartTime).toBeInstanceOf(Date);
    expect(other.Activities).toEqual([]);
  });
});
