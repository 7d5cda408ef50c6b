import { looksLikeKmsFailure } from './kms-symptoms';
import type { AccountFacts, Check } from './types';

/** Recent failed or cancelled scaling activities that look like KMS failures (the sweep's backstop for lost events). */
export const asgRecentKmsLaunchFailures: Check<'account'> = {
  id: 'asg-recent-kms-launch-failures',
  scope: 'account',
  title: 'Auto Scaling groups failed to launch recently with a KMS-looking message',
  severity: 'medium',
  facts: ['activities'],
  workflow: null,
  fixPermissions: [],
  runs: ['sweep'],
  /** One result per group: its first KMS-looking failure. */
  evaluate(f) {
    const failing = new Map<string, NonNullable<AccountFacts['activities']>[number]>();
    for (const a of f.activities ?? []) {
      if (['Failed', 'Cancelled'].includes(a.statusCode) && looksLikeKmsFailure(a.statusMessage) && !failing.has(a.autoScalingGroupName)) failing.set(a.autoScalingGroupName, a);
    }
    return [...failing].map(([name, a]) => ({
      id: 'asg-recent-kms-launch-failures',
      status: 'finding' as const,
      severity: 'medium' as const,
      resource: `autoScalingGroup/${name}`,
      evidence: `${a.statusCode}${a.time ? ` at ${a.time}` : ''}: ${a.statusMessage.slice(0, 300)}`,
      fix: 'diagnose it (amiwarden remediate-asg)',
    }));
  },
};
