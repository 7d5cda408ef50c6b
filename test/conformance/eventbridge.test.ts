import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CENTRAL, MEMBER, REGION, useEmulator } from './support';

const launchFailure = { source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Unsuccessful'] };
const entry = { Source: 'aws.autoscaling', DetailType: 'EC2 Instance Launch Unsuccessful', Detail: JSON.stringify({ AutoScalingGroupName: 'web', StatusCode: 'Failed' }) };

describe('EventBridge: delivered events carry account and region; TestEventPattern answers', () => {
  const emulator = useEmulator();

  beforeEach(async () => emulator.get().reset());

  async function queueOn(account: string, name: string): Promise<{ sqs: SQSClient; url: string; arn: string }> {
    const sqs = new SQSClient(emulator.config(account));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { sqs, url: QueueUrl!, arn: Attributes!.QueueArn! };
  }

  async function received(sqs: SQSClient, url: string): Promise<Record<string, unknown>[]> {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    return (Messages ?? []).map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
  }

  it('an event delivered to an SQS target carries the PutEvents caller account and region', async () => {
    const events = new EventBridgeClient(emulator.config(MEMBER));
    const { sqs, url, arn } = await queueOn(MEMBER, 'local');
    await events.send(new PutRuleCommand({ Name: 'launch-failures', EventPattern: JSON.stringify(launchFailure) }));
    await events.send(new PutTargetsCommand({ Rule: 'launch-failures', Targets: [{ Id: 'q', Arn: arn }] }));

    await events.send(new PutEventsCommand({ Entries: [entry] }));

    expect(await received(sqs, url)).toEqual([expect.objectContaining({ account: MEMBER, region: REGION, 'detail-type': 'EC2 Instance Launch Unsuccessful' })]);
  });

  it('an event forwarded to an event bus in another account keeps the original account', async () => {
    const centralEvents = new EventBridgeClient(emulator.config(CENTRAL));
    const memberEvents = new EventBridgeClient(emulator.config(MEMBER));
    const { sqs, url, arn } = await queueOn(CENTRAL, 'central');
    await centralEvents.send(new PutRuleCommand({ Name: 'from-members', EventPattern: JSON.stringify(launchFailure) }));
    await centralEvents.send(new PutTargetsCommand({ Rule: 'from-members', Targets: [{ Id: 'q', Arn: arn }] }));
    await memberEvents.send(new PutRuleCommand({ Name: 'forward', EventPattern: JSON.stringify(launchFailure) }));
    await memberEvents.send(
      new PutTargetsCommand({ Rule: 'forward', Targets: [{ Id: 'central', Arn: `arn:aws:events:${REGION}:${CENTRAL}:event-bus/default`, RoleArn: `arn:aws:iam::${MEMBER}:role/forward` }] }),
    );

    await memberEvents.send(new PutEventsCommand({ Entries: [entry] }));

    expect(await received(sqs, url)).toEqual([expect.objectContaining({ account: MEMBER, region: REGION, source: 'aws.autoscaling' })]);
  });

  it('an event forwarded to an event bus in another account keeps its resources (a fleet error names its fleet only there)', async () => {
    const fleetError = { source: ['aws.ec2spotfleet'], 'detail-type': ['EC2 Spot Fleet Error'] };
    const fleet = `arn:aws:ec2:${REGION}:${MEMBER}:spot-fleet-request/sfr-38725d30-25f1-4f30-83ce-2907c56dba17`;
    const centralEvents = new EventBridgeClient(emulator.config(CENTRAL));
    const memberEvents = new EventBridgeClient(emulator.config(MEMBER));
    const { sqs, url, arn } = await queueOn(CENTRAL, 'central-fleets');
    await centralEvents.send(new PutRuleCommand({ Name: 'from-members', EventPattern: JSON.stringify(fleetError) }));
    await centralEvents.send(new PutTargetsCommand({ Rule: 'from-members', Targets: [{ Id: 'q', Arn: arn }] }));
    await memberEvents.send(new PutRuleCommand({ Name: 'forward', EventPattern: JSON.stringify(fleetError) }));
    await memberEvents.send(
      new PutTargetsCommand({ Rule: 'forward', Targets: [{ Id: 'central', Arn: `arn:aws:events:${REGION}:${CENTRAL}:event-bus/default`, RoleArn: `arn:aws:iam::${MEMBER}:role/forward` }] }),
    );

    await memberEvents.send(
      new PutEventsCommand({ Entries: [{ Source: 'aws.ec2spotfleet', DetailType: 'EC2 Spot Fleet Error', Resources: [fleet], Detail: JSON.stringify({ 'sub-type': 'allLaunchSpecsTemporarilyBlacklisted', description: 'x' }) }] }),
    );

    expect(await received(sqs, url)).toEqual([expect.objectContaining({ account: MEMBER, source: 'aws.ec2spotfleet', resources: [fleet] })]);
  });

  it('TestEventPattern returns Result true for a matching event and false otherwise', async () => {
    const events = new EventBridgeClient(emulator.config(CENTRAL));
    const event = (detailType: string) =>
      JSON.stringify({ id: '1', 'detail-type': detailType, source: 'aws.autoscaling', account: MEMBER, time: '2024-01-01T00:00:00Z', region: REGION, resources: [], detail: {} });

    const match = await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(launchFailure), Event: event('EC2 Instance Launch Unsuccessful') }));
    const miss = await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(launchFailure), Event: event('EC2 Instance Launch Successful') }));

    expect(match.Result).toBe(true);
    expect(miss.Result).toBe(false);
  });
});
