import { launcherResource, where } from './launch';
import type { Check } from './types';

/** The launcher named by the event or the request is gone. */
export const asgNotFound: Check<'launcher'> = {
  id: 'asg-not-found',
  scope: 'launcher',
  title: 'The Auto Scaling group (or other launcher) no longer exists',
  severity: 'low',
  facts: ['launcher'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis'],
  evaluate(f) {
    if (f.launcher?.found) return null;
    return { id: 'asg-not-found', status: 'finding', severity: 'low', resource: launcherResource(f), evidence: `${where(f)} no longer exists`, fix: null };
  },
};
