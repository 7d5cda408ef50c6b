/**
 * The service-linked roles that launch instances for a member account, one per launch path, and
 * the one check of a grantee that both grant paths make. Each role's ARN is the one IAM itself
 * reports (CreateServiceLinkedRole, GetRole): `role/aws-service-role/<service>/<name>`.
 *
 * The EC2 Fleet role: the EC2 User Guide's "EC2 Fleet prerequisites" page shows its grant with
 * `arn:aws:iam::<account>:role/AWSServiceRoleForEC2Fleet` (no path), while IAM creates it as
 * `role/aws-service-role/ec2fleet.amazonaws.com/AWSServiceRoleForEC2Fleet`. amiwarden relies on the
 * path form, the ARN IAM returns for the role (docs/launch-paths.md; both forms are pinned in
 * test/conformance/launch-roles.test.ts): a path-less ARN is refused as a grantee, as the member
 * role's policy refuses it (a role of that name outside the service-role path is anyone's to create).
 */
import { parseServiceLinkedRoleArn, serviceLinkedRoleArn, type Partition } from './identifiers';

/** The launch paths with a service-linked role of their own, besides Auto Scaling. */
export type LaunchRoleKind = 'spot' | 'spot-fleet' | 'ec2-fleet';

export const LAUNCH_ROLES: Record<LaunchRoleKind, { service: string; roleName: string; path: string; label: string }> = {
  // Spot Instances requested by a launch configuration (EC2 User Guide, "Service-linked role for Spot Instance requests").
  spot: { service: 'spot.amazonaws.com', roleName: 'AWSServiceRoleForEC2Spot', path: '/aws-service-role/spot.amazonaws.com/', label: 'EC2 Spot' },
  // EC2 User Guide, "Spot Fleet permissions": the role that must be able to use a customer managed key.
  'spot-fleet': { service: 'spotfleet.amazonaws.com', roleName: 'AWSServiceRoleForEC2SpotFleet', path: '/aws-service-role/spotfleet.amazonaws.com/', label: 'Spot Fleet' },
  // EC2 User Guide, "EC2 Fleet prerequisites": fleets of type maintain and request (instant needs no role).
  'ec2-fleet': { service: 'ec2fleet.amazonaws.com', roleName: 'AWSServiceRoleForEC2Fleet', path: '/aws-service-role/ec2fleet.amazonaws.com/', label: 'EC2 Fleet' },
};

/** `arn:<partition>:iam::<account>:role/aws-service-role/<service>/<name>`. */
export function launchRoleArn(partition: Partition, account: string, kind: LaunchRoleKind): string {
  const role = LAUNCH_ROLES[kind];
  return `arn:${partition}:iam::${account}:role${role.path}${role.roleName}`;
}

export interface LaunchRole {
  arn: string;
  partition: Partition;
  account: string;
  roleName: string;
  /** The service the role is linked to (what CreateServiceLinkedRole takes). */
  service: string;
  /** Auto Scaling roles only: the part after `AWSServiceRoleForAutoScaling_`. */
  customSuffix?: string;
}

const LAUNCH_ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role(\/aws-service-role\/[a-z0-9.]+\/)([\w+=,.@-]+)$/;

/**
 * The one check of a grantee, made by both grant paths (services/key-access.ts): a service-linked
 * role that launches for `account` in amiwarden's partition — its Auto Scaling role (any custom
 * suffix), or the EC2 Spot, Spot Fleet or EC2 Fleet role at its exact path and name. Anything
 * else (a `role/developer`, another account's role, a path-less look-alike) is refused.
 */
export function memberLaunchRole(value: unknown, account: string, partition: Partition): LaunchRole | undefined {
  const autoScaling = parseServiceLinkedRoleArn(value);
  if (autoScaling) {
    if (autoScaling.account !== account || autoScaling.partition !== partition) return undefined;
    return { ...autoScaling, service: 'autoscaling.amazonaws.com' };
  }
  if (typeof value !== 'string') return undefined;
  const m = LAUNCH_ROLE_ARN.exec(value);
  if (!m || m[1] !== partition || m[2] !== account) return undefined;
  const role = Object.values(LAUNCH_ROLES).find((r) => r.path === m[3] && r.roleName === m[4]);
  return role ? { arn: value, partition, account, roleName: role.roleName, service: role.service } : undefined;
}

/** The role a launch path uses when nothing else names one: the account's default Auto Scaling role, or the path's own. */
export function defaultLaunchRoleArn(partition: Partition, account: string, kind: LaunchRoleKind | 'auto-scaling'): string {
  return kind === 'auto-scaling' ? serviceLinkedRoleArn(partition, account) : launchRoleArn(partition, account, kind);
}

/** "Auto Scaling", "EC2 Spot", "Spot Fleet", "EC2 Fleet": whose service-linked role an ARN is, for evidence. */
export function launchRoleLabel(arn: string): string {
  const m = LAUNCH_ROLE_ARN.exec(arn);
  const role = m ? Object.values(LAUNCH_ROLES).find((r) => r.path === m[3] && r.roleName === m[4]) : undefined;
  return role ? role.label : 'Auto Scaling';
}
