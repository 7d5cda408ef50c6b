/** What the launcher checks derive alike from the facts of one launcher. */
import { serviceLinkedRoleArn } from '../identifiers';
import type { ImageFacts, KeyFacts, LaunchFacts, LauncherKind } from './types';

const KIND_NAMES: Record<LauncherKind, string> = {
  'auto-scaling-group': 'Auto Scaling group',
  'eks-nodegroup': 'EKS managed node group',
  'spot-fleet': 'Spot Fleet',
  'ec2-fleet': 'EC2 Fleet',
  'calling-role': 'role',
};

export const kindName = (kind: LauncherKind): string => KIND_NAMES[kind];

/** "Auto Scaling group web in 111111111111/us-east-1". */
export function where(f: LaunchFacts): string {
  const kind = f.launcher?.kind ?? 'auto-scaling-group';
  return `${KIND_NAMES[kind]} ${f.launcher?.name ?? '?'} in ${f.account}/${f.region}`;
}

/** The resource a launcher result is about: `autoScalingGroup/web`, `nodegroup/cluster/ng`, … */
export function launcherResource(f: LaunchFacts): string {
  const name = f.launcher?.name ?? '?';
  switch (f.launcher?.kind ?? 'auto-scaling-group') {
    case 'auto-scaling-group':
      return `autoScalingGroup/${name}`;
    case 'eks-nodegroup':
      return `nodegroup/${name}`;
    case 'spot-fleet':
      return `spotFleetRequest/${name}`;
    case 'ec2-fleet':
      return `fleet/${name}`;
    case 'calling-role':
      return `role/${name}`;
  }
}

export const launchedImages = (f: LaunchFacts): ImageFacts[] => f.images.filter((i) => i.found);

/** The keys behind the encrypted snapshots of the launched images (a key not described: found false). */
export function usedKeys(f: LaunchFacts): KeyFacts[] {
  const arns = [...new Set(launchedImages(f).flatMap((i) => i.snapshots.flatMap((s) => (s.encrypted && s.kmsKeyId ? [s.kmsKeyId] : []))))];
  return arns.map((arn) => f.keys.find((k) => k.keyArn === arn) ?? { keyArn: arn, found: false, managed: false });
}

/** The principal that must be able to use the key: the launcher's, else the account's default Auto Scaling role. */
export const grantee = (f: LaunchFacts): string => f.launcher?.principal?.arn ?? serviceLinkedRoleArn(f.partition, f.account);

/** Configured central keys behind the launch that the principal has no grant on yet. */
export const keysNeedingGrant = (f: LaunchFacts): KeyFacts[] => usedKeys(f).filter((k) => k.managed && !k.grantPresent);
