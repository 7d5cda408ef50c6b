import { policyStatements, policyViolations, type Template } from './templates';

const role = (statements: unknown[]): Template => ({
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: statements } }],
      } as never,
    },
  },
});

describe('policy rules used by the deploy tests', () => {
  it('reports a bare * action', () => {
    // Act
    const problems = policyViolations(policyStatements(role([{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b' }])));
    // Assess
    expect(problems).toEqual([expect.stringContaining('wildcard action *')]);
  });

  it('reports kms:* in an identity policy', () => {
    const problems = policyViolations(policyStatements(role([{ Effect: 'Allow', Action: ['kms:*'], Resource: 'arn:aws:kms:us-east-1:111122223333:key/k' }])));
    expect(problems).toEqual([expect.stringContaining('wildcard action kms:*')]);
  });

  it('reports a mutating action on Resource * without a condition', () => {
    const problems = policyViolations(policyStatements(role([{ Effect: 'Allow', Action: ['ec2:DescribeImages', 'kms:CreateGrant'], Resource: '*' }])));
    expect(problems).toEqual([expect.stringContaining('mutating kms:CreateGrant')]);
  });

  it('accepts read-only actions on Resource * and a conditioned mutating one', () => {
    const problems = policyViolations(
      policyStatements(
        role([
          { Effect: 'Allow', Action: ['ec2:DescribeImages', 'autoscaling:DescribeAutoScalingGroups'], Resource: '*' },
          { Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: '*', Condition: { StringEquals: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } } },
        ]),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('reports a resource policy open to any principal without a condition', () => {
    const template: Template = {
      Resources: {
        QueuePolicy: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:111122223333:q' }] } },
        },
      },
    };
    expect(policyViolations(policyStatements(template))).toEqual([expect.stringContaining('allows any principal')]);
  });

  it('allows kms:* only as the key policy delegation to the own account root', () => {
    const key = (principal: unknown): Template => ({
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:*', Resource: '*' }] } } as never,
        },
      },
    });
    expect(policyViolations(policyStatements(key({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' })))).toEqual([]);
    expect(policyViolations(policyStatements(key('arn:aws:iam::444455556666:root')))).toEqual([expect.stringContaining('wildcard action kms:*')]);
  });
});
