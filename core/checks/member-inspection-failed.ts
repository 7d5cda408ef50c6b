import type { Check } from './types';

/** The sweep has no inventory of an account: its groups went unchecked, and the report says so. */
export const memberInspectionFailed: Check<'account'> = {
  id: 'member-inspection-failed',
  scope: 'account',
  title: 'The sweep could not inspect the member account',
  severity: 'medium',
  facts: ['member.role'],
  workflow: null,
  fixPermissions: [],
  runs: ['sweep'],
  evaluate(f) {
    if (!f.inspection) return null;
    return {
      id: 'member-inspection-failed',
      status: 'finding',
      severity: 'medium',
      resource: f.account,
      evidence: f.inspection.detail,
      fix: f.inspection.status === 'missing' ? 'see the sweep execution for the failed item, then sweep again' : 'see the sweep execution for the error',
    };
  },
};
