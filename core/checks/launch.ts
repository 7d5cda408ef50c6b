/** What the launcher checks derive alike from the facts of one launcher. */
import { serviceLinkedRoleArn } from '../identifiers';
import { launchRoleLabel } from '../launch-roles';
import { explainGrantRefusal, type Refusal, type RefusalId } from './grant-refusal';
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

/**
 * The keys behind the encrypted snapshots of the launched images (a key not described: found
 * false). A calling role's images are chosen outside AWS (Karpenter's amiSelectorTerms): its keys
 * are the organization key it is configured to launch from.
 */
export function usedKeys(f: LaunchFacts): KeyFacts[] {
  if (f.launcher?.kind === 'calling-role') return f.keys;
  const arns = [...new Set(launchedImages(f).flatMap((i) => i.snapshots.flatMap((s) => (s.encrypted && s.kmsKeyId ? [s.kmsKeyId] : []))))];
  return arns.map((arn) => f.keys.find((k) => k.keyArn === arn) ?? { keyArn: arn, found: false, managed: false });
}

/**
 * "The Spot Fleet service-linked role arn:…" — and, for Spot from a launch configuration, why it is
 * not the group's Auto Scaling role.
 */
export function granteeWords(f: LaunchFacts): string {
  const arn = grantee(f);
  const spot = f.launcher?.spotLaunchConfiguration;
  return `The ${launchRoleLabel(arn)} service-linked role ${arn}${spot ? ` (Spot Instances of launch configuration ${spot} launch as it, not as the group's Auto Scaling role)` : ''}`;
}

/** The principal that must be able to use the key: the launcher's, else the account's default Auto Scaling role. */
export const grantee = (f: LaunchFacts): string => f.launcher?.principal?.arn ?? serviceLinkedRoleArn(f.partition, f.account);

/** Configured central keys behind the launch that the principal has no grant on yet. */
export const keysNeedingGrant = (f: LaunchFacts): KeyFacts[] => usedKeys(f).filter((k) => k.managed && !k.grantPresent);

/**
 * Why the member role may not create the grant on a key, or null when nothing says it may not.
 * KMS's DryRun is trusted over amiwarden's reading of the key policy: it would succeed means no
 * refusal; refused is explained from AWS's message; without a DryRun the key-policy reading decides.
 */
export function refusalOf(k: KeyFacts): Refusal | null {
  if (k.dryRun?.outcome === 'would-succeed') return null;
  if (k.dryRun?.outcome === 'refused') return explainGrantRefusal(k.dryRun, k.policy, k.keyPolicyFix);
  if (k.policy?.verdict === 'blocked') {
    return { id: 'key-policy-blocks-grant', evidence: k.policy.reasons.join('; '), fix: k.policy.fix ?? null };
  }
  return null;
}

/** The keys needing a grant whose CreateGrant is refused for this reason, with the refusal. */
export function refusedKeys(f: LaunchFacts, id: RefusalId): { key: KeyFacts; refusal: Refusal }[] {
  return keysNeedingGrant(f).flatMap((key) => {
    const refusal = refusalOf(key);
    return refusal?.id === id ? [{ key, refusal }] : [];
  });
}
