import { executionTarget, targetOf } from '../../../cli/targets';

describe('the target of a progress line', () => {
  it.each([
    ['a manual launch-failure input', { account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web', dryRun: true }, '111111111111 us-east-1 web'],
    ['a state input that wraps the request', { request: { account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web' }, diagnosis: {} }, '111111111111 us-east-1 web'],
    ['an EC2 Instance Launch Unsuccessful event', { account: '222222222222', region: 'eu-west-1', 'detail-type': 'EC2 Instance Launch Unsuccessful', detail: { AutoScalingGroupName: 'batch' } }, '222222222222 eu-west-1 batch'],
    ['a re-encrypt input', { imageId: 'ami-0123456789abcdef0', region: 'us-east-1', dryRun: false }, 'ami-0123456789abcdef0 us-east-1'],
    ['an AMI State Change event', { account: '999999999999', region: 'us-east-1', detail: { ImageId: 'ami-0123456789abcdef0', State: 'available' } }, 'ami-0123456789abcdef0 us-east-1'],
    ['a CloudTrail CreateImage event', { account: '999999999999', region: 'us-east-1', detail: { eventName: 'CreateImage', responseElements: { imageId: 'ami-0123456789abcdef0' } } }, 'ami-0123456789abcdef0 us-east-1'],
    ['a remediation item of the sweep', { workflow: 'launch-failure', input: { account: '111111111111', region: 'us-east-1', autoScalingGroupName: 'web' } }, '111111111111 us-east-1 web'],
    ["a member inspection's Map item", { runId: 'r', account: '111111111111', region: 'eu-west-1', execution: 'arn' }, '111111111111 eu-west-1'],
    ["a central inspection's Map item", { runId: 'r', region: 'eu-west-1', sampleMember: '111111111111' }, 'central eu-west-1'],
  ])('%s', (_, input, target) => {
    expect(targetOf(input)).toBe(target);
  });

  it('falls back to what the execution is about, or the workflow', () => {
    expect(targetOf({ request: { mode: 'enforce' } })).toBeUndefined();
    expect(executionTarget('compliance-sweep', { mode: 'enforce', accounts: ['111111111111'] })).toBe('sweep');
    expect(executionTarget('launch-failure', 'not an object')).toBe('launch-failure');
  });
});
