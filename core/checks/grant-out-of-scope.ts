import { GRANT_FACTS, GRANT_REPAIR_PERMISSIONS, grantResults } from './grant-issues';
import type { Check } from './types';

/** A grant of an account that left the organization or the target OUs (core/grant-health.ts judgeGrants, docs/grant-health.md). */
export const grantOutOfScope: Check<'central-key'> = {
  id: 'grant-out-of-scope',
  scope: 'central-key',
  title: "A grant of an account that left the organization or the target OUs",
  severity: 'medium',
  facts: GRANT_FACTS,
  workflow: 'grant-health',
  fixPermissions: GRANT_REPAIR_PERMISSIONS,
  runs: ['sweep'],
  evaluate: (f) => grantResults(f, 'out-of-scope', 'grant-out-of-scope', 'medium'),
};
