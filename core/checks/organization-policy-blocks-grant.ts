import { refusalCheck } from './refusal-check';

/** A service control policy or resource control policy of the organization denies the member role's CreateGrant (KMS's DryRun says which). */
export const organizationPolicyBlocksGrant = refusalCheck(
  'organization-policy-blocks-grant',
  "A service control policy or resource control policy denies the member role's CreateGrant",
  ['images', 'keys', 'keys.grants', 'keys.policy', 'keys.grant-dry-run'],
  (account, keys, evidence) => `An organization policy denies account ${account} creating the grant on ${keys}: ${evidence}`,
);
