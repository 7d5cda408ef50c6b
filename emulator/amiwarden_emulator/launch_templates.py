"""EC2 CreateLaunchTemplateVersion: `SourceVersion` and `ClientToken`.

Restores, per the EC2 API Reference (API_CreateLaunchTemplateVersion): a version made from
`SourceVersion` inherits the launch parameters of that version, except those `LaunchTemplateData`
names (each top-level parameter given replaces the source's); `ClientToken` makes the request
idempotent (the same token returns the version it made). moto ignores both: the new version holds
only the parameters given, and a retried request makes a second version. The optional
launch-template versions of image pointers depend on both (docs/image-pointers.md).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.responses.launch_templates import LaunchTemplates

_tokens: dict[tuple[str, str, str], tuple[str, int]] = {}


def _result(self: LaunchTemplates, template: Any, version: Any) -> ActionResult:
    return ActionResult(
        {
            "LaunchTemplateVersion": {
                "CreateTime": version.create_time,
                "CreatedBy": f"arn:{self.partition}:iam::{self.current_account}:root",
                "DefaultVersion": template.is_default(version),
                "LaunchTemplateData": version.data,
                "LaunchTemplateId": template.id,
                "LaunchTemplateName": template.name,
                "VersionDescription": version.description,
                "VersionNumber": version.number,
            },
        }
    )


def _create_launch_template_version(self: LaunchTemplates) -> ActionResult:
    name = self._get_param("LaunchTemplateName")
    template_id = self._get_param("LaunchTemplateId")
    template = self.ec2_backend.get_launch_template(template_id) if template_id else self.ec2_backend.get_launch_template_by_name(name)
    self.error_on_dryrun()

    token = self._get_param("ClientToken")
    key = (self.current_account, self.region, token or "")
    if token and key in _tokens and _tokens[key][0] == template.id:
        return _result(self, template, template.get_version(_tokens[key][1]))

    data = self._get_param("LaunchTemplateData", {}) or {}
    source = self._get_param("SourceVersion")
    if source:
        inherited = copy.deepcopy(template.get_version(source).data)
        inherited.update(data)
        data = inherited
    version = template.create_version(data, self._get_param("VersionDescription"))
    if token:
        _tokens[key] = (template.id, version.number)
    return _result(self, template, version)


def apply() -> None:
    LaunchTemplates.create_launch_template_version = _create_launch_template_version  # type: ignore[method-assign]


def reset() -> None:
    _tokens.clear()
