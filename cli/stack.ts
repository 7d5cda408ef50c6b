/** Finds a deployed workflow's state machine: given by ARN, or read from the central stack's outputs. */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { profileName, region as regionArg, stackName, stateMachineArn, str, type StateMachineArn, type Values } from './args';
import type { CliContext, ClientOptions } from './context';
import { CliError, NotDeployedError, aws } from './errors';
import type { WorkflowCommand } from './workflows';

export const DEFAULT_STACK = 'amiwarden-dev';

export interface StackTarget {
  stack: string;
  /** Where the stack (and its state machines) live; undefined = the SDK's default region. */
  client: ClientOptions;
}

/** Validates --stack, --stack-region and --profile (no AWS call). */
export function stackTarget(values: Values, ctx: Pick<CliContext, 'env'>): StackTarget {
  const stack = stackName('stack', str(values, 'stack') ?? ctx.env.AMIWARDEN_STACK ?? DEFAULT_STACK);
  const region = str(values, 'stack-region');
  const profile = str(values, 'profile');
  return {
    stack,
    client: { ...(region !== undefined ? { region: regionArg('stack-region', region) } : {}), ...(profile !== undefined ? { profile: profileName('profile', profile) } : {}) },
  };
}

/** The stack's outputs, by key. */
export async function stackOutputs(cloudFormation: CloudFormationClient, stack: string): Promise<Record<string, string>> {
  try {
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
    const outputs: Record<string, string> = {};
    for (const o of described.Stacks?.[0]?.Outputs ?? []) if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
    return outputs;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/.test(e.message ?? '')) {
      const region = await cloudFormation.config.region().catch(() => undefined);
      throw new CliError(`stack ${stack} does not exist${region ? ` in ${region}` : ''} (pass --stack and --stack-region, or --state-machine-arn)`, 1, { cause: error });
    }
    return aws(`Reading the outputs of stack ${stack}`, () => Promise.reject(error));
  }
}

/** The workflow's state machine: --state-machine-arn, else the stack output (NotDeployedError if absent). */
export async function resolveStateMachine(
  spec: Pick<WorkflowCommand, 'workflow' | 'outputKey'>,
  target: StackTarget,
  explicitArn: StateMachineArn | undefined,
  ctx: Pick<CliContext, 'clients'>,
  outputs?: Record<string, string>,
): Promise<StateMachineArn> {
  if (explicitArn) return explicitArn;
  const all = outputs ?? (await stackOutputs(ctx.clients.cloudFormation(target.client), target.stack));
  const value = all[spec.outputKey];
  if (!value) throw new NotDeployedError(`the ${spec.workflow} workflow is not deployed in this stack (${target.stack} has no ${spec.outputKey} output)`);
  try {
    return stateMachineArn('state-machine-arn', value);
  } catch {
    throw new CliError(`the ${spec.outputKey} output of ${target.stack} is not a state machine ARN: ${JSON.stringify(value)}`);
  }
}
