import { refusalCheck } from './refusal-check';

/** The member role's own IAM policy (or a permissions boundary or session policy) does not allow the CreateGrant. */
export const memberPolicyBlocksGrant = refusalCheck(
  'member-policy-blocks-grant',
  "The member role's own policy (or its permissions boundary) does not allow the CreateGrant",
  ['images', 'keys', 'keys.grants', 'keys.policy', 'keys.grant-dry-run'],
  (account, keys, evidence) => `The amiwarden role of account ${account} may not create the grant on ${keys}: ${evidence}`,
);
