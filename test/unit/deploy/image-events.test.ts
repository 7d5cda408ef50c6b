/**
 * central-regions/image-events.yml: in each other Region of the central account, the image events
 * the re-encryption workflow starts from are forwarded to the default bus of the central stack's
 * Region, where its rules are — the same patterns, a role that may put events on that bus only, and
 * nothing at all in the central stack's own Region (a rule forwarding a bus to itself would loop).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { asArray, policyStatements, policyViolations, unconditionedServiceStatements, ROOT, type JsonObject, type Template } from './templates';

const template = parse(readFileSync(join(ROOT, 'central-regions', 'image-events.yml'), 'utf8')) as Template;
const pattern = (name: string) => JSON.parse(readFileSync(join(ROOT, 'events', `${name}.pattern.json`), 'utf8')) as JsonObject;
const HOME_BUS = { 'Fn::Sub': 'arn:${AWS::Partition}:events:${HomeRegion}:${AWS::AccountId}:event-bus/default' };

describe('central-regions/image-events.yml', () => {
  it('forwards exactly the new-image and image-available patterns of events/, from the default bus', () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties!.EventPattern)).toEqual([pattern('new-image'), pattern('image-available')]);
    expect(rules.map((r) => r.Properties!.EventBusName)).toEqual(['default', 'default']);
  });

  it('targets the default bus of the central stack’s Region, with retries and a dead-letter queue', () => {
    for (const rule of Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule')) {
      const [target] = rule.Properties!.Targets as JsonObject[];
      expect(target!.Arn).toEqual(HOME_BUS);
      expect(target!.RoleArn).toEqual({ 'Fn::GetAtt': ['ForwardImageEventsRole', 'Arn'] });
      expect(target!.RetryPolicy).toBeDefined();
      expect(target!.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['ForwardImageEventsDeadLetterQueue', 'Arn'] } });
    }
  });

  it('gives the forwarding role events:PutEvents on that bus only, trusted by EventBridge of this account only', () => {
    const identity = policyStatements(template).filter((s) => s.where.startsWith('ForwardImageEventsRole.') && s.kind === 'identity');
    expect(identity.map((s) => [s.statement.Effect, s.statement.Action, s.statement.Resource])).toEqual([['Allow', 'events:PutEvents', HOME_BUS]]);
    const trust = asArray((template.Resources.ForwardImageEventsRole!.Properties!.AssumeRolePolicyDocument as JsonObject).Statement as JsonObject[]);
    expect(trust).toEqual([
      { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
  });

  it('lets EventBridge act only for this account’s own rules: every service-principal statement names the account', () => {
    expect(unconditionedServiceStatements(policyStatements(template))).toEqual([]);
  });

  it('has no wildcard action, no Allow with NotAction and no open principal (the checks every template gets)', () => {
    expect(policyViolations(policyStatements(template))).toEqual([]);
  });

  it('creates nothing in the central stack’s own Region: every resource is conditioned on another Region', () => {
    expect(template.Conditions!.ElsewhereThanHome).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'HomeRegion' }] }] });
    expect(Object.entries(template.Resources).filter(([, r]) => r.Condition !== 'ElsewhereThanHome').map(([name]) => name)).toEqual([]);
  });
});
