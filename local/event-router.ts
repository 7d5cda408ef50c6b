/**
 * Stands in for EventBridge's Step Functions target: reads what each central rule delivered to its
 * queue and starts the matching workflow with the event, as StartExecution would. A message is
 * deleted only once its workflow has run (at-least-once, like EventBridge).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';
import { runWorkflow, type ExecutionReport, type RunOptions } from './state-machine';

export interface RoutedExecution extends ExecutionReport {
  trigger: string;
  event: Record<string, unknown>;
}

export async function drainQueues(
  emulator: Emulator,
  account: string,
  region: string,
  queues: Record<string, string>,
  options: RunOptions & { onExecution?: (e: RoutedExecution) => void } = {},
): Promise<RoutedExecution[]> {
  const sqs = new SQSClient(clientConfig(emulator, account, region));
  const executions: RoutedExecution[] = [];
  for (const [workflow, queueUrl] of Object.entries(queues)) {
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!out.Messages?.length) break;
      for (const message of out.Messages) {
        const event = JSON.parse(message.Body ?? '{}') as Record<string, unknown>;
        const report = await runWorkflow(workflow, event, options);
        const routed = { ...report, trigger: String(event['detail-type'] ?? 'event'), event };
        executions.push(routed);
        options.onExecution?.(routed);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }
    }
  }
  return executions;
}
