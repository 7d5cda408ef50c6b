/**
 * Least privilege from the catalogue: every Lambda role of resources/iam.yml and the member role
 * hold exactly the actions that the checks they run (their facts and fixes, core/checks/) and the
 * steps' own calls (core/permissions.ts) declare. A check whose facts need an action no role holds
 * fails here, and so does a role holding an action nothing declares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CATALOGUE, checkPermissions } from '../../../core/checks';
import { CONDITIONAL, MEMBER_CONDITIONAL, memberRolePermissions, STEPS, stepPermissions } from '../../../core/permissions';
import { asArray, loadMemberTemplate, ROOT, type JsonObject, type Statement, type Template } from './templates';

/** A statement under `Fn::If: [condition, statement, AWS::NoValue]`: held only when the condition is. */
const conditional = (s: unknown): { condition: string; statement: Statement } | null => {
  const branches = (s as JsonObject)?.['Fn::If'] as unknown[] | undefined;
  return Array.isArray(branches) ? { condition: String(branches[0]), statement: branches[1] as Statement } : null;
};

const statementsOf = (policies: unknown, when: 'always' | string): Statement[] =>
  asArray(policies as JsonObject[])
    .flatMap((p) => asArray((p.PolicyDocument as JsonObject).Statement as unknown as Statement[]))
    .flatMap((s) => {
      const c = conditional(s);
      if (c) return when === c.condition ? [c.statement] : [];
      return when === 'always' ? [s] : [];
    });

const identityActions = (policies: unknown, when: 'always' | string = 'always'): string[] =>
  [...new Set(statementsOf(policies, when).filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action)))].sort();

describe('IAM follows from the check catalogue', () => {
  const central = parse(readFileSync(join(ROOT, 'resources', 'iam.yml'), 'utf8'), { logLevel: 'error' }) as Template;
  const lambdaRoles = Object.entries(central.Resources).filter(
    ([, r]) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties?.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
  );
  const member = loadMemberTemplate().Resources.MemberRole!;

  it('declares a step for every Lambda role, and a role for every step', () => {
    expect(STEPS.map((s) => s.role).sort()).toEqual(lambdaRoles.map(([name]) => name).sort());
  });

  it.each(STEPS.map((s) => [s.role, s] as const))('%s holds exactly what its step declares', (role, step) => {
    const resource = central.Resources[role]!;
    const conditions = CONDITIONAL.filter((c) => c.role === role);
    const held = [...identityActions(resource.Properties!.Policies), ...conditions.flatMap((c) => identityActions(resource.Properties!.Policies, c.condition))];
    expect([...new Set(held)].sort()).toEqual(stepPermissions(step).central);
    // What is conditional is held only under its condition, never unconditionally.
    for (const c of conditions) {
      expect(identityActions(resource.Properties!.Policies, c.condition)).toEqual([...c.actions].sort());
      expect(identityActions(resource.Properties!.Policies).filter((a) => c.actions.includes(a))).toEqual([]);
    }
  });

  it('the member role holds exactly the member side of every step', () => {
    const held = [...identityActions(member.Properties!.Policies), ...MEMBER_CONDITIONAL.flatMap((c) => identityActions(member.Properties!.Policies, c.condition))];
    expect([...new Set(held)].sort()).toEqual(memberRolePermissions());
    // What the member opts into is held only under its condition, never unconditionally.
    for (const c of MEMBER_CONDITIONAL) {
      expect(identityActions(member.Properties!.Policies, c.condition)).toEqual([...c.actions].sort());
      expect(identityActions(member.Properties!.Policies).filter((a) => c.actions.includes(a))).toEqual([]);
    }
  });

  it.each(CATALOGUE.map((c) => [c.id, c] as const))('%s: every action it declares is held by a role that runs it', (_id, check) => {
    const held = new Set([...memberRolePermissions().map((a) => `member ${a}`), ...STEPS.flatMap((s) => stepPermissions(s).central.map((a) => `central ${a}`))]);
    for (const p of checkPermissions(check)) for (const a of p.actions) expect(held.has(`${p.as} ${a}`) ? a : `${p.as} ${a} held by no role`).toBe(a);
  });
});
