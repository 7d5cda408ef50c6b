// @ts-check
/**
 * The credential chain of a Lambda function. Lambda hands a function its role's credentials in
 * the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first link
 * of the SDK's default chain, so the rest of that chain (SSO, shared ini files, processes, web
 * identity, the container and instance metadata services, with their nested STS, SSO and sign-in
 * clients: ~110 KiB and a dozen Node built-ins) is never reached there. The Lambda bundles use
 * this module in place of @aws-sdk/credential-provider-node (./lambda-only.js); the CLI,
 * the sandbox and the tests keep the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** @param {Parameters<typeof fromEnv>[0]} [init] */
export const defaultProvider = (init = {}) => fromEnv(init);

// The rest of @aws-sdk/credential-provider-node's interface, with the same meaning.
/** @param {{ expiration?: Date } | undefined} credentials */
export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;
/** @param {{ expiration?: Date } | undefined} credentials */
export const credentialsTreatedAsExpired = (credentials) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;
