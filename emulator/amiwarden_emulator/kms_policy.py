"""Key policy evaluation for cross-account KMS requests.

AWS (KMS Developer Guide, "Allowing users in other accounts to use a KMS key"): a principal in
another account can use a key only if the key policy allows it (and its own IAM policy does,
which we do not model). An explicit Deny wins over any Allow; without an Allow the request is
refused. moto evaluates nothing but a Deny on DescribeKey, so we evaluate the policy here, for
cross-account requests only (same-account calls stay as moto has them).

Supported: Principal (`*`, account id, `arn:aws:iam::<acct>:root`, user/role ARNs, where a role
ARN matches that role's assumed-role sessions), Action / NotAction with wildcards, Resource /
NotResource, and Condition operators String*/Arn*/Bool/Null with ForAllValues:/ForAnyValue:
prefixes and the IfExists suffix, over the context keys in `KNOWN_KEYS`.

Fail closed: a condition on a key or with an operator we do not model never grants access
(an Allow with it does not apply; a Deny with it does).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .identity import Caller

# Context keys we can evaluate (lower-case: condition keys are case-insensitive).
KNOWN_KEYS = {
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "kms:calleraccount",
    "kms:granteeprincipal",
    "kms:retiringprincipal",
    "kms:grantoperations",
    "kms:viaservice",
    "kms:grantisforawsresource",
}
MULTI_VALUED = {"kms:grantoperations"}


class _Unknown(Exception):
    """A condition we cannot evaluate."""


@dataclass
class Request:
    caller: Caller
    action: str  # e.g. kms:CreateGrant
    resource: str  # the key ARN
    context: dict[str, Any] = field(default_factory=dict)  # lower-case key -> str | list[str]


def evaluate(policy_text: str, request: Request) -> str:
    """'deny' (explicit), 'allow', or 'implicit' (no statement allows)."""
    try:
        policy = json.loads(policy_text)
    except (TypeError, ValueError):
        return "implicit"
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for st in statements:
        effect = str(st.get("Effect", "")).lower()
        if not _targets(st, request):
            continue
        try:
            conditions_hold = _conditions(st.get("Condition", {}), request.context)
        except _Unknown:
            conditions_hold = effect == "deny"
        if not conditions_hold:
            continue
        if effect == "deny":
            return "deny"
        if effect == "allow":
            allowed = True
    return "allow" if allowed else "implicit"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _targets(st: dict[str, Any], req: Request) -> bool:
    if "Principal" in st and not _principal_matches(st["Principal"], req.caller):
        return False
    if "NotPrincipal" in st:
        if st.get("Effect", "").lower() != "deny" or _principal_matches(st["NotPrincipal"], req.caller):
            return False
    if "Action" in st and not any(_glob(a, req.action, True) for a in _as_list(st["Action"])):
        return False
    if "NotAction" in st and any(_glob(a, req.action, True) for a in _as_list(st["NotAction"])):
        return False
    if "Resource" in st and not any(_glob(r, req.resource) for r in _as_list(st["Resource"])):
        return False
    if "NotResource" in st and any(_glob(r, req.resource) for r in _as_list(st["NotResource"])):
        return False
    return True


def _principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    # Service / Federated principals never match a direct API caller.
    for p in _as_list(principal.get("AWS")):
        if p == "*" or p == caller.account or p == caller.root_arn:
            return True
        # A role ARN matches its sessions; a user ARN matches the user.
        if p in (caller.principal_arn, caller.arn):
            return True
    return False


_OPERATORS = {
    "stringequals": lambda v, c: v == c,
    "stringnotequals": lambda v, c: v == c,
    "stringequalsignorecase": lambda v, c: v.lower() == c.lower(),
    "stringnotequalsignorecase": lambda v, c: v.lower() == c.lower(),
    "stringlike": lambda v, c: _glob(c, v),
    "stringnotlike": lambda v, c: _glob(c, v),
    "arnequals": lambda v, c: v == c,
    "arnnotequals": lambda v, c: v == c,
    "arnlike": lambda v, c: _glob(c, v),
    "arnnotlike": lambda v, c: _glob(c, v),
    "bool": lambda v, c: v.lower() == c.lower(),
}
_NEGATED = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike"}


def _conditions(conditions: dict[str, Any], context: dict[str, Any]) -> bool:
    # Every operator and every key inside it must hold (AND); values of one key are ORed.
    for raw_operator, entries in conditions.items():
        for raw_key, expected in entries.items():
            if not _condition(raw_operator, raw_key.lower(), [str(e) for e in _as_list(expected)], context):
                return False
    return True


def _condition(raw_operator: str, key: str, expected: list[str], context: dict[str, Any]) -> bool:
    if key not in KNOWN_KEYS:
        raise _Unknown(key)
    operator = raw_operator.lower()
    present = key in context and context[key] is not None
    values = [str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(context.get(key))]

    if operator == "null":
        return any((e.lower() == "true") == (not present) for e in expected)

    qualifier = None
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("ifexists")
    if if_exists:
        operator = operator[: -len("ifexists")]
    if operator not in _OPERATORS or qualifier not in (None, "forallvalues", "foranyvalue"):
        raise _Unknown(raw_operator)
    match = _OPERATORS[operator]
    negated = operator in _NEGATED

    def holds(value: str) -> bool:
        hit = any(match(value, e) for e in expected)
        return not hit if negated else hit

    if qualifier == "forallvalues":
        return all(holds(v) for v in values)  # vacuously true when absent or empty
    if not present:
        return if_exists or (negated and qualifier is None)
    return any(holds(v) for v in values)
