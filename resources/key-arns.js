'use strict';
/**
 * Turns the `kmsKeyArns` param (`region=keyArn,region=keyArn` or a JSON object, the two forms
 * core/config.ts accepts) into the list of key ARNs the IAM policies are scoped to.
 * CloudFormation cannot strip the `region=` prefixes itself, so this runs at package time,
 * offline, and fails packaging on a malformed value instead of deploying a broken policy.
 */
const KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):key\/(mrk-)?[0-9a-f-]{32,36}$/;

function parse(raw) {
  const text = String(raw ?? '').trim();
  if (text.startsWith('{')) return Object.entries(JSON.parse(text));
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      if (at < 0) throw new Error(`kmsKeyArns: ${JSON.stringify(entry)} is not region=keyArn`);
      return [entry.slice(0, at).trim(), entry.slice(at + 1).trim()];
    });
}

module.exports = async ({ resolveVariable }) => {
  const pairs = parse(await resolveVariable('param:kmsKeyArns'));
  if (pairs.length === 0) throw new Error('kmsKeyArns names no key');
  const arns = pairs.map(([region, arn]) => {
    const match = KEY_ARN.exec(String(arn));
    if (!match) throw new Error(`kmsKeyArns: the key for ${region} must be a full key ARN (not an alias or key id), got ${JSON.stringify(arn)}`);
    if (match[2] !== region) throw new Error(`kmsKeyArns: the key for ${region} is in ${match[2]}`);
    return arn;
  });
  return [...new Set(arns)];
};
