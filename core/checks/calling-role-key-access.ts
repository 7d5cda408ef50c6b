import { callingRoleStatements } from '../calling-roles';
import { grantName } from '../grants';
import { GRANT_REPAIR_PERMISSIONS } from './grant-issues';
import { grantee, keysNeedingGrant, launcherResource, where } from './launch';
import type { Check } from './types';

/**
 * A calling role (EC2 Fleet `instant` as Karpenter calls it, RunInstances by a role, EKS Auto Mode's
 * cluster role) launches as itself: it needs the key policy to let its account use the key through
 * EC2, and its own IAM policy to allow it (the finding gives both statements), or a grant, which
 * amiwarden makes only for the roles AMIWARDEN_CALLING_ROLE_GRANTS names.
 */
export const callingRoleKeyAccess: Check<'launcher'> = {
  id: 'calling-role-key-access',
  scope: 'launcher',
  title: 'A role that launches as itself (Karpenter, RunInstances, EKS Auto Mode) has no grant on the organization key',
  severity: 'high',
  facts: ['member.role', 'calling-roles', 'keys', 'keys.grants', 'settings'],
  workflow: 'grant-health',
  fixPermissions: GRANT_REPAIR_PERMISSIONS,
  runs: ['sweep'],
  evaluate(f) {
    if (f.launcher?.kind !== 'calling-role') return null;
    const needing = keysNeedingGrant(f);
    if (needing.length === 0) return null;
    const role = grantee(f);
    const configured = f.launcher.principal?.grantConfigured === true;
    const statements = needing.map((k) => callingRoleStatements({ partition: f.partition, region: f.region, member: f.account, keyArn: k.keyArn, roleArn: role }));
    const evidence = `${where(f)} (${role}) launches as itself and holds no grant on ${needing.map((k) => k.keyArn).join(', ')}: EC2 uses the key as this role, not as a service-linked role`;
    if (configured) {
      return {
        id: 'calling-role-key-access',
        status: 'remediable',
        severity: 'high',
        resource: launcherResource(f),
        evidence,
        fix: `create ${grantName(role)} for ${role} from the member account (grant-health; the role is in AMIWARDEN_CALLING_ROLE_GRANTS)`,
        repair: { account: f.account, callingRoleArn: role, createServiceLinkedRole: false, revokeGrantIds: [] },
      };
    }
    return {
      id: 'calling-role-key-access',
      status: 'finding',
      severity: 'high',
      resource: launcherResource(f),
      evidence,
      fix:
        `Unless the key policy already lets ${f.account} use the key through EC2: add to the key policy of ${needing.map((k) => k.keyArn).join(', ')} ${JSON.stringify(statements[0]!.keyPolicy)}; ` +
        `and to ${role}'s IAM policy in ${f.account} ${statements.map((s) => JSON.stringify(s.iam)).join(' ')}. ` +
        `Or list the role in AMIWARDEN_CALLING_ROLE_GRANTS and amiwarden creates a grant for it.`,
    };
  },
};
