/**
 * The catalogue: every check, in the order a diagnosis weighs them (most fundamental first).
 * A diagnosis takes the first launcher result; a sweep reports the first launcher result of each
 * launcher and every result of the other scopes.
 */
import { factPermissions } from './facts';
import { missingGrant } from './missing-grant';
import type { AnyCheck, Check, CheckResult, FactsByScope, Permission, Scope } from './types';

export const CATALOGUE: readonly AnyCheck[] = [missingGrant];

export type Run = 'diagnosis' | 'sweep';

export function checksOf<S extends Scope>(scope: S, run: Run): Check<S>[] {
  return CATALOGUE.filter((c): c is Check<S> & AnyCheck => c.scope === scope && c.runs.includes(run)) as Check<S>[];
}

/** The first result of the scope's checks, in catalogue order. */
export function firstResult<S extends Scope>(scope: S, run: Run, facts: FactsByScope[S]): CheckResult | null {
  for (const check of checksOf(scope, run)) {
    const result = check.evaluate(facts);
    if (result) return result;
  }
  return null;
}

/** Every result of the scope's checks. */
export function allResults<S extends Scope>(scope: S, run: Run, facts: FactsByScope[S]): CheckResult[] {
  return checksOf(scope, run).flatMap((check) => check.evaluate(facts) ?? []);
}

/** The facts a run of the scope must gather: the union of its checks' declarations. */
export function factsNeeded(scope: Scope, run: Run) {
  return [...new Set(checksOf(scope, run).flatMap((c) => c.facts))];
}

/** Every IAM action a check needs: its facts' reads and its fix. */
export function checkPermissions(check: AnyCheck): Permission[] {
  return [...factPermissions(check.facts), ...check.fixPermissions];
}

export const checkById = (id: string): AnyCheck | undefined => CATALOGUE.find((c) => c.id === id);

export type { AnyCheck, Check, CheckResult, FactsByScope, Permission, Scope } from './types';
