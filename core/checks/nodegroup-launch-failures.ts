import type { Check } from './types';

/** The EKS health issue code a node group reports when its Auto Scaling group cannot launch (EKS API Reference, Issue). */
export const ASG_INSTANCE_LAUNCH_FAILURES = 'AsgInstanceLaunchFailures';

/**
 * EKS reports `AsgInstanceLaunchFailures` for a managed node group that launches central images on
 * a configured key. Its instances launch as the account's default Auto Scaling role (no custom role
 * is possible for a node group): the finding says whether that role holds the grant on each key,
 * so that a missing grant (which the node group's own row fixes) and a failure with the grant in
 * place (not the key's doing) read apart.
 */
export const nodegroupLaunchFailures: Check<'account'> = {
  id: 'nodegroup-launch-failures',
  scope: 'account',
  title: 'An EKS managed node group on the organization key reports AsgInstanceLaunchFailures',
  severity: 'high',
  facts: ['nodegroups', 'keys.grants'],
  workflow: null,
  fixPermissions: [],
  runs: ['sweep'],
  evaluate(f) {
    return (f.nodegroups ?? []).flatMap((ng) => {
      const issue = ng.issues.find((i) => i.code === ASG_INSTANCE_LAUNCH_FAILURES);
      if (!issue || ng.keys.length === 0) return [];
      const missing = ng.keys.filter((k) => !k.grantPresent);
      const where = issue.resourceIds.length > 0 ? ` (${issue.resourceIds.join(', ')})` : '';
      return [
        {
          id: 'nodegroup-launch-failures',
          status: 'finding' as const,
          severity: missing.length > 0 ? ('high' as const) : ('medium' as const),
          resource: `nodegroup/${ng.name}`,
          evidence:
            `EKS reports ${ASG_INSTANCE_LAUNCH_FAILURES}${where}: ${issue.message.slice(0, 300)}; the node group launches from ${ng.keys.map((k) => k.keyArn).join(', ')} as ${ng.principal}, ` +
            (missing.length > 0 ? `which holds no grant on ${missing.map((k) => k.keyArn).join(', ')}` : 'which holds the grant on it: the failures are not for want of key access'),
          fix:
            missing.length > 0
              ? `the grant for ${ng.principal} is the node group's missing-grant remediation (enforce mode or amiwarden remediate); then EKS retries the launches`
              : 'look at the Auto Scaling group\'s scaling activities: the key is usable by the role that launches',
        },
      ];
    });
  },
};
