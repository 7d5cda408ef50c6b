"""Organizations InviteAccountToOrganization / AcceptHandshake: existing accounts join an organization.

Restores, per the AWS Organizations API Reference: the management account invites an existing
account by id (a handshake, `OPEN`), the invited account accepts it (`ACCEPTED`) and becomes a
member with `JoinedMethod: INVITED`, its id unchanged. moto implements neither, and CreateAccount
always makes a random id, so a test organization could never hold accounts with known ids
(the sandbox's 111111111111 and 222222222222), nor exercise membership checks against them.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from moto.core.utils import unix_time, utcnow
from moto.organizations.exceptions import (
    AccountNotFoundException,
    AlreadyInOrganizationException,
    AWSOrganizationsNotInUseException,
    ConstraintViolationException,
    InvalidInputException,
)
from moto.organizations.models import FakeAccount
from moto.organizations.responses import OrganizationsResponse

# handshake id -> (the management account's backend, invited account, handshake)
_handshakes: dict[str, tuple[Any, str, dict[str, Any]]] = {}


def _invite_account_to_organization(self: OrganizationsResponse) -> str:
    backend = self.organizations_backend
    org = backend.org
    if org is None:
        raise AWSOrganizationsNotInUseException()
    if self.current_account != org.master_account_id:
        raise ConstraintViolationException("Only the management account can invite accounts")
    target = self.request_params.get("Target") or {}
    if target.get("Type") != "ACCOUNT" or not str(target.get("Id", "")).isdigit() or len(str(target["Id"])) != 12:
        raise InvalidInputException("Target must be an ACCOUNT given by its 12-digit id")
    account = str(target["Id"])
    if account == org.master_account_id or any(a.id == account for a in backend.accounts):
        raise AlreadyInOrganizationException()
    handshake_id = f"h-{secrets.token_hex(16)}"
    now = utcnow()
    handshake = {
        "Id": handshake_id,
        "Arn": f"arn:aws:organizations::{org.master_account_id}:handshake/{org.id}/invite/{handshake_id}",
        "Parties": [{"Id": org.id.replace("o-", ""), "Type": "ORGANIZATION"}, {"Id": account, "Type": "ACCOUNT"}],
        "State": "OPEN",
        "RequestedTimestamp": unix_time(now),
        "ExpirationTimestamp": unix_time(now) + 15 * 86400,
        "Action": "INVITE",
        "Resources": [{"Value": org.id, "Type": "ORGANIZATION"}],
    }
    _handshakes[handshake_id] = (backend, account, handshake)
    return json.dumps({"Handshake": handshake})


def _accept_handshake(self: OrganizationsResponse) -> str:
    handshake_id = self.request_params.get("HandshakeId")
    entry = _handshakes.get(str(handshake_id))
    if entry is None or entry[0].org is None:
        raise InvalidInputException(f"Handshake {handshake_id} does not exist")
    backend, account, handshake = entry
    if self.current_account != account:
        raise ConstraintViolationException("Only the invited account can accept the handshake")
    if handshake["State"] != "OPEN":
        raise InvalidInputException(f"Handshake {handshake_id} is {handshake['State']}")
    org = backend.org
    member = FakeAccount.__new__(FakeAccount)  # not __init__: an invited account keeps its id and gets no new role
    member.type = "ACCOUNT"
    member.region = org.region
    member.organization_id = org.id
    member.master_account_id = org.master_account_id
    member.create_account_status_id = f"car-{secrets.token_hex(16)}"
    member.id = account
    member.name = f"account-{account}"
    member.email = f"{account}@example.com"
    member.create_time = utcnow()
    member.status = "ACTIVE"
    member.state = "ACTIVE"
    member.joined_method = "INVITED"
    member.parent_id = org.root_id
    member.attached_policies = []
    member.tags = {}
    backend.accounts.append(member)
    handshake["State"] = "ACCEPTED"
    return json.dumps({"Handshake": handshake})


def apply() -> None:
    OrganizationsResponse.invite_account_to_organization = _invite_account_to_organization  # type: ignore[attr-defined]
    OrganizationsResponse.accept_handshake = _accept_handshake  # type: ignore[attr-defined]
    _ = AccountNotFoundException  # DescribeAccount of a stranger stays moto's AccountNotFoundException
