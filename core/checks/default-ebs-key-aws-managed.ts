import type { Check } from './types';

/** New volumes of the account default to aws/ebs: images made there cannot be shared (prevention). */
export const defaultEbsKeyAwsManaged: Check<'account'> = {
  id: 'default-ebs-key-aws-managed',
  scope: 'account',
  title: "The account's default EBS key is the AWS managed key",
  severity: 'low',
  facts: ['default-ebs-key'],
  workflow: null,
  fixPermissions: [],
  runs: ['sweep'],
  evaluate(f) {
    if (!f.defaultEbsKey?.awsManaged) return null;
    return {
      id: 'default-ebs-key-aws-managed',
      status: 'finding',
      severity: 'low',
      resource: f.account,
      evidence: `the default EBS key of ${f.account} in ${f.region} is the AWS managed key (${f.defaultEbsKey.keyId})`,
      fix: `aws ec2 modify-ebs-default-kms-key-id --kms-key-id <organization key ARN> --region ${f.region}`,
    };
  },
};
