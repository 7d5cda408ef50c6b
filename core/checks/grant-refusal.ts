/**
 * Why KMS refused the member role's CreateGrant. AWS's access-denied messages name the policy type
 * that refused ("with an explicit deny in a service control policy", "because no identity-based
 * policy allows the … action"; IAM User Guide, "Troubleshooting access denied error messages"); the
 * key policy is the resource-based policy. When AWS names none, the key-policy reading decides:
 * blocked means the key policy, allowed means something amiwarden cannot read (an SCP, an RCP, the
 * member role's policy or its permissions boundary).
 */
import type { PolicyAnalysis } from '../key-policy';

export type RefusalId = 'key-policy-blocks-grant' | 'organization-policy-blocks-grant' | 'member-policy-blocks-grant' | 'grant-refused';

export interface Refusal {
  id: RefusalId;
  evidence: string;
  fix: string | null;
}

const MEMBER_POLICY = /(identity-based policy|permissions boundary|session policy)/i;

/** `keyPolicyFix`: the statement to merge, when the key policy is the cause and its reading gives none. */
export function explainGrantRefusal(error: { code: string; message: string }, policy: PolicyAnalysis | undefined, keyPolicyFix?: string): Refusal {
  const said = `KMS refused the member role's kms:CreateGrant (${error.code}): ${error.message.slice(0, 600)}`;
  const scp = /service control polic/i.test(error.message);
  const rcp = /resource control polic/i.test(error.message);
  if (scp || rcp) {
    const kind = scp ? 'service control policy' : 'resource control policy';
    const arn = /arn:[\w-]+:organizations::\d{12}:policy\/[\w/-]+/.exec(error.message)?.[0];
    return {
      id: 'organization-policy-blocks-grant',
      evidence: said,
      fix: `A ${kind}${arn ? ` (${arn})` : ''} of the organization denies it: exempt the amiwarden member role's kms:CreateGrant on the organization key from that ${kind} (the key policy is not the cause).`,
    };
  }
  const member = MEMBER_POLICY.exec(error.message)?.[1];
  if (member) {
    return {
      id: 'member-policy-blocks-grant',
      evidence: said,
      fix: `The member role's own ${member.toLowerCase()} does not allow it: deploy the current amiwarden member stack (member/member-account.yml), whose role may create exactly this grant, and check that no permissions boundary or other policy was attached to the role.`,
    };
  }
  if (/resource-based policy/i.test(error.message) || policy?.verdict === 'blocked') {
    const reading = policy?.reasons.length ? `: ${policy.reasons.join('; ')}` : '';
    return { id: 'key-policy-blocks-grant', evidence: `${said} (the key policy does not allow it${reading})`, fix: policy?.fix ?? keyPolicyFix ?? null };
  }
  return {
    id: 'grant-refused',
    evidence: said,
    fix: 'The key policy reads as allowing the grant, so a policy amiwarden cannot read refuses it: a service control policy or resource control policy of the organization, or the member role\'s IAM policy or permissions boundary. The refusal is logged in the member account\'s CloudTrail (kms:CreateGrant, errorCode AccessDenied).',
  };
}
