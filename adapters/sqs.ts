/** SQS: the failure queue, where the one failure path of every workflow keeps what it could not finish. */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { call, type ClientSettings } from './aws';

export class FailureQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(body: string): Promise<void> {
    await call('sqs:SendMessage', () => this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body })));
  }
}

export const failureQueue = (queueUrl: string) => (settings: ClientSettings) => new FailureQueue(new SQSClient(settings), queueUrl);
