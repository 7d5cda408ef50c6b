import { judgeQuota } from '../grant-health';
import type { Check } from './types';

/** The organization key holds 80 % of the 50,000 grants a KMS key may hold (EBS's own grants count): the count and the trend. */
export const keyGrantQuota: Check<'central-key'> = {
  id: 'key-grant-quota',
  scope: 'central-key',
  title: 'The organization key holds 80 % or more of its 50,000-grant quota',
  severity: 'high',
  facts: ['keys.grants', 'grants.history'],
  workflow: null,
  fixPermissions: [],
  runs: ['sweep'],
  evaluate(f) {
    const quota = judgeQuota(f.grantCount ?? f.grants?.length ?? 0, f.grantHealth?.at ?? '', f.grantHealth?.history ?? []);
    if (!quota.atRisk) return null;
    return {
      id: 'key-grant-quota',
      status: 'finding',
      severity: 'high',
      resource: f.keyArn,
      evidence: quota.evidence,
      fix: 'retire grants no longer needed (dead, duplicate, out of scope; EBS retires its own when volumes are deleted), or spread the organization over more keys',
    };
  },
};
