/** The Security Hub export is off by default: with securityHub=false no role holds a Security Hub permission. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './templates';

describe('Security Hub permissions, by the securityHub param', () => {
  const file = parse(readFileSync(join(ROOT, 'resources', 'security-hub.yml'), 'utf8')) as Record<string, { Resources?: Record<string, { Type: string; Properties: { Roles: { Ref: string }[] } }> }>;
  const serverless = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');

  it('defaults to false, and the stack takes only the part of resources/security-hub.yml the param names', () => {
    expect(serverless).toMatch(/^\s+securityHub: 'false'$/m);
    expect(serverless).toContain('${file(resources/security-hub.yml):${param:securityHub}}');
    expect(serverless).not.toMatch(/securityhub:/);
    expect(readFileSync(join(ROOT, 'resources', 'iam.yml'), 'utf8')).not.toMatch(/securityhub:/);
  });

  it('adds nothing when off, and when on one policy on the two roles that produce findings', () => {
    expect(file.false).toEqual({});
    const resources = Object.values(file.true!.Resources!);
    expect(resources.map((r) => r.Type)).toEqual(['AWS::IAM::Policy']);
    expect(resources[0]!.Properties.Roles.map((r) => r.Ref).sort()).toEqual(['DiagnoseLaunchFailureRole', 'WriteSweepReportRole']);
  });
});
