import { GRANT_FACTS, GRANT_REPAIR_PERMISSIONS, grantResults } from './grant-issues';
import type { Check } from './types';

/** A grant's grantee is the unique id of a deleted (or re-created) role: it gives the current role nothing (core/grant-health.ts judgeGrants, docs/grant-health.md). */
export const grantDead: Check<'central-key'> = {
  id: 'grant-dead',
  scope: 'central-key',
  title: "A grant's grantee is the unique id of a deleted (or re-created) role: it gives the current role nothing",
  severity: 'medium',
  facts: GRANT_FACTS,
  workflow: 'grant-health',
  fixPermissions: GRANT_REPAIR_PERMISSIONS,
  runs: ['sweep'],
  evaluate: (f) => grantResults(f, 'dead', 'grant-dead', 'medium'),
};
