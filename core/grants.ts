/**
 * The grant that lets a member account's Auto Scaling service-linked role use the central key
 * (Auto Scaling User Guide, "Required AWS KMS key policy for use with encrypted volumes", example 2).
 */
export const REQUIRED_GRANT_OPERATIONS = [
  'Encrypt',
  'Decrypt',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'DescribeKey',
  'CreateGrant',
] as const;

export interface GrantTarget {
  keyArn: string;
  granteePrincipal: string;
}

export interface GrantRequest extends GrantTarget {
  operations: readonly string[];
  name: string;
}

/**
 * A stable grant name: the same grantee on the same key always gets the same name, so that a retry
 * or a duplicate event is answered by KMS with the original grant instead of a second one.
 * (Names: 1-256 of [a-zA-Z0-9:/_-].)
 */
export function grantName(granteePrincipal: string): string {
  const m = /:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(granteePrincipal);
  const tail = m ? `${m[1]}:${m[2]}` : granteePrincipal;
  return `amiwarden:${tail}`.replace(/[^a-zA-Z0-9:/_-]/g, '_').slice(0, 256);
}

export function grantRequest(target: GrantTarget): GrantRequest {
  return { ...target, operations: REQUIRED_GRANT_OPERATIONS, name: grantName(target.granteePrincipal) };
}

/**
 * Does an existing grant give this grantee at least every operation Auto Scaling needs? Not if it
 * has encryption-context constraints: Auto Scaling uses the key for every new volume, each with its
 * own context, so such a grant (someone else's) does not do what the amiwarden grant does.
 */
export function grantCovers(grant: { granteePrincipal: string; operations: readonly string[]; constrained?: boolean }, granteePrincipal: string): boolean {
  return grant.granteePrincipal === granteePrincipal && grant.constrained !== true && REQUIRED_GRANT_OPERATIONS.every((op) => grant.operations.includes(op));
}
