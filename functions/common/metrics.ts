/**
 * Workflow outcomes as CloudWatch metrics, written in the embedded metric format by Powertools for
 * AWS Lambda's Metrics: namespace `amiwarden`, one metric per outcome (`remediated`, `finding`,
 * `no-action`, `failed`), dimensions `service` (always `amiwarden`) and `workflow`, whichever step
 * records it. A dashboard or an alarm reads them without parsing
 * logs. Which step records which outcome: docs/reliability.md ("Outcome metrics").
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type Workflow = 'launch-failure' | 'reencrypt-and-share' | 'compliance-sweep';
export type Outcome = 'remediated' | 'finding' | 'no-action' | 'failed';

export const METRICS_NAMESPACE = 'amiwarden';

const WORKFLOWS: readonly string[] = ['launch-failure', 'reencrypt-and-share', 'compliance-sweep'] satisfies Workflow[];

export interface OutcomeMetrics {
  /** A workflow name that is not amiwarden's is recorded as `unknown` (the dimension stays bounded). */
  record(workflow: string, outcome: Outcome): void;
}

export function outcomeMetrics(): OutcomeMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'amiwarden' });
  return {
    record(workflow, outcome) {
      // One EMF document per outcome, written at once: a step that records an outcome and then
      // fails still leaves the outcome it reached.
      const single = metrics.singleMetric();
      single.addDimension('workflow', WORKFLOWS.includes(workflow) ? workflow : 'unknown');
      single.addMetric(outcome, MetricUnit.Count, 1);
    },
  };
}
