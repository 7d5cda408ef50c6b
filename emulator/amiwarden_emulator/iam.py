"""IAM: CreateServiceLinkedRole names the EC2 launch roles as IAM does, and refuses one that exists.

IAM names a service-linked role after its service: `spot.amazonaws.com` creates
`AWSServiceRoleForEC2Spot`, `spotfleet.amazonaws.com` `AWSServiceRoleForEC2SpotFleet` and
`ec2fleet.amazonaws.com` `AWSServiceRoleForEC2Fleet` (EC2 User Guide, "Service-linked role for
Spot Instance requests", "Spot Fleet permissions", "EC2 Fleet prerequisites"), each under
`/aws-service-role/<service>/`. moto derives the name from the service's first label and creates
`AWSServiceRoleForspot`, `AWSServiceRoleForspotfleet` and `AWSServiceRoleForec2fleet`.

IAM API Reference, CreateServiceLinkedRole: a service-linked role name already in use is refused
with `InvalidInput` ("Service role name AWSServiceRoleForAutoScaling has been taken in this
account, please try a different suffix."). moto answers `EntityAlreadyExists`, the error of
CreateRole. Two steps creating the same role at once (one per Region of a new account) meet it.
"""

from __future__ import annotations

from typing import Any

from moto.iam.exceptions import EntityAlreadyExists, InvalidInput
from moto.iam import models as iam_models
from moto.iam.models import IAMBackend

# moto's own table of service labels whose role name is not the label itself (models.py).
EC2_LAUNCH_ROLES = {"spot": "EC2Spot", "spotfleet": "EC2SpotFleet", "ec2fleet": "EC2Fleet"}

_original = IAMBackend.create_service_linked_role


def _create_service_linked_role(self: IAMBackend, service_name: str, description: str, suffix: str) -> Any:
    before = {role.name for role in self.roles.values()}
    try:
        return _original(self, service_name, description, suffix)
    except EntityAlreadyExists:
        path = f"/aws-service-role/{service_name}/"
        taken = next(
            (r.name for r in self.roles.values() if r.path == path and r.name in before and (not suffix or r.name.endswith(f"_{suffix}")) and (suffix or "_" not in r.name[len("AWSServiceRoleFor"):])),
            None,
        )
        raise InvalidInput(f"Service role name {taken} has been taken in this account, please try a different suffix.") from None


def apply() -> None:
    iam_models.SERVICE_NAME_CONVERSION.update(EC2_LAUNCH_ROLES)
    IAMBackend.create_service_linked_role = _create_service_linked_role  # type: ignore[method-assign]
