import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  asArray,
  loadCentralTemplate,
  loadFleetErrorPattern,
  loadLaunchFailurePattern,
  policyStatements,
  policyViolations,
  resourcesOfType,
  SOURCE_KEYS_MAY_BE_ABSENT,
  unconditionedServiceStatements,
  type FoundStatement,
  type Json,
  type JsonObject,
  type Template,
} from './templates';

const ENVIRONMENT = [
  'AMIWARDEN_CENTRAL_ACCOUNT_ID',
  'AMIWARDEN_KMS_KEY_ARNS',
  'AMIWARDEN_REGIONS',
  'AMIWARDEN_MEMBER_ROLE_NAME',
  'AMIWARDEN_MEMBER_EXTERNAL_ID',
  'AMIWARDEN_CREATE_SERVICE_LINKED_ROLE',
  'AMIWARDEN_MODE',
  'AMIWARDEN_SHARE_TARGETS',
];
const MUTATING_STS = 'sts:AssumeRole';

/** Logical ids the ASL files name in `Fn::GetAtt`. */
function aslLambdaIds(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(aslLambdaIds);
  if (!value || typeof value !== 'object') return [];
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(value).flatMap(aslLambdaIds);
}

describe('central stack (packaged serverless template)', () => {
  let template: Template;

  beforeAll(() => {
    template = loadCentralTemplate();
  }, 120_000);

  it('starts the launch-failure state machine on exactly the patterns of events/launch-failure.pattern.json and events/fleet-error.pattern.json', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties!.Targets).includes('"LaunchFailureStateMachine"'));
    expect(rules.map(([, r]) => r.Properties!.EventPattern)).toEqual([loadLaunchFailurePattern(), loadFleetErrorPattern()]);
    for (const [, r] of rules) expect(r.Properties!.EventBusName).toEqual({ Ref: 'AmiwardenEventBus' });
  });

  it('listens on the amiwarden bus, with retries and a dead-letter queue only that rule may write', () => {
    const rule = template.Resources.LaunchFailureEventsRuleCloudWatchEvent1!.Properties!;
    expect(rule.EventBusName).toEqual({ Ref: 'AmiwardenEventBus' });
    const [target] = rule.Targets as JsonObject[];
    expect(target!.Arn).toEqual({ Ref: 'LaunchFailureStateMachine' });
    expect(target!.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['LaunchFailureDeadLetterQueue', 'Arn'] } });
    expect(target!.RetryPolicy).toEqual(expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }));
    const dlqPolicy = policyStatements(template).filter((s) => s.where.startsWith('LaunchFailureDeadLetterQueuePolicy') && s.statement.Effect === 'Allow');
    expect(dlqPolicy.map((s) => s.statement.Condition)).toEqual([
      { ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': ['LaunchFailureEventsRuleCloudWatchEvent1', 'Arn'] }, { 'Fn::GetAtt': ['LaunchFailureEventsRuleCloudWatchEvent2', 'Arn'] }] } },
    ]);
  });

  it('accepts on its bus only launch failures, only from the forwarding roles of the organization', () => {
    const policy = template.Resources.AmiwardenEventBusPolicy!.Properties!.Statement as JsonObject;
    expect(policy.Action).toBe('events:PutEvents');
    expect(policy.Condition).toEqual({
      StringEquals: { 'aws:PrincipalOrgID': expect.stringMatching(/^o-[a-z0-9]{10,32}$/) },
      'ForAllValues:StringEquals': {
        'events:source': ['aws.autoscaling', 'aws.cloudformation', 'aws.ec2fleet', 'aws.ec2spotfleet'],
        'events:detail-type': ['EC2 Instance Launch Unsuccessful', 'CloudFormation Stack Status Change', 'EC2 Fleet Error', 'EC2 Spot Fleet Error', 'EC2 Fleet Information', 'EC2 Spot Fleet Information'],
      },
      Null: { 'events:source': 'false', 'events:detail-type': 'false' },
      ArnLike: { 'aws:PrincipalArn': { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/amiwarden/*' } },
    });
  });

  it('lets every AWS service assume a role only for this account’s own resources (aws:SourceAccount, and aws:SourceArn where it names them)', () => {
    const trusts = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .flatMap(([id, r]) => asArray((r.Properties!.AssumeRolePolicyDocument as JsonObject).Statement as unknown as JsonObject[]).map((statement) => ({ id, statement })))
      .filter(({ statement }) => (statement.Principal as JsonObject | undefined)?.Service !== undefined);
    expect(trusts.length).toBeGreaterThanOrEqual(19);
    const unconditioned = trusts.filter(({ statement }) => (statement.Condition as Record<string, JsonObject> | undefined)?.StringEquals?.['aws:SourceAccount'] === undefined).map(({ id }) => id);
    expect(unconditioned).toEqual([]);
    // State machines and rules have names known at deploy time: their roles name them too.
    const byName = trusts.filter(({ statement }) => ['states.amazonaws.com', 'events.amazonaws.com'].includes(String((statement.Principal as JsonObject).Service)));
    expect(byName.filter(({ statement }) => (statement.Condition as Record<string, JsonObject>).ArnEquals?.['aws:SourceArn'] === undefined).map(({ id }) => id)).toEqual([]);
  });

  it('lets every AWS service act only for this account’s own resources: each service-principal statement of every policy names the account (aws:SourceAccount / aws:SourceArn)', () => {
    const services = policyStatements(template).filter(({ statement }) => statement.Effect === 'Allow' && JSON.stringify(statement.Principal ?? '').includes('"Service"'));
    expect(services.length).toBeGreaterThanOrEqual(26);
    expect(unconditionedServiceStatements(policyStatements(template))).toEqual([]);
    // Only the statements listed as such may leave the source keys to IfExists.
    const lenient = services.filter(({ statement }) => Object.keys(statement.Condition ?? {}).some((operator) => /IfExists$/.test(operator))).map(({ where }) => where);
    expect(lenient.sort()).toEqual(Object.keys(SOURCE_KEYS_MAY_BE_ABSENT).sort());
  });

  it('the service-principal check can fail: removing the source condition of any one statement is reported', () => {
    const found = policyStatements(template);
    const services = found.filter(({ statement }) => statement.Effect === 'Allow' && JSON.stringify(statement.Principal ?? '').includes('"Service"'));
    const unreported = services.filter((target) => {
      const mutated: FoundStatement[] = found.map((item) => {
        if (item !== target) return item;
        const condition = JSON.parse(JSON.stringify(item.statement.Condition ?? {})) as Record<string, JsonObject>;
        for (const keys of Object.values(condition)) for (const key of Object.keys(keys)) if (/^aws:source(account|arn)$/i.test(key)) delete keys[key];
        return { ...item, statement: { ...item.statement, Condition: condition } };
      });
      return !unconditionedServiceStatements(mutated).some((line) => line.startsWith(`${target.where}:`));
    });
    expect(unreported.map(({ where }) => where)).toEqual([]);
    // A wildcard account in the condition is no pin either.
    const [first] = services;
    const widened = found.map((item) => (item === first ? { ...item, statement: { ...item.statement, Condition: { StringLike: { 'aws:SourceAccount': '*' } } } } : item));
    expect(unconditionedServiceStatements(widened).filter((line) => line.startsWith(`${first!.where}:`))).toEqual([expect.stringContaining('aws:SourceAccount does not name this account')]);
  });

  it('has no wildcard action, no unconditioned mutation on *, no open resource policy', () => {
    expect(policyViolations(policyStatements(template))).toEqual([]);
  });

  it('lets functions assume only the member role, inside the organization', () => {
    const assume = policyStatements(template).filter((s) => s.kind === 'identity' && asArray(s.statement.Action).includes(MUTATING_STS));
    expect(assume.map((s) => s.where.split('.')[0]).sort()).toEqual(['DiagnoseLaunchFailureRole', 'GrantKeyAccessRole', 'GrantTargetAccessRole', 'InspectMemberAccountRole', 'RepairGrantsRole', 'UpdateLaunchTemplatesRole']);
    for (const { statement } of assume) {
      expect(asArray(statement.Action)).toEqual([MUTATING_STS]);
      expect(statement.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/amiwarden-member' });
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': expect.stringMatching(/^o-/) } });
    }
  });

  it('gives every function its own role, the validated environment, and a log group with retention', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(
      [
        'ApplyOriginalImagePolicyLambdaFunction',
        'CopyImageLambdaFunction',
        'DiagnoseLaunchFailureLambdaFunction',
        'GrantKeyAccessLambdaFunction',
        'GrantTargetAccessLambdaFunction',
        'InspectCentralImagesLambdaFunction',
        'InspectImageLambdaFunction',
        'InspectMemberAccountLambdaFunction',
        'PlanSweepLambdaFunction',
        'PublishImageLambdaFunction',
        'RecordFailureLambdaFunction',
        'RepairGrantsLambdaFunction',
        'ShareImageLambdaFunction',
        'UpdateLaunchTemplatesLambdaFunction',
        'VerifyKeyAccessLambdaFunction',
        'WriteSweepReportLambdaFunction',
      ],
    );
    const roles = new Set<string>();
    for (const [id, fn] of functions) {
      const p = fn.Properties!;
      expect(p.Runtime).toBe('nodejs24.x');
      expect(p.Architectures).toEqual(['arm64']);
      const role = (p.Role as JsonObject)['Fn::GetAtt'] as string[];
      roles.add(role[0]!);
      const variables = (p.Environment as JsonObject).Variables as JsonObject;
      expect(Object.keys(variables)).toEqual(expect.arrayContaining(ENVIRONMENT));
      expect(variables.AMIWARDEN_CENTRAL_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
      // Logs are JSON lines whose level Lambda filters: the level is the function's, set in Lambda
      // (AWS_LAMBDA_LOG_LEVEL), not an environment variable that would override a change there.
      expect(p.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
      expect(variables.POWERTOOLS_LOG_LEVEL).toBeUndefined();
      const logGroup = template.Resources[id.replace(/LambdaFunction$/, 'LogGroup')]!;
      expect(logGroup.Properties!.RetentionInDays).toEqual(expect.any(Number));
    }
    expect(roles.size).toBe(functions.length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('tells recordFailure where the failure queue is', () => {
    const variables = (template.Resources.RecordFailureLambdaFunction!.Properties!.Environment as JsonObject).Variables as JsonObject;
    expect(variables.AMIWARDEN_FAILURE_QUEUE_URL).toEqual({ Ref: 'FailureQueue' });
  });

  it('fixes glibc`s mmap threshold for the report writer alone (its uploads` part buffers are then given back when freed)', () => {
    const tuned = resourcesOfType(template, 'AWS::Lambda::Function')
      .map(([id, fn]) => [id, ((fn.Properties!.Environment as JsonObject).Variables as JsonObject).GLIBC_TUNABLES])
      .filter(([, tunables]) => tunables !== undefined);
    expect(tuned).toEqual([['WriteSweepReportLambdaFunction', 'glibc.malloc.mmap_threshold=131072']]);
  });

  it('resolves every Lambda the state machine definitions name', () => {
    const asl = JSON.parse(readFileSync(join(ROOT, 'statemachines', 'launch-failure.asl.json'), 'utf8')) as Json;
    const ids = aslLambdaIds(asl);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(template.Resources[id]?.Type).toBe('AWS::Lambda::Function');
  });

  it('alerts on failed, timed-out or aborted executions of every amiwarden state machine', () => {
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([id]) => ({ Ref: id }));
    expect(machines.length).toBeGreaterThan(0);
    const rule = template.Resources.ExecutionFailedRule!.Properties!;
    const pattern = rule.EventPattern as JsonObject;
    expect(pattern.source).toEqual(['aws.states']);
    const detail = pattern.detail as JsonObject;
    expect(detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    expect(detail.stateMachineArn).toEqual(expect.arrayContaining(machines));
    expect((rule.Targets as JsonObject[])[0]!.Arn).toEqual({ Ref: 'AlertsTopic' });
  });

  it('logs every state machine and keeps the queues encrypted for 14 days', () => {
    for (const [, machine] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
      expect((machine.Properties!.LoggingConfiguration as JsonObject).Level).toMatch(/^(ERROR|ALL)$/);
    }
    for (const [, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
      expect(queue.Properties).toEqual(expect.objectContaining({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 }));
    }
    expect(template.Resources.AlertsTopic!.Properties!.KmsMasterKeyId).toEqual({ Ref: 'AlertsKey' });
  });

  it('drops the parts of a report upload that never completed (a report writer stopped mid-upload) after a day', () => {
    const rules = ((template.Resources.ReportBucket!.Properties!.LifecycleConfiguration as JsonObject).Rules as JsonObject[]) ?? [];
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ Status: 'Enabled', Prefix: '', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]));
  });

  it('outputs what operators and the member stack need', () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining(['LaunchFailureStateMachineArn', 'EventBusArn', 'AlertsTopicArn', 'FailureQueueUrl', 'CentralPrincipalArns']),
    );
  });

  it('contains no unresolved serverless variable', () => {
    expect(JSON.stringify(template)).not.toMatch(/\$\{(param|self|sls|opt|env|file|aws|ssm|cf):/);
  });
});
