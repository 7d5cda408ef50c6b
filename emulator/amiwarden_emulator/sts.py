"""STS: AssumeRole across accounts needs the role to exist and its trust policy to allow the caller.

Restores, per the IAM User Guide ("Granting a user permissions to switch roles", "How to use an
external ID") and the STS API Reference (API_AssumeRole): a principal can assume a role in another
account only if that role exists and its trust policy (AssumeRolePolicyDocument) allows the
caller for `sts:AssumeRole`; otherwise `AccessDenied`, HTTP 403,
`User: <caller arn> is not authorized to perform: sts:AssumeRole on resource: <role arn>`.
moto 5.2.1 checks neither: any ARN can be assumed, which hides a deleted or untrusting member role.

Scope (a deliberate departure, see docs/emulator.md): only *cross-account* requests are checked.
A caller assuming a role in its own account is let through as moto does, existing role or not:
tests build the world with the account-coded static keys (AKIA<account>AMIW, the account root)
and `assumedRoleConfig` assumes `arn:aws:iam::<acct>:role/<anything>` to get a role identity.

Trust evaluation reuses kms_policy.py: Principal (`*`, account id, `arn:aws:iam::<acct>:root`, a
role ARN matching that role's sessions, a user ARN), Action with wildcards, Allow/Deny, and
conditions with the same operators over `sts:ExternalId`, `aws:PrincipalOrgID`,
`aws:PrincipalAccount` and `aws:PrincipalArn`. A condition on any other key fails closed.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import _RESTError
from moto.iam.models import iam_backends
from moto.sts.responses import TokenResponse

from . import kms_policy
from .identity import Caller, caller_of, organization_of

TRUST_KEYS = {"sts:externalid", "aws:principalorgid", "aws:principalaccount", "aws:principalarn"}
_STAND_IN = "aws:principalarn"


class StsAccessDenied(_RESTError):
    code = 403

    def __init__(self, caller: Caller, role_arn: str):
        super().__init__("AccessDenied", f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def _role_of(role_arn: str) -> tuple[str, str, str] | None:
    """(partition, account, role name) of `arn:<partition>:iam::<account>:role/<path/>name`."""
    parts = (role_arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    return parts[1], parts[4], parts[5].rsplit("/", 1)[-1]


def _conditions_hold(conditions: dict[str, Any], context: dict[str, Any]) -> bool:
    for raw_operator, entries in (conditions or {}).items():
        for raw_key, expected in entries.items():
            key = raw_key.lower()
            if key not in TRUST_KEYS:
                raise kms_policy._Unknown(key)
            # kms_policy's operator semantics (String*/Arn*/Bool/Null, ForAllValues/ForAnyValue,
            # IfExists); its key whitelist is for key policies, so the value goes under a stand-in.
            value = {_STAND_IN: context[key]} if key in context else {}
            if not kms_policy._condition(raw_operator, _STAND_IN, [str(e) for e in kms_policy._as_list(expected)], value):
                return False
    return True


def trust_allows(trust_policy: str, caller: Caller, role_arn: str, external_id: str | None) -> bool:
    try:
        policy = json.loads(trust_policy)
    except (TypeError, ValueError):
        return False
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    org = organization_of(caller.account)
    context = {
        "aws:principalaccount": caller.account,
        "aws:principalarn": caller.principal_arn,
        **({"aws:principalorgid": org[0]} if org else {}),
        **({"sts:externalid": external_id} if external_id is not None else {}),
    }
    request = kms_policy.Request(caller, "sts:AssumeRole", role_arn)
    allowed = False
    for st in statements:
        effect = str(st.get("Effect", "")).lower()
        if not kms_policy._targets(st, request):
            continue
        try:
            holds = _conditions_hold(st.get("Condition", {}), context)
        except kms_policy._Unknown:
            holds = effect == "deny"
        if not holds:
            continue
        if effect == "deny":
            return False
        if effect == "allow":
            allowed = True
    return allowed


_original_assume_role = TokenResponse.assume_role


def assume_role(self: TokenResponse) -> Any:
    role_arn = self._get_param("RoleArn")
    target = _role_of(role_arn)
    if target is not None and target[1] != self.current_account:
        partition, account, name = target
        caller = caller_of(self.current_account, self.access_key, self.partition)
        iam = iam_backends[account][partition]
        role = next((r for r in iam.roles.values() if r.name == name), None)
        if role is None or not trust_allows(role.assume_role_policy_document, caller, role_arn, self._get_param("ExternalId")):
            raise StsAccessDenied(caller, role_arn)
    return _original_assume_role(self)


def apply() -> None:
    TokenResponse.assume_role = assume_role
