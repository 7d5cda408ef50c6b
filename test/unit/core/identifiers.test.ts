import { parseKeyArn, parseServiceLinkedRoleArn, serviceLinkedRoleArn, isImageId, isRegion, isAccountId, partitionOfRegion } from '../../../core/identifiers';

describe('identifiers', () => {
  it('parses full key ARNs and refuses aliases, bare ids and malformed ARNs', () => {
    expect(parseKeyArn('arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0')).toMatchObject({
      partition: 'aws',
      region: 'us-east-1',
      account: '999999999999',
      multiRegion: false,
    });
    expect(parseKeyArn('arn:aws:kms:us-east-1:999999999999:key/mrk-0123456789abcdef0123456789abcdef')?.multiRegion).toBe(true);
    for (const bad of ['alias/aws/ebs', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'arn:aws:kms:us-east-1:999999999999:alias/x', 'arn:aws:kms:us-east-1:9999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 42, undefined]) {
      expect(parseKeyArn(bad)).toBeUndefined();
    }
  });

  it('reads the Auto Scaling service-linked role and its custom suffix', () => {
    expect(parseServiceLinkedRoleArn(serviceLinkedRoleArn('aws', '111111111111'))).toMatchObject({ account: '111111111111', roleName: 'AWSServiceRoleForAutoScaling' });
    expect(parseServiceLinkedRoleArn(serviceLinkedRoleArn('aws', '111111111111', 'web'))).toMatchObject({ roleName: 'AWSServiceRoleForAutoScaling_web', customSuffix: 'web' });
    expect(parseServiceLinkedRoleArn('arn:aws:iam::111111111111:role/AWSServiceRoleForAutoScaling')).toBeUndefined();
    expect(parseServiceLinkedRoleArn('arn:aws:iam::111111111111:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot')).toBeUndefined();
  });

  it('knows the shapes of ids and regions', () => {
    expect([isImageId('ami-0a1b2c3d'), isImageId('ami-0a1b2c3d4e5f60718'), isImageId('ami-XYZ'), isImageId('ami-0a1b2c3d4e5f607181')]).toEqual([true, true, false, false]);
    expect([isRegion('us-east-1'), isRegion('us-gov-west-1'), isRegion('us-east'), isRegion('../etc')]).toEqual([true, true, false, false]);
    expect([isAccountId('111111111111'), isAccountId('11111111111'), isAccountId(111111111111)]).toEqual([true, false, false]);
    expect([partitionOfRegion('cn-north-1'), partitionOfRegion('us-gov-east-1'), partitionOfRegion('eu-west-1')]).toEqual(['aws-cn', 'aws-us-gov', 'aws']);
  });
});
