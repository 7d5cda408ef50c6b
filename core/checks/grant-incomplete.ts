import { GRANT_FACTS, GRANT_REPAIR_PERMISSIONS, grantResults } from './grant-issues';
import type { Check } from './types';

/** An Auto Scaling role's only grants on the organization key lack operations Auto Scaling needs (core/grant-health.ts judgeGrants, docs/grant-health.md). */
export const grantIncomplete: Check<'central-key'> = {
  id: 'grant-incomplete',
  scope: 'central-key',
  title: "An Auto Scaling role's only grants on the organization key lack operations Auto Scaling needs",
  severity: 'high',
  facts: GRANT_FACTS,
  workflow: 'grant-health',
  fixPermissions: GRANT_REPAIR_PERMISSIONS,
  runs: ['sweep'],
  evaluate: (f) => grantResults(f, 'incomplete', 'grant-incomplete', 'high'),
};
