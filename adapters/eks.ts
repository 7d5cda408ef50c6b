/**
 * EKS, read-only: an account's managed node groups, what each launches from, the Auto Scaling
 * groups EKS runs for it, and the health issues EKS reports (DescribeNodegroup `health.issues`,
 * e.g. `AsgInstanceLaunchFailures`). A node group's instances always launch as the account's
 * default AWSServiceRoleForAutoScaling (no custom role possible: aws/containers-roadmap#1698).
 */
import { DescribeNodegroupCommand, EKSClient, ListClustersCommand, ListNodegroupsCommand, type Nodegroup } from '@aws-sdk/client-eks';
import { ACCESS_DENIED_CODES, call, hasCode, type ClientSettings } from './aws';
import type { LaunchTemplateRef } from './autoscaling';

export interface NodegroupHealthIssue {
  code: string;
  message: string;
  resourceIds: string[];
}

export interface NodegroupView {
  cluster: string;
  name: string;
  /** The Auto Scaling groups EKS runs for the node group (`resources.autoScalingGroups`). */
  autoScalingGroups: string[];
  /** The node group's own launch template, when it has one (otherwise EKS picks an EKS-optimized AMI). */
  launchTemplate?: LaunchTemplateRef;
  healthIssues: NodegroupHealthIssue[];
}

export function toNodegroupView(cluster: string, nodegroup: Nodegroup): NodegroupView {
  const lt = nodegroup.launchTemplate;
  return {
    cluster,
    name: nodegroup.nodegroupName ?? '',
    autoScalingGroups: (nodegroup.resources?.autoScalingGroups ?? []).flatMap((g) => (g.name ? [g.name] : [])),
    ...(lt && (lt.id || lt.name)
      ? { launchTemplate: { ...(lt.id ? { launchTemplateId: lt.id } : { launchTemplateName: lt.name! }), ...(lt.version ? { version: lt.version } : {}) } }
      : {}),
    healthIssues: (nodegroup.health?.issues ?? []).map((i) => ({ code: i.code ?? '', message: i.message ?? '', resourceIds: i.resourceIds ?? [] })),
  };
}

export class EksAdapter {
  constructor(private readonly client: EKSClient) {}

  /**
   * Every managed node group of every cluster of the account in this region (all pages); null when
   * the member role may not list clusters (a member stack from before amiwarden read EKS): unknown,
   * not a failure, and the node groups' Auto Scaling groups are then judged as plain groups.
   */
  async nodegroups(): Promise<NodegroupView[] | null> {
    try {
      return await this.allNodegroups();
    } catch (error) {
      if (hasCode(error, ...ACCESS_DENIED_CODES)) return null;
      throw error;
    }
  }

  private async allNodegroups(): Promise<NodegroupView[]> {
    const clusters: string[] = [];
    let token: string | undefined;
    do {
      const out = await call('eks:ListClusters', () => this.client.send(new ListClustersCommand({ maxResults: 100, ...(token ? { nextToken: token } : {}) })));
      clusters.push(...(out.clusters ?? []));
      token = out.nextToken;
    } while (token);
    const names = (
      await Promise.all(
        clusters.map(async (cluster) => {
          const found: { cluster: string; name: string }[] = [];
          let next: string | undefined;
          do {
            const out = await call('eks:ListNodegroups', () =>
              this.client.send(new ListNodegroupsCommand({ clusterName: cluster, maxResults: 100, ...(next ? { nextToken: next } : {}) })),
            );
            found.push(...(out.nodegroups ?? []).map((name) => ({ cluster, name })));
            next = out.nextToken;
          } while (next);
          return found;
        }),
      )
    ).flat();
    // One at a time: EKS allows 30 managed node groups per cluster (service quota).
    const views: NodegroupView[] = [];
    for (const { cluster, name } of names) {
      try {
        const out = await call('eks:DescribeNodegroup', () => this.client.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name })));
        if (out.nodegroup) views.push(toNodegroupView(cluster, out.nodegroup));
      } catch (error) {
        // Deleted between the list and the describe.
        if (!hasCode(error, 'ResourceNotFoundException')) throw error;
      }
    }
    return views;
  }
}

export const EKS = (settings: ClientSettings) => new EksAdapter(new EKSClient(settings));
