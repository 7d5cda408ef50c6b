"""Image pointers: SSM parameters of data type `aws:ec2:image`, shared through AWS RAM, resolved at launch.

Restores, per the Systems Manager User Guide ("Parameter data types", "Working with shared
parameters") and the EC2 User Guide ("Use a Systems Manager parameter instead of an AMI ID"):

1. `aws:ec2:image` validation: the value must be an AMI id the account can use (its own, or one
   shared with it) and available. PutParameter answers 200 either way (AWS validates
   asynchronously); an invalid value is then not stored, so the parameter keeps its last value.
   moto stores any value.
2. RAM shares parameters: `ssm:Parameter` is a shareable resource type (moto refuses it as "You
   cannot share the selected resource type"); AssociateResourceShare adds resources and principals
   to a share (moto has no such call); GetResourceShares honours its `name`, `resourceShareArns`
   and `resourceShareStatus` filters (moto returns every share, deleted ones too).
3. Shared parameters are read by their full ARN from the consumer account: GetParameter and
   GetParameters with another account's parameter ARN answer when a share of the owner's, in the
   parameter's region, names the parameter and the caller (its account id, its organization, or an
   OU it is in), and the parameter is in the advanced tier (only advanced parameters can be
   shared). moto looks every name up in the caller's own account.
4. `resolve:ssm:<name or ARN>` as the ImageId of RunInstances, directly or from a launch template:
   EC2 resolves the parameter (the caller's own, or one shared with it) at launch, and the
   instance runs the AMI it names. moto would launch an instance of the literal string.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.models.instances import InstanceBackend
from moto.ram.exceptions import InvalidParameterException, UnknownResourceException
from moto.ram.models import ResourceShare, ram_backends
from moto.ram.responses import ResourceAccessManagerResponse
from moto.ram import urls as ram_urls
from moto.ssm.models import ssm_backends, SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.ssm.exceptions import ParameterNotFound

from .ec2 import _account_in_ou
from .identity import organization_of

PARAMETER_ARN = re.compile(r"^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter(/.+)$")
AMI_ID = re.compile(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$")

# ---------------------------------------------------------------------------------------------
# 1. aws:ec2:image validation

_original_put_parameter = SimpleSystemManagerBackend.put_parameter


def _image_usable(account: str, region: str, image_id: str) -> bool:
    if not AMI_ID.match(image_id or ""):
        return False
    backend = ec2_backends[account][region]
    try:
        images = backend.describe_images(ami_ids=[image_id])
    except Exception:
        return False
    return any(i.id == image_id and i.state == "available" for i in images)


def _put_parameter(self: SimpleSystemManagerBackend, name: str, description: str, value: str, parameter_type: str, allowed_pattern: str, keyid: str, overwrite: bool, tags: Any, data_type: str, tier: Any, policies: Any) -> Any:
    previous = self._parameters[name][-1] if name in self._parameters and self._parameters[name] else None
    effective_type = data_type if data_type is not None else (previous.data_type if previous else "text")
    parameter = _original_put_parameter(self, name, description, value, parameter_type, allowed_pattern, keyid, overwrite, tags, data_type, tier, policies)
    if effective_type == "aws:ec2:image" and not _image_usable(self.account_id, self.region_name, value):
        # AWS answers PutParameter first and validates afterwards: the version is not kept.
        versions = self._parameters[name]
        if versions and versions[-1] is parameter:
            versions.pop()
        if not versions:
            del self._parameters[name]
    return parameter


# ---------------------------------------------------------------------------------------------
# 2. RAM: parameters are shareable; AssociateResourceShare; GetResourceShares filters


def _shares_of(owner: str, region: str) -> list[ResourceShare]:
    try:
        return list(ram_backends[owner][region].resource_shares)
    except KeyError:
        return []


def _find_share(backend: Any, arn: str | None) -> ResourceShare:
    share = next((s for s in backend.resource_shares if s.arn == arn and s.status == "ACTIVE"), None)
    if share is None:
        raise UnknownResourceException(f"ResourceShare {arn} could not be found.")
    return share


def _associate_resource_share(self: ResourceAccessManagerResponse) -> str:
    params = self.request_params
    share = _find_share(self.ram_backend, params.get("resourceShareArn"))
    resources = [r for r in params.get("resourceArns", []) or [] if r not in share.resource_arns]
    principals = [p for p in params.get("principals", []) or [] if p not in share.principals]
    if not resources and not principals and not params.get("resourceArns") and not params.get("principals"):
        raise InvalidParameterException("Specify at least one resource ARN or principal.")
    share.add_resources(resources)
    share.add_principals(principals)
    associations = [
        {"resourceShareArn": share.arn, "resourceShareName": share.name, "associatedEntity": entity, "associationType": kind, "status": "ASSOCIATING", "external": False}
        for kind, entities in (("RESOURCE", params.get("resourceArns", []) or []), ("PRINCIPAL", params.get("principals", []) or []))
        for entity in entities
    ]
    return json.dumps({"resourceShareAssociations": associations, "clientToken": params.get("clientToken")})


_original_get_resource_shares = ResourceAccessManagerResponse.get_resource_shares


def _get_resource_shares(self: ResourceAccessManagerResponse) -> str:
    answer = json.loads(_original_get_resource_shares(self))
    params = self.request_params
    shares = answer.get("resourceShares", [])
    if params.get("name"):
        shares = [s for s in shares if s.get("name") == params["name"]]
    if params.get("resourceShareArns"):
        shares = [s for s in shares if s.get("resourceShareArn") in params["resourceShareArns"]]
    if params.get("resourceShareStatus"):
        shares = [s for s in shares if s.get("status") == params["resourceShareStatus"]]
    return json.dumps({"resourceShares": shares})


# ---------------------------------------------------------------------------------------------
# 3. Shared parameters, read by ARN


def _principal_covers(principal: str, account: str) -> bool:
    if principal == account:
        return True
    if ":organization/" in principal:
        org = organization_of(account)
        return bool(org and principal.endswith(f"/{org[0]}"))
    if ":ou/" in principal:
        return _account_in_ou(account, principal)
    return False


def shared_parameter(caller: str, arn: str) -> Any | None:
    """The parameter an ARN names, if the caller may read it (its own, or shared with it)."""
    match = PARAMETER_ARN.match(arn)
    if not match:
        return None
    _, region, owner, name = match.groups()
    parameter = ssm_backends[owner][region].get_parameter(name)
    if parameter is None or owner == caller:
        return parameter
    if str(parameter.tier) != "Advanced":
        return None
    full = f"arn:{match.group(1)}:ssm:{region}:{owner}:parameter{name}"
    for share in _shares_of(owner, region):
        if share.status == "ACTIVE" and full in share.resource_arns and any(_principal_covers(p, caller) for p in share.principals):
            return parameter
    return None


_original_get_parameter = SimpleSystemManagerResponse.get_parameter
_original_get_parameters = SimpleSystemManagerResponse.get_parameters


def _foreign_arn(self: SimpleSystemManagerResponse, name: str) -> bool:
    match = PARAMETER_ARN.match(name or "")
    return bool(match and (match.group(3) != self.current_account or match.group(2) != self.region))


def _get_parameter(self: SimpleSystemManagerResponse) -> Any:
    name = self._get_param("Name")
    if not _foreign_arn(self, name):
        return _original_get_parameter(self)
    from moto.core.responses import ActionResult

    parameter = shared_parameter(self.current_account, name)
    if parameter is None:
        raise ParameterNotFound(f"Parameter {name} not found.")
    response = parameter.response_object(self._get_param("WithDecryption"), self.region)
    response["Name"] = name
    return ActionResult({"Parameter": response})


def _get_parameters(self: SimpleSystemManagerResponse) -> Any:
    names = self._get_param("Names") or []
    if not any(_foreign_arn(self, n) for n in names):
        return _original_get_parameters(self)
    from moto.core.responses import ActionResult

    found, invalid = [], []
    for name in names:
        parameter = shared_parameter(self.current_account, name) if _foreign_arn(self, name) else ssm_backends[self.current_account][self.region].get_parameter(name)
        if parameter is None:
            invalid.append(name)
            continue
        response = parameter.response_object(self._get_param("WithDecryption"), self.region)
        if _foreign_arn(self, name):
            response["Name"] = name
        found.append(response)
    return ActionResult({"Parameters": found, "InvalidParameters": invalid})


# ---------------------------------------------------------------------------------------------
# 4. resolve:ssm: at launch

RESOLVE = "resolve:ssm:"
_original_run_instances = InstanceBackend.run_instances


def resolve_image_id(account: str, region: str, image_id: str) -> str:
    reference = image_id[len(RESOLVE):]
    if reference.startswith("arn:"):
        parameter = shared_parameter(account, reference)
    else:
        parameter = ssm_backends[account][region].get_parameter(reference)
    if parameter is None:
        raise EC2ClientError("InvalidParameterValue", f"Invalid value '{image_id}' for ImageId: the parameter does not exist or is not shared with the account")
    return str(parameter.value)


def _run_instances(self: Any, image_id: str, count: int, user_data: Any, security_group_names: list[str], **kwargs: Any) -> Any:
    if not image_id and kwargs.get("launch_template"):
        image_id = self._get_template_from_args(kwargs["launch_template"]).image_id
    if image_id and str(image_id).startswith(RESOLVE):
        image_id = resolve_image_id(self.account_id, self.region_name, str(image_id))
        if not self.describe_images(ami_ids=[image_id]):
            raise EC2ClientError("InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist")
    return _original_run_instances(self, image_id, count, user_data, security_group_names, **kwargs)


def apply() -> None:
    SimpleSystemManagerBackend.put_parameter = _put_parameter  # type: ignore[method-assign]
    if "parameter" not in ResourceShare.SHAREABLE_RESOURCES:
        ResourceShare.SHAREABLE_RESOURCES.append("parameter")
    ResourceAccessManagerResponse.associate_resource_share = _associate_resource_share  # type: ignore[attr-defined]
    ResourceAccessManagerResponse.get_resource_shares = _get_resource_shares  # type: ignore[method-assign]
    ram_urls.url_paths["{0}/associateresourceshare$"] = ResourceAccessManagerResponse.dispatch
    SimpleSystemManagerResponse.get_parameter = _get_parameter  # type: ignore[method-assign]
    SimpleSystemManagerResponse.get_parameters = _get_parameters  # type: ignore[method-assign]
    InstanceBackend.run_instances = _run_instances  # type: ignore[method-assign]
