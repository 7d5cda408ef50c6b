/**
 * A matrix case's guard: the part of a deployed policy its decision rests on. Removing it must flip
 * the case (iam-matrix.test.ts, "every case fails with its guard removed"): a case whose decision
 * survives the loss of its guard proves nothing. For an allow, the guard is the statement that
 * allows; for a deny, the condition, resource or action limit that refuses (several, when the
 * request is refused more than once over).
 */
import type { Json, JsonObject } from '../../deploy/templates';

/**
 * Which policy: an identity's own (`central/<role>`, `member/<account>`, `forwarder/<account>`, as
 * World.actor names them) or a resource policy (as World.resourcePolicy names them).
 */
export type GuardedPolicy = string;

export type Guard = PolicyGuard | ParameterGuard | MemberParameterGuard;

/** As ParameterGuard, for the member stack: a member's own opt-in (e.g. LaunchTemplateIds) that turns a statement on. */
export interface MemberParameterGuard {
  memberParameters: Record<string, string | string[]>;
}

/**
 * A CloudFormation condition that leaves a statement out unless the configuration asks for it:
 * removing the guard deploys the stack with these parameters, which turn the statement on.
 */
export interface ParameterGuard {
  parameters: Record<string, string>;
}

export type PolicyGuard = {
  policy: GuardedPolicy;
  /** The statement's Sid, or `#<index>` for a statement without one. */
  statement: string;
} & (
  | { remove: 'statement' }
  /** Drops a condition key, whatever its operator. */
  | { remove: 'condition'; key: string }
  /** Widens the statement to any action, any resource or any principal. */
  | { widen: 'action' | 'resource' | 'principal' }
);

const asStatements = (policy: JsonObject): JsonObject[] => {
  const raw = policy.Statement;
  return (Array.isArray(raw) ? raw : raw ? [raw] : []) as JsonObject[];
};

/** `policy` with `guard` removed (a copy); throws when the guard names nothing in it. */
export function removeGuard(policy: JsonObject, guard: PolicyGuard): JsonObject {
  const copy = JSON.parse(JSON.stringify(policy)) as JsonObject;
  const statements = asStatements(copy);
  const index = guard.statement.startsWith('#') ? Number(guard.statement.slice(1)) : statements.findIndex((s) => s.Sid === guard.statement);
  const statement = statements[index];
  if (!statement) throw new Error(`guard: no statement ${guard.statement} in ${guard.policy}`);
  if ('remove' in guard && guard.remove === 'statement') {
    statements.splice(index, 1);
  } else if ('remove' in guard) {
    const condition = (statement.Condition ?? {}) as Record<string, Record<string, Json>>;
    let found = false;
    for (const [operator, keys] of Object.entries(condition)) {
      for (const key of Object.keys(keys)) {
        if (key.toLowerCase() !== guard.key.toLowerCase()) continue;
        delete keys[key];
        found = true;
      }
      if (Object.keys(keys).length === 0) delete condition[operator];
    }
    if (!found) throw new Error(`guard: statement ${guard.statement} of ${guard.policy} has no condition on ${guard.key}`);
    if (Object.keys(condition).length === 0) delete statement.Condition;
  } else if (guard.widen === 'action') {
    delete statement.NotAction;
    statement.Action = '*';
  } else if (guard.widen === 'resource') {
    delete statement.NotResource;
    statement.Resource = '*';
  } else {
    delete statement.NotPrincipal;
    statement.Principal = { AWS: '*' };
  }
  return { ...copy, Statement: statements };
}
