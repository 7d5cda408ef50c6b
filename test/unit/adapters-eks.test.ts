/** The EKS adapter on DescribeNodegroup's documented shape: every cluster and node group over all pages, a node group deleted meanwhile skipped. */
import { DescribeNodegroupCommand, EKSClient, ListClustersCommand, ListNodegroupsCommand, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { EKS, toNodegroupView } from '../../adapters/eks';
import { clientSettings } from '../../adapters/aws';
import { LAUNCH_FAILURE_MESSAGE, nodegroupOf } from '../fixtures/eks';
import { MEMBER, REGION, TEMPLATE_ID } from '../fixtures/aws';

const eks = mockClient(EKSClient);
afterEach(() => eks.reset());

describe('the EKS adapter', () => {
  it('reads a node group: its Auto Scaling group, launch template and health issues', () => {
    const view = toNodegroupView('prod', nodegroupOf({ account: MEMBER, region: REGION, autoScalingGroup: 'eks-web-e6b7f3f5', launchTemplateId: TEMPLATE_ID, version: '3', launchFailures: true }));

    expect(view).toEqual({
      cluster: 'prod',
      name: 'web',
      autoScalingGroups: ['eks-web-e6b7f3f5'],
      launchTemplate: { launchTemplateId: TEMPLATE_ID, version: '3' },
      healthIssues: [{ code: 'AsgInstanceLaunchFailures', message: LAUNCH_FAILURE_MESSAGE, resourceIds: ['eks-web-e6b7f3f5'] }],
    });
  });

  it('a node group without a launch template of its own has none (EKS picks its image)', () => {
    const { launchTemplate: _lt, ...plain } = nodegroupOf({ account: MEMBER, region: REGION, autoScalingGroup: 'eks-x', launchTemplateId: TEMPLATE_ID });
    expect(toNodegroupView('prod', { ...plain, amiType: 'AL2023_x86_64_STANDARD' }).launchTemplate).toBeUndefined();
  });

  it('lists every cluster and node group over all pages, and skips one deleted between list and describe', async () => {
    eks.on(ListClustersCommand).callsFake((input: { nextToken?: string }) => (input.nextToken ? { clusters: ['b'] } : { clusters: ['a'], nextToken: 't1' }));
    eks.on(ListNodegroupsCommand).callsFake((input: { clusterName: string; nextToken?: string }) =>
      input.clusterName === 'a' ? (input.nextToken ? { nodegroups: ['a2'] } : { nodegroups: ['a1'], nextToken: 't2' }) : { nodegroups: ['gone'] },
    );
    eks.on(DescribeNodegroupCommand).callsFake((input: { clusterName: string; nodegroupName: string }) => {
      if (input.nodegroupName === 'gone') throw new ResourceNotFoundException({ message: 'No node group found for name: gone.', $metadata: { httpStatusCode: 404 } });
      return { nodegroup: { ...nodegroupOf({ account: MEMBER, region: REGION, autoScalingGroup: `eks-${input.nodegroupName}`, launchTemplateId: TEMPLATE_ID }), nodegroupName: input.nodegroupName, clusterName: input.clusterName } };
    });

    const views = await EKS(clientSettings(REGION, { accessKeyId: 'a', secretAccessKey: 'b' })).nodegroups();

    expect(views!.map((v) => `${v.cluster}/${v.name}:${v.autoScalingGroups.join()}`)).toEqual(['a/a1:eks-a1', 'a/a2:eks-a2']);
  });

  it('is unknown (null), not a failure, when the member role may not list clusters; other errors fail', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: eks:ListClusters'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    eks.on(ListClustersCommand).rejects(denied);
    const adapter = EKS(clientSettings(REGION, { accessKeyId: 'a', secretAccessKey: 'b' }));
    await expect(adapter.nodegroups()).resolves.toBeNull();

    eks.on(ListClustersCommand).rejects(Object.assign(new Error('bad request'), { name: 'InvalidParameterException', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    await expect(adapter.nodegroups()).rejects.toThrow('bad request');
  });
});
