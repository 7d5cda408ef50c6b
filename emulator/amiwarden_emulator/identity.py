"""Who is calling: the identity AWS would put in `aws:PrincipalArn` and in error messages.

moto resolves the *account* of a request (x-moto-account-id header, else the access key it
issued through STS AssumeRole / IAM CreateAccessKey, else 123456789012) but never the principal.
Key policies are written against principals, so we recover it from the same sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moto.iam import models as iam_models
from moto.iam.models import iam_backends
from moto.organizations.models import organizations_backends
from moto.sts.models import sts_backends


@dataclass(frozen=True)
class Caller:
    account: str
    partition: str
    # The identity ARN AWS reports (for an assumed role: arn:aws:sts::<acct>:assumed-role/<role>/<session>).
    arn: str
    # The value of aws:PrincipalArn (for an assumed role: the role's ARN, not the session's).
    principal_arn: str

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root"


def caller_of(account: str, access_key: str, partition: str = "aws") -> Caller:
    sts = sts_backends[account][partition]
    assumed = sts.get_assumed_role_from_access_key(access_key)
    if assumed is not None:
        return Caller(account, partition, assumed.arn, assumed.role_arn)
    user = iam_backends[account][partition].get_user_from_access_key_id(access_key)
    if user is not None:
        return Caller(account, partition, user.arn, user.arn)
    # Unknown keys or the x-moto-account-id header: the closest AWS identity is the account root.
    root = f"arn:{partition}:iam::{account}:root"
    return Caller(account, partition, root, root)


def organization_of(account: str) -> tuple[str, str] | None:
    """(organization id, management account) of the organization containing `account`, if any."""
    for mgmt, partitions in list(organizations_backends.items()):
        for backend in list(partitions.values()):
            org = backend.org
            if org is None:
                continue
            if account == org.master_account_id or any(a.id == account for a in backend.accounts):
                return org.id, mgmt
    return None


# Static test credentials that name their account: AKIA<12-digit account>AMIW (20 characters, the
# shape moto's access-key regex accepts). Unlike keys issued by STS AssumeRole, they survive
# POST /moto-api/reset, so clients built once keep landing in the same account across resets.
ACCOUNT_ACCESS_KEY = re.compile(r"^AKIA(\d{12})AMIW$")
_original_get_account_id_from = iam_models.get_account_id_from


def _get_account_id_from(access_key: str) -> str:
    match = ACCOUNT_ACCESS_KEY.match(access_key or "")
    return match.group(1) if match else _original_get_account_id_from(access_key)


def account_of_access_key(access_key: str) -> str:
    """The account moto resolves for an access key (used by the call log)."""
    return iam_models.get_account_id_from(access_key)


def apply() -> None:
    # moto imports this function at call time (BaseResponse.get_current_account), so patching the
    # module attribute is enough.
    iam_models.get_account_id_from = _get_account_id_from
