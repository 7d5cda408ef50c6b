import { refusalCheck } from './refusal-check';

/**
 * The organization key's policy does not let the member account create the grant: KMS's DryRun
 * names the key's resource-based policy, or amiwarden's reading of the key policy says so and no
 * DryRun says otherwise.
 */
export const keyPolicyBlocksGrant = refusalCheck(
  'key-policy-blocks-grant',
  "The organization key's policy does not let the member account create the grant",
  ['images', 'keys', 'keys.grants', 'keys.policy', 'keys.grant-dry-run'],
  (account, keys, evidence) => `The key policy of ${keys} does not let account ${account} create the grant: ${evidence}`,
);
