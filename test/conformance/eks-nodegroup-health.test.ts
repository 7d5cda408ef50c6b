/**
 * EKS managed node groups: DescribeNodegroup reports a node group's own health issues in AWS's
 * shape (EKS API Reference, NodegroupHealth / Issue: code AsgInstanceLaunchFailures with EC2's
 * message and the Auto Scaling group as resourceIds). moto reports none and shares one health
 * object between all node groups; the emulator's feed stands for the launches moto never makes.
 */
import { CreateClusterCommand, CreateNodegroupCommand, DescribeNodegroupCommand, EKSClient, ListClustersCommand, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { MEMBER, REGION, useEmulator } from './support';

const MESSAGE = 'Instance became unhealthy while waiting for instance to be in InService state. Termination Reason: Client.InternalError: Client error on launch';

describe('EKS: managed node group health', () => {
  const emulator = useEmulator();
  let eks: EKSClient;

  beforeAll(async () => {
    await emulator.get().reset();
    eks = new EKSClient(emulator.config(MEMBER));
    await new EC2Client(emulator.config(MEMBER)).send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'golden', LaunchTemplateData: { ImageId: 'ami-0abcdef1234567890', InstanceType: 't3.micro' } }),
    );
    await eks.send(new CreateClusterCommand({ name: 'prod', roleArn: `arn:aws:iam::${MEMBER}:role/eks-cluster`, resourcesVpcConfig: { subnetIds: ['subnet-1'] } }));
    for (const name of ['web', 'batch']) {
      await eks.send(
        new CreateNodegroupCommand({
          clusterName: 'prod',
          nodegroupName: name,
          nodeRole: `arn:aws:iam::${MEMBER}:role/eks-node`,
          subnets: ['subnet-1'],
          launchTemplate: { name: 'golden', version: '1' },
        }),
      );
    }
  });

  const describe_ = async (name: string) => (await eks.send(new DescribeNodegroupCommand({ clusterName: 'prod', nodegroupName: name }))).nodegroup!;

  it('a new node group reports no issue, and names its Auto Scaling group and launch template', async () => {
    const nodegroup = await describe_('web');

    expect(nodegroup.health).toEqual({ issues: [] });
    expect(nodegroup.resources?.autoScalingGroups?.[0]?.name).toMatch(/^eks-/);
    expect(nodegroup.launchTemplate).toMatchObject({ name: 'golden', version: '1' });
  });

  it('reports the issues fed for one node group, in AWS shape, and only for that one', async () => {
    const asg = (await describe_('web')).resources!.autoScalingGroups![0]!.name!;
    const fed = await emulator.get().feedNodegroupHealth({
      account: MEMBER,
      region: REGION,
      clusterName: 'prod',
      nodegroupName: 'web',
      issues: [{ code: 'AsgInstanceLaunchFailures', message: MESSAGE, resourceIds: [asg] }],
    });

    expect(fed).toBe(1);
    expect((await describe_('web')).health).toEqual({ issues: [{ code: 'AsgInstanceLaunchFailures', message: MESSAGE, resourceIds: [asg] }] });
    expect((await describe_('batch')).health).toEqual({ issues: [] });
  });

  it('refuses an issue code EKS does not document, and a node group that does not exist', async () => {
    const at = { account: MEMBER, region: REGION, clusterName: 'prod' };
    await expect(emulator.get().feedNodegroupHealth({ ...at, nodegroupName: 'web', issues: [{ code: 'KmsKeyNotUsable', message: 'x' }] })).rejects.toThrow(/not an EKS node group issue code/);
    await expect(emulator.get().feedNodegroupHealth({ ...at, nodegroupName: 'nope', issues: [] })).rejects.toThrow(/no node group/);
  });

  it('lists clusters and node groups, and the call log names the operations', async () => {
    await emulator.get().clearCalls();

    expect((await eks.send(new ListClustersCommand({}))).clusters).toEqual(['prod']);
    expect((await eks.send(new ListNodegroupsCommand({ clusterName: 'prod' }))).nodegroups?.sort()).toEqual(['batch', 'web']);
    await describe_('web');

    expect((await emulator.get().calls()).map((c) => `${c.service}:${c.action}:${c.account}`)).toEqual([
      `eks:ListClusters:${MEMBER}`,
      `eks:ListNodegroups:${MEMBER}`,
      `eks:DescribeNodegroup:${MEMBER}`,
    ]);
  });
});
