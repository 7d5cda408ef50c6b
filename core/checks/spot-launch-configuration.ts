import { launcherResource, usedKeys, where } from './launch';
import type { Check } from './types';

/** Spot from a launch configuration launches as the EC2 Spot role, not the group's Auto Scaling role. */
export const spotLaunchConfiguration: Check<'launcher'> = {
  id: 'spot-launch-configuration',
  scope: 'launcher',
  title: 'The group requests Spot Instances from a launch configuration: they launch as AWSServiceRoleForEC2Spot',
  severity: 'high',
  facts: ['launcher', 'images', 'keys'],
  workflow: null,
  fixPermissions: [],
  runs: ['diagnosis', 'sweep'],
  evaluate(f) {
    const spotConfig = f.launcher?.spotLaunchConfiguration;
    if (spotConfig === undefined) return null;
    const spotRole = `arn:${f.partition}:iam::${f.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`;
    return {
      id: 'spot-launch-configuration',
      status: 'finding',
      severity: 'high',
      resource: launcherResource(f),
      evidence: `${where(f)} requests Spot Instances from launch configuration ${spotConfig}: they launch as ${spotRole}, not as the group's Auto Scaling role, and amiwarden grants only to the Auto Scaling role`,
      fix: `Move the group to a launch template (Spot through a launch template launches as the Auto Scaling role, which amiwarden grants to), or let ${spotRole} use ${usedKeys(f).map((k) => k.keyArn).join(', ')} yourself.`,
    };
  },
};
