import { refusalCheck } from './refusal-check';

/** KMS refuses the CreateGrant although the key policy reads as allowing it, and AWS names no policy type. */
export const grantRefused = refusalCheck(
  'grant-refused',
  'KMS refuses the CreateGrant although the key policy allows it (a policy amiwarden cannot read)',
  ['images', 'keys', 'keys.grants', 'keys.policy', 'keys.grant-dry-run'],
  (account, keys, evidence) => `KMS refuses account ${account} creating the grant on ${keys}: ${evidence}`,
);
