// @ts-check
/**
 * What the SDK's shared-config-file reader (`@smithy/core`'s shared-ini-file-loader/readFile.js)
 * is in amiwarden's Lambda bundles (see ./lambda-only.js): a Lambda function has no
 * ~/.aws/config or ~/.aws/credentials, and amiwarden sets no AWS_CONFIG_FILE, so every read
 * answers as a missing file does, which the SDK takes as "no settings there". The same exports
 * as the module it replaces; `fileIntercept` still answers first.
 */
export const filePromises = {};
export const fileIntercept = {};
/** @param {string} path */
export const readFile = (path) => {
  if (fileIntercept[path] !== undefined) return fileIntercept[path];
  const missing = Object.assign(new Error(`ENOENT: amiwarden Lambda bundles read no AWS config files: '${path}'`), { code: 'ENOENT', path });
  return Promise.reject(missing);
};
