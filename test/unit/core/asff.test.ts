/** The one mapping of plain findings to ASFF, and of the sweep's rows to plain findings. */
import { findingId, fromSweepRow, productArn, toAsff, type PlainFinding } from '../../../core/asff';

const ctx = { importingAccount: '999999999999', hubRegion: 'us-east-1', partition: 'aws' as const, producer: 'sweep', now: new Date('2026-12-01T10:00:00.000Z') };
const plain: PlainFinding = {
  id: 'asg-missing-grant|111111111111|eu-west-1|autoScalingGroup/web',
  check: 'asg-missing-grant',
  title: 'Auto Scaling service-linked role has no grant on the organization key',
  severity: 'high',
  account: '111111111111',
  region: 'eu-west-1',
  resource: { type: 'AwsAutoScalingAutoScalingGroup', id: 'arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:*:autoScalingGroupName/web' },
  evidence: 'x'.repeat(2000),
  fix: 'create the grant from the member account (launch-failure)',
};

describe('toAsff', () => {
  it('fills every attribute BatchImportFindings requires, as the importing account’s custom product', () => {
    const asff = toAsff(plain, ctx);
    expect(asff).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default',
      AwsAccountId: '999999999999',
      GeneratorId: 'amiwarden/sweep/asg-missing-grant',
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      CreatedAt: '2026-12-01T10:00:00.000Z',
      UpdatedAt: '2026-12-01T10:00:00.000Z',
      Severity: { Label: 'HIGH' },
      Title: plain.title,
      Remediation: { Recommendation: { Text: plain.fix } },
      Resources: [{ Type: 'AwsAutoScalingAutoScalingGroup', Id: plain.resource.id, Region: 'eu-west-1' }],
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      ProductFields: { 'amiwarden/Account': '111111111111', 'amiwarden/Region': 'eu-west-1' },
    });
    expect(asff.Description).toHaveLength(1024);
  });

  it('gives the same problem the same id on every run, and each producer its own ids', () => {
    expect(toAsff(plain, ctx).Id).toBe(toAsff(plain, { ...ctx, now: new Date('2027-01-01T00:00:00Z') }).Id);
    expect(toAsff(plain, ctx).Id).toBe(findingId('sweep', plain.id));
    expect(findingId('diagnosis', plain.id)).not.toBe(findingId('sweep', plain.id));
    expect(toAsff({ ...plain, id: `${plain.id}-other` }, ctx).Id).not.toBe(toAsff(plain, ctx).Id);
  });

  it('leaves out the remediation when there is no fix', () => {
    expect(toAsff({ ...plain, fix: null }, ctx)).not.toHaveProperty('Remediation');
  });

  it('names the custom product of an account', () => {
    expect(productArn('aws-us-gov', 'us-gov-west-1', '123456789012')).toBe('arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default');
  });
});

describe('the sweep’s rows as plain findings', () => {
  const row = { account: '111111111111', region: 'us-east-1', resource: 'ami-0a1b2c3d4e5f60718', finding: 'ami-aws-managed-key', severity: 'high' as const, detail: 'uses aws/ebs', action: 'copy it' };
  it('maps the resource by its kind', () => {
    expect(fromSweepRow(row, 'aws').resource).toEqual({ type: 'Other', id: 'arn:aws:ec2:us-east-1::image/ami-0a1b2c3d4e5f60718' });
    expect(fromSweepRow({ ...row, resource: 'autoScalingGroup/web' }, 'aws').resource.type).toBe('AwsAutoScalingAutoScalingGroup');
    expect(fromSweepRow({ ...row, resource: 'arn:aws:kms:us-east-1:999999999999:key/abc' }, 'aws').resource.type).toBe('AwsKmsKey');
    expect(fromSweepRow({ ...row, resource: 'arn:aws:iam::111111111111:role' }, 'aws').resource.type).toBe('AwsIamRole');
    expect(fromSweepRow({ ...row, resource: '111111111111' }, 'aws').resource).toEqual({ type: 'AwsAccount', id: 'AWS::::Account:111111111111' });
  });
  it('keys the finding by check, account, Region and resource, and carries evidence and fix', () => {
    expect(fromSweepRow(row, 'aws')).toMatchObject({ id: 'ami-aws-managed-key|111111111111|us-east-1|ami-0a1b2c3d4e5f60718', check: 'ami-aws-managed-key', evidence: 'uses aws/ebs', fix: 'copy it', severity: 'high' });
  });
});
