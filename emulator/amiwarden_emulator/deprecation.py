"""EC2 EnableImageDeprecation / DisableImageDeprecation, and DeprecationTime in DescribeImages.

Restores, per the EC2 API Reference (API_EnableImageDeprecation): the owner of an AMI sets the
time it becomes deprecated (rounded down to the minute), DescribeImages returns it as
`DeprecationTime`, DisableImageDeprecation clears it. moto answers both calls with HTTP 500. The
re-encryption workflow's `deprecate` policy for originals depends on them.
"""

from __future__ import annotations

from datetime import datetime

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.amis import AmisResponse


def _own_image(self: AmisResponse):  # type: ignore[no-untyped-def]
    image_id = self._get_param("ImageId")
    image = self.ec2_backend.describe_images(ami_ids=[image_id])[0]
    if str(image.owner_id) != str(self.current_account):
        raise EC2ClientError("AuthFailure", f"Not authorized for image:{image_id}")
    return image


def _enable_image_deprecation(self: AmisResponse) -> ActionResult:
    self.error_on_dryrun()
    image = _own_image(self)
    raw = str(self._get_param("DeprecateAt"))
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise EC2ClientError("InvalidParameterValue", f"Invalid value '{raw}' for DeprecateAt")
    image.deprecation_time = at.strftime("%Y-%m-%dT%H:%M:00.000Z")
    return ActionResult({"Return": True})


def _disable_image_deprecation(self: AmisResponse) -> ActionResult:
    self.error_on_dryrun()
    image = _own_image(self)
    image.deprecation_time = None
    return ActionResult({"Return": True})


def apply() -> None:
    AmisResponse.enable_image_deprecation = _enable_image_deprecation  # type: ignore[attr-defined]
    AmisResponse.disable_image_deprecation = _disable_image_deprecation  # type: ignore[attr-defined]
