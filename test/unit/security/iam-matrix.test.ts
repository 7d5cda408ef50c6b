/**
 * Issue 6: amiwarden's allow/deny matrix, evaluated by an IAM policy simulator
 * (@cloud-copilot/iam-simulate) against the policies that actually deploy: the central template as
 * `npm run package` builds it with real-looking params, and the member template, both resolved for a
 * concrete organization (support/world.ts). The cases and their reasons are in cases.ts; the summary
 * is in docs/security.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allowedContextKeysForRequest } from '@cloud-copilot/iam-simulate';
import { GRANT_OPERATIONS, MATRIX, REVOKE_POLICY_MATRIX } from './cases';
import { GUARDS } from './guards-of-cases';
import { withMatrixTables } from './matrix-doc';
import { simulate, verdict, type MatrixCase } from './support/simulate';
import { CENTRAL, CENTRAL_BUS, KEY, MEMBER_A, ORG, REPORT_BUCKET, World } from './support/world';
import { REQUIRED_GRANT_OPERATIONS } from '../../../core/grants';

describe('docs/security.md’s matrix tables', () => {
  const doc = readFileSync(path.join(__dirname, '../../../docs/security.md'), 'utf8');

  it('are the ones written from cases.ts: every case, numbered in order, and nothing else (npm run docs:matrix)', () => {
    expect(doc).toBe(withMatrixTables(doc));
  });

  it('can be stale: a case missing from the table is seen', () => {
    const row = doc.split('\n').find((line) => line.startsWith('| 1 | '))!;
    const missing = doc.replace(`${row}\n`, '');
    expect(missing).not.toBe(withMatrixTables(missing));
  });
});

describe('IAM allow/deny matrix', () => {
  let world: World;

  beforeAll(() => {
    world = World.load();
  }, 180_000);

  describe('the world it is evaluated in', () => {
    it('is the central template packaged with the matrix params, wired to the member template as the StackSet is', () => {
      const diagnose = world.actor('central/diagnose');
      expect(JSON.stringify(diagnose.identityPolicies)).toContain(KEY);
      expect(JSON.stringify(diagnose.identityPolicies)).toContain(ORG);
      expect(world.centralOutput('EventBusArn')).toBe(CENTRAL_BUS);
      expect(world.reportBucketArn()).toBe(REPORT_BUCKET);
      expect(world.centralOutput('CentralPrincipalArns').split(',')).toEqual(
        ['diagnose', 'grant', 'grant-target', 'inspect-member', 'repair-grants', 'update-launch-templates'].map((name) => `arn:aws:iam::${CENTRAL}:role/amiwarden-dev-us-east-1-${name}`),
      );
      expect(JSON.stringify(world.actor(`member/${MEMBER_A}`).identityPolicies)).toContain(`arn:aws:iam::${MEMBER_A}:role/aws-service-role/`);
    });

    it('asks for the same 8 grant operations as the code', () => {
      expect([...GRANT_OPERATIONS].sort()).toEqual([...REQUIRED_GRANT_OPERATIONS].sort());
    });

    it('has at least 20 cases, each named once and explained', () => {
      expect(MATRIX.length).toBeGreaterThanOrEqual(20);
      expect(new Set(MATRIX.map((c) => c.name)).size).toBe(MATRIX.length);
      for (const c of MATRIX) expect(c.why.length).toBeGreaterThan(10);
    });

    it('has no two cases that make the same request (a duplicate proves nothing new)', () => {
      const request = (c: MatrixCase) =>
        JSON.stringify([c.principal, c.action, c.resource, c.resourceAccount ?? null, c.resourcePolicy ?? null, Object.entries(c.context ?? {}).sort(), Object.entries(c.centralParameters ?? {}).sort(), Object.entries(c.memberParameters ?? {}).sort()]);
      const seen = new Map<string, string>();
      const duplicates: string[][] = [];
      for (const c of MATRIX) {
        const first = seen.get(request(c));
        if (first) duplicates.push([first, c.name]);
        else seen.set(request(c), c.name);
      }
      expect(duplicates).toEqual([]);
    });
  });

  describe('what IAM cannot express', () => {
    it('has no condition key for the launch permission added to an image, only for a snapshot', async () => {
      const image = await allowedContextKeysForRequest('ec2', 'ModifyImageAttribute', 'arn:aws:ec2:us-east-1::image/ami-0a1b2c3d4e5f60718', false, undefined);
      const snapshot = await allowedContextKeysForRequest('ec2', 'ModifySnapshotAttribute', 'arn:aws:ec2:us-east-1::snapshot/snap-0a1b2c3d4e5f60718', false, undefined);

      expect(image).not.toContain('ec2:add/group');
      expect(image).not.toContain('ec2:add/userid');
      expect(snapshot).toEqual(expect.arrayContaining(['ec2:add/group', 'ec2:add/userid']));
    });

    it('pins every known gap as an allow, with where it is enforced instead', () => {
      for (const c of MATRIX.filter((m) => m.gap)) expect({ name: c.name, expect: c.expect, explained: c.gap!.length > 40 }).toEqual({ name: c.name, expect: 'allow', explained: true });
    });
  });

  describe('every case fails with its guard removed (the matrix can fail)', () => {
    it('names a guard for every case, and only for cases that exist', () => {
      expect(MATRIX.filter((c) => !GUARDS[c.name]?.length).map((c) => c.name)).toEqual([]);
      expect(Object.keys(GUARDS).filter((name) => !MATRIX.some((c) => c.name === name))).toEqual([]);
    });

    it.each(MATRIX.filter((c) => GUARDS[c.name]).map((c) => [`${c.expect}: ${c.name}`, c] as [string, MatrixCase]))('without its guard: %s', async (_, c) => {
      const outcome = await simulate(world.withoutGuards(GUARDS[c.name]!), c);

      expect({ case: c.name, decision: verdict(outcome.result) }).toEqual({ case: c.name, decision: c.expect === 'allow' ? 'deny' : 'allow' });
    });
  });

  it.each(MATRIX.map((c) => [`${c.expect}: ${c.name}`, c] as [string, MatrixCase]))('%s', async (_, c) => {
    const outcome = await simulate(world, c);

    expect({ decision: verdict(outcome.result), ignoredContextKeys: outcome.ignoredCaseKeys }).toEqual({ decision: c.expect, ignoredContextKeys: c.ignoredByIam ?? [] });
    if (c.allowedBy) expect(outcome.allowedBy).toEqual(expect.arrayContaining(c.allowedBy));
  });

  describe('with the central stack deployed with StaleGrantPolicy = revoke', () => {
    let revoking: World;
    beforeAll(() => {
      revoking = World.load({ StaleGrantPolicy: 'revoke' });
    }, 180_000);

    it.each(REVOKE_POLICY_MATRIX.map((c) => [`${c.expect}: ${c.name}`, c] as [string, MatrixCase]))('%s', async (_, c) => {
      const outcome = await simulate(revoking, c);

      expect({ decision: verdict(outcome.result), ignoredContextKeys: outcome.ignoredCaseKeys }).toEqual({ decision: c.expect, ignoredContextKeys: [] });
      if (c.allowedBy) expect(outcome.allowedBy).toEqual(expect.arrayContaining(c.allowedBy));
    });
  });
});
