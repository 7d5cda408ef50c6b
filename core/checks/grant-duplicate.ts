import { GRANT_FACTS, GRANT_REPAIR_PERMISSIONS, grantResults } from './grant-issues';
import type { Check } from './types';

/** A role holds more than one grant that covers it (core/grant-health.ts judgeGrants, docs/grant-health.md). */
export const grantDuplicate: Check<'central-key'> = {
  id: 'grant-duplicate',
  scope: 'central-key',
  title: "A role holds more than one grant that covers it",
  severity: 'low',
  facts: GRANT_FACTS,
  workflow: 'grant-health',
  fixPermissions: GRANT_REPAIR_PERMISSIONS,
  runs: ['sweep'],
  evaluate: (f) => grantResults(f, 'duplicate', 'grant-duplicate', 'low'),
};
