"""KMS: cross-account use by key ARN, key-policy authorisation, grants and AWS managed keys.

Restores, per the KMS API Reference / Developer Guide:

1. Cross-account use (API Reference, "Cross-account use: Yes" operations): a request from account
   B naming `arn:aws:kms:<region>:<A>:key/<id>` acts on A's key. moto looks the ARN up in B and
   answers NotFoundException or HTTP 500. The request is allowed only if A's key policy allows
   B's principal (see kms_policy.py) or a grant on the key names the caller as grantee with that
   operation; otherwise AccessDeniedException in AWS's message form.
2. CreateGrant (API_CreateGrant): `Name` makes retries idempotent (same key, name and parameters
   -> the original GrantId), `Operations` must be members of the GrantOperation enum, the key must
   be Enabled (DisabledException / KMSInvalidStateException). ListGrants honours `GrantId` and
   `GranteePrincipal` and returns the key ARN, CreationDate and IssuingAccount. `DryRun` checks
   everything the real call would (key policy, grant parameters, key state) and then answers
   DryRunOperationException (HTTP 412) without creating a grant; moto ignores it and creates one.
3. AWS managed keys (Developer Guide, "AWS managed keys"; "Create aliases"): keys behind
   `alias/aws/*` report KeyManager AWS (`aws/ebs` with its documented description), and customers
   cannot create or point aliases that begin with `alias/aws/`.
4. Grants are tied to the grantee's identity, not its name (Developer Guide, "Grants in AWS KMS";
   hashicorp/terraform-provider-aws#29340): KMS stores the role's unique id. Once the role is
   deleted, or deleted and re-created with the same ARN, ListGrants shows the old role's unique id
   (`AROA…`) as GranteePrincipal, the grant authorises nothing for the new role, a `GranteePrincipal`
   filter with the role's ARN no longer finds it, and a `Name` retry for the new role is a new grant.
   ListGrants pages (`Limit` 1-100, default 50; `Marker` / `NextMarker` / `Truncated`), and a key holds
   at most 50,000 grants (`LimitExceededException`, Developer Guide "Grants per KMS key" quota).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import re
import threading

from moto.core.exceptions import JsonRESTError
from moto.iam.models import iam_backends
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random
from moto.kms import models as kms_models
from moto.kms.models import Grant, Key, KmsBackend, kms_backends
from moto.kms.responses import KmsResponse
from moto.kms.utils import _deserialize_ciphertext_blob

from . import kms_policy
from .identity import Caller, caller_of, organization_of

# AWS API action -> (IAM action, may a grant authorise it?)
CROSS_ACCOUNT_ACTIONS = {
    "DescribeKey": True,
    "CreateGrant": True,
    "RetireGrant": True,
    "ListGrants": False,
    "RevokeGrant": False,
    "Encrypt": True,
    "Decrypt": True,
    "GenerateDataKey": True,
    "GenerateDataKeyWithoutPlaintext": True,
    "GenerateDataKeyPair": True,
    "GenerateDataKeyPairWithoutPlaintext": True,
    "ReEncrypt": True,
    "GenerateMac": True,
    "VerifyMac": True,
    "Sign": True,
    "Verify": True,
    "GetPublicKey": True,
    "GetKeyRotationStatus": False,
}

GRANT_OPERATIONS = [
    "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
    "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac",
    "DeriveSharedSecret",
]

AWS_MANAGED_DESCRIPTIONS = {
    "alias/aws/ebs": "Default key that protects my EBS volumes when no other key is defined",
}


class KmsError(JsonRESTError):
    """A KMS error whose body keeps its message (moto's own AccessDeniedException drops it)."""

    code = 400

    def __init__(self, error_type: str, message: str):
        super().__init__(error_type, message)


# ---------------------------------------------------------------------------------------------
# 1. Cross-account routing and key-policy authorisation


def _parse_key_arn(ref: Any) -> tuple[str, str] | None:
    """(account, region) of a key or alias ARN."""
    if not isinstance(ref, str) or not ref.startswith("arn:"):
        return None
    parts = ref.split(":", 5)
    if len(parts) != 6 or parts[2] != "kms":
        return None
    return parts[4], parts[3]


def _find_owner_of_key_id(key_id: str, region: str) -> str | None:
    for account, regions in list(kms_backends.items()):
        backend = regions.get(region) if hasattr(regions, "get") else None
        if backend is not None and key_id in backend.keys:
            return account
    return None


def _target_of(self: KmsResponse, action: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """The (account, region) whose key this request names, when it is not the caller's."""
    ref = params.get("DestinationKeyId") if action == "ReEncrypt" else params.get("KeyId")
    target = _parse_key_arn(ref)
    if target is None and action == "Decrypt" and params.get("CiphertextBlob"):
        # Decrypt may omit KeyId: the ciphertext names its key.
        try:
            blob = base64.b64decode(params["CiphertextBlob"])
            key_id = _deserialize_ciphertext_blob(blob).key_id
        except Exception:
            return None
        if key_id not in kms_backends[self.current_account][self.region].keys:
            owner = _find_owner_of_key_id(key_id, self.region)
            target = (owner, self.region) if owner else None
    if target is None and action == "RetireGrant" and params.get("GrantToken") and not ref:
        for account, regions in list(kms_backends.items()):
            backend = regions.get(self.region)
            if backend and any(g.token == params["GrantToken"] for k in backend.keys.values() for g in k.grants.values()):
                target = (account, self.region)
                break
    if target is None or target[0] == self.current_account:
        return None
    return target


def _caller(self: KmsResponse) -> Caller:
    return caller_of(self.current_account, self.access_key, self.partition)


def _resolve_key(backend: KmsBackend, ref: str | None) -> Key | None:
    if not ref:
        return None
    try:
        key_id = backend.any_id_to_key_id(ref)
    except Exception:
        return None
    return backend.keys.get(key_id) if key_id else None


def _context(caller: Caller, action: str, params: dict[str, Any]) -> dict[str, Any]:
    org = organization_of(caller.account)
    ctx: dict[str, Any] = {
        "aws:principalaccount": caller.account,
        "aws:principalarn": caller.principal_arn,
        "kms:calleraccount": caller.account,
        "aws:principalorgid": org[0] if org else None,
        # kms:ViaService is absent: these are direct API calls, not made by an AWS service for us.
    }
    if action in ("CreateGrant", "ListGrants", "RevokeGrant"):
        # A direct API call is never "for an AWS resource" (that is how EBS/EC2 call CreateGrant).
        ctx["kms:grantisforawsresource"] = "false"
    if action == "CreateGrant":
        ctx["kms:granteeprincipal"] = params.get("GranteePrincipal")
        ctx["kms:retiringprincipal"] = params.get("RetiringPrincipal")
        ctx["kms:grantoperations"] = list(params.get("Operations") or [])
    return ctx


def _grant_allows(key: Key, caller: Caller, operation: str) -> bool:
    return any(
        grantee_of(g) in (caller.principal_arn, caller.arn, caller.root_arn)
        and operation in (g.operations or [])
        for g in key.grants.values()
    )


def _authorize_cross_account(self: KmsResponse, action: str, params: dict[str, Any], key: Key) -> None:
    caller = _caller(self)
    iam_action = "kms:ReEncryptTo" if action == "ReEncrypt" else f"kms:{action}"
    request = kms_policy.Request(caller, iam_action, key.arn, _context(caller, action, params))
    decision = kms_policy.evaluate(key.policy, request)
    prefix = f"User: {caller.arn} is not authorized to perform: {iam_action} on resource: {key.arn}"
    if decision == "deny":
        raise KmsError("AccessDeniedException", f"{prefix} with an explicit deny in a resource-based policy")
    if decision == "allow":
        return
    if CROSS_ACCOUNT_ACTIONS[action] and _grant_allows(key, caller, iam_action.split(":", 1)[1]):
        return
    raise KmsError(
        "AccessDeniedException",
        f"{prefix} because no resource-based policy allows the {iam_action} action",
    )


def _kms_backend(self: KmsResponse) -> KmsBackend:
    account, region = getattr(self, "_aw_target", None) or (self.current_account, self.region)
    return kms_backends[account][region]


_original_call_action = KmsResponse.call_action


def _call_action(self: KmsResponse) -> Any:
    self._aw_target = None
    action = self._get_action()
    if action in CROSS_ACCOUNT_ACTIONS:
        try:
            params = json.loads(self.body or "{}")
        except ValueError:
            params = {}
        target = _target_of(self, action, params)
        if target is not None:
            self._aw_target = target
            ref = params.get("DestinationKeyId") if action == "ReEncrypt" else params.get("KeyId")
            key = _resolve_key(_kms_backend(self), ref)
            if key is None and action == "Decrypt":
                blob = base64.b64decode(params["CiphertextBlob"])
                key = _kms_backend(self).keys.get(_deserialize_ciphertext_blob(blob).key_id)
            if key is None and action == "RetireGrant":
                key = next(
                    (k for k in _kms_backend(self).keys.values()
                     if any(g.token == params.get("GrantToken") for g in k.grants.values())),
                    None,
                )
            # An unknown key is left to moto, which answers NotFoundException with the key ARN.
            if key is not None:
                try:
                    _authorize_cross_account(self, action, params, key)
                except KmsError as error:
                    return _error_response(error)
    return _original_call_action(self)


def _error_response(error: JsonRESTError) -> tuple[int, dict[str, Any], str]:
    headers = {"status": error.code, "Content-Type": "application/x-amz-json-1.1"}
    return error.code, headers, error.description


# ---------------------------------------------------------------------------------------------
# 2. Grants


GRANTS_PER_KEY = 50_000

_ROLE_ARN = re.compile(r"^arn:([\w-]+):iam::(\d{12}):role/(?:[^/]+/)*([\w+=,.@-]+)$")


def _current_role(principal: Any) -> Any:
    """The IAM role that a role ARN names right now, if it exists."""
    match = _ROLE_ARN.match(principal or "") if isinstance(principal, str) else None
    if not match:
        return None
    partition, account, name = match.groups()
    try:
        backend = iam_backends[account][partition]
    except KeyError:
        return None
    role = next((r for r in list(backend.roles.values()) if r.name == name), None)
    return role if role is not None and role.arn == principal else None


def grantee_of(grant: Grant) -> str:
    """What KMS shows as the grantee: the role's ARN while that very role exists, else its unique id."""
    unique_id = getattr(grant, "grantee_unique_id", None)
    if unique_id is None:
        return grant.grantee_principal
    role = _current_role(grant.grantee_principal)
    return grant.grantee_principal if role is not None and role.id == unique_id else unique_id


def _grant_to_json(self: Grant) -> dict[str, Any]:
    result: dict[str, Any] = {
        "KeyId": getattr(self, "key_arn", self.key_id),
        "GrantId": self.id,
        "Name": self.name or "",
        "CreationDate": getattr(self, "creation_date", None),
        "GranteePrincipal": grantee_of(self),
        "RetiringPrincipal": self.retiring_principal,
        "IssuingAccount": getattr(self, "issuing_account", None),
        "Operations": self.operations,
        "Constraints": self.constraints,
    }
    # AWS omits members that are not set.
    return {k: v for k, v in result.items() if v is not None}


def _params(self: KmsResponse) -> dict[str, Any]:
    return json.loads(self.body or "{}")


def _key_for_grant_call(self: KmsResponse, key_ref: str) -> Key:
    # CreateGrant/ListGrants/RevokeGrant take a key id or key ARN (no alias); moto 500s on unknown keys.
    self._validate_cmk_id(key_ref)
    return self.kms_backend.describe_key(key_ref)


def _check_key_usable(key: Key) -> None:
    if key.key_state == "Disabled":
        raise KmsError("DisabledException", f"{key.arn} is disabled.")
    if key.key_state != "Enabled":
        state = {"PendingDeletion": "pending deletion", "PendingImport": "pending import"}.get(
            key.key_state, key.key_state
        )
        raise KmsError("KMSInvalidStateException", f"{key.arn} is {state}.")


def create_grant(self: KmsResponse) -> str:
    params = _params(self)
    key = _key_for_grant_call(self, params.get("KeyId", ""))
    grantee = params.get("GranteePrincipal")
    operations = params.get("Operations") or []
    invalid = [op for op in operations if op not in GRANT_OPERATIONS]
    if not grantee or not operations or invalid:
        raise KmsError(
            "ValidationException",
            f"1 validation error detected: Value '{operations}' at 'operations' failed to satisfy "
            f"constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
            f"[{', '.join(GRANT_OPERATIONS)}]]",
        )
    _check_key_usable(key)
    if params.get("DryRun") is True:
        error = KmsError("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
        error.code = 412
        raise error
    name = params.get("Name")
    retiring = params.get("RetiringPrincipal")
    constraints = params.get("Constraints")
    if name:
        for grant in key.grants.values():
            if (
                grant.name == name
                and grantee_of(grant) == grantee
                and grant.retiring_principal == retiring
                and sorted(grant.operations) == sorted(operations)
                and grant.constraints == constraints
            ):
                return json.dumps({"GrantId": grant.id, "GrantToken": grant.token})
    if len(key.grants) >= GRANTS_PER_KEY:
        raise KmsError("LimitExceededException", f"The request was rejected because the key {key.arn} already has {len(key.grants)} grants.")
    grant = _add_grant(key, name, grantee, operations, constraints, retiring, f"arn:{self.partition}:iam::{self.current_account}:root")
    return json.dumps({"GrantId": grant.id, "GrantToken": grant.token})


def _add_grant(key: Key, name: str | None, grantee: str, operations: list[str], constraints: Any, retiring: Any, issuing_account: str) -> Grant:
    grant = key.add_grant(name, grantee, operations, constraints=constraints, retiring_principal=retiring)
    # AWS grant ids and tokens are long hex strings; moto's 8-character ids look nothing like them.
    del key.grants[grant.id]
    grant.id = mock_random.get_random_hex(64)
    grant.token = mock_random.get_random_hex(64)
    key.grants[grant.id] = grant
    grant.key_arn = key.arn
    grant.creation_date = unix_time()
    grant.issuing_account = issuing_account
    # KMS resolves a role to its unique id when it creates the grant (an unknown role is kept as named).
    role = _current_role(grantee)
    grant.grantee_unique_id = role.id if role is not None else None
    return grant


def list_grants(self: KmsResponse) -> str:
    params = _params(self)
    key = _key_for_grant_call(self, params.get("KeyId", ""))
    limit = params.get("Limit", 50)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise KmsError(
            "ValidationException",
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100",
        )
    grant_id, grantee = params.get("GrantId"), params.get("GranteePrincipal")
    grants = list(key.grants.values())
    if grant_id is not None:
        grants = [g for g in grants if g.id == grant_id]
    if grantee is not None:
        grants = [g for g in grants if grantee_of(g) == grantee]
    start = 0
    marker = params.get("Marker")
    if marker is not None:
        ids = list(key.grants) if grant_id is None and grantee is None else [g.id for g in grants]
        if marker not in key.grants or marker not in ids:
            raise KmsError("InvalidMarkerException", "The request was rejected because the marker that specifies where pagination should next begin is not valid.")
        start = ids.index(marker)
    page = grants[start:start + limit]
    rest = grants[start + limit:]
    body: dict[str, Any] = {"Grants": [g.to_json() for g in page], "Truncated": bool(rest)}
    if rest:
        body["NextMarker"] = rest[0].id
    return json.dumps(body)


_feed_lock = threading.Lock()


def feed_grants(payload: dict[str, Any]) -> int:
    """Test feed: adds `count` grants to a key at once, as AWS services do (EBS makes one per
    attached volume), so that a key near its quota can be built without 40,000 API calls.
    Returns how many grants the key holds."""
    account, region, key_id = payload["account"], payload["region"], payload["keyId"]
    count = int(payload.get("count", 1))
    if count < 1 or count > GRANTS_PER_KEY:
        raise ValueError(f"count must be 1 to {GRANTS_PER_KEY}")
    with _feed_lock:
        backend = kms_backends[account][region]
        key = backend.keys[backend.get_key_id(key_id)]
        if len(key.grants) + count > GRANTS_PER_KEY:
            raise ValueError(f"the key would hold more than {GRANTS_PER_KEY} grants")
        for _ in range(count):
            _add_grant(
                key,
                payload.get("name"),
                payload["granteePrincipal"],
                list(payload.get("operations") or ["Decrypt"]),
                None,
                payload.get("retiringPrincipal"),
                payload.get("issuingAccount") or f"arn:aws:iam::{account}:root",
            )
        return len(key.grants)


def revoke_grant(self: KmsResponse) -> str:
    params = _params(self)
    key = _key_for_grant_call(self, params.get("KeyId", ""))
    if params.get("GrantId") not in key.grants:
        raise KmsError("NotFoundException", f"Grant ID {params.get('GrantId')} not found")
    del key.grants[params["GrantId"]]
    return "{}"


# ---------------------------------------------------------------------------------------------
# 3. AWS managed keys


_original_create_alias = KmsBackend.create_alias
_original_set_alias = KmsResponse._set_alias


def _backend_create_alias(self: KmsBackend, target_key_id: str, alias_name: str) -> Any:
    alias = _original_create_alias(self, target_key_id, alias_name)
    if alias_name.startswith("alias/aws/"):
        # Only moto itself gets here with this prefix (auto-created defaults, EBS default key).
        key = self.keys[self.get_key_id(target_key_id)]
        key.key_manager = "AWS"
        key.description = AWS_MANAGED_DESCRIPTIONS.get(
            alias_name, f"Default key that protects my {alias_name[10:]} data when no other key is defined"
        )
    return alias


def _set_alias(self: KmsResponse, update: bool = False) -> str:
    alias_name = self._get_param("AliasName") or ""
    if alias_name.startswith("alias/aws/"):
        # moto refuses only the exact names it knows; AWS reserves the whole prefix.
        raise KmsError("NotAuthorizedException", f"{alias_name} is reserved for AWS managed keys.")
    return _original_set_alias(self, update)


def _by_any_id(original: Any) -> Any:
    """moto's key-state methods index `keys` with the raw id and 500 on an ARN; AWS takes both."""

    def method(self: KmsBackend, key_id: str, *args: Any) -> Any:
        return original(self, self.get_key_id(key_id), *args)

    return method


def apply() -> None:
    for name in ("disable_key", "enable_key", "cancel_key_deletion", "schedule_key_deletion"):
        setattr(KmsBackend, name, _by_any_id(getattr(KmsBackend, name)))
    KmsResponse.kms_backend = property(_kms_backend)  # type: ignore[method-assign,assignment]
    KmsResponse.call_action = _call_action  # type: ignore[method-assign]
    KmsResponse.create_grant = create_grant  # type: ignore[method-assign]
    KmsResponse.list_grants = list_grants  # type: ignore[method-assign]
    KmsResponse.revoke_grant = revoke_grant  # type: ignore[method-assign]
    KmsResponse._set_alias = _set_alias  # type: ignore[method-assign]
    Grant.to_json = _grant_to_json  # type: ignore[method-assign]
    KmsBackend.create_alias = _backend_create_alias  # type: ignore[method-assign]
    assert kms_models.KmsBackend is KmsBackend
