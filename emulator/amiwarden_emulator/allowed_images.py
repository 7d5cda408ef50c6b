"""EC2 Allowed AMIs: which image providers an account lets its instances launch from, per Region.

Restores, per the EC2 API Reference (GetAllowedImagesSettings, EnableAllowedImagesSettings,
DisableAllowedImagesSettings, ReplaceImageCriteriaInAllowedImagesSettings) and the EC2 User
Guide ("Control the discovery and use of AMIs with Allowed AMIs"): the setting is `disabled`
until enabled (`enabled` or `audit-mode`), keeps its image criteria across state changes, and is
managed by the account (`ManagedBy: account`; a declarative policy is not emulated). moto 5.2.1
has none of these calls. amiwarden reads the setting to tell a member account that blocks the
central account's images; it never changes it.
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.responses import EC2Response

# (account, region) -> {"State": ..., "ImageCriteria": [...]}
_SETTINGS: dict[tuple[str, str], dict[str, Any]] = {}


def reset() -> None:
    _SETTINGS.clear()


def _settings(self: EC2Response) -> dict[str, Any]:
    return _SETTINGS.setdefault((self.current_account, self.region), {"State": "disabled", "ImageCriteria": []})


def _criteria(self: EC2Response) -> list[dict[str, Any]]:
    # Query form: ImageCriterion.<n>.ImageProvider.<m>=<provider>
    by_index: dict[int, list[tuple[int, str]]] = {}
    for key, values in self.querystring.items():
        m = re.fullmatch(r"ImageCriterion\.(\d+)\.ImageProvider\.(\d+)", key)
        if m:
            by_index.setdefault(int(m.group(1)), []).append((int(m.group(2)), values[0]))
    return [{"ImageProviders": [v for _, v in sorted(by_index[i])]} for i in sorted(by_index)]


def get_allowed_images_settings(self: EC2Response) -> ActionResult:
    s = _settings(self)
    return ActionResult({"State": s["State"], "ImageCriteria": s["ImageCriteria"], "ManagedBy": "account"})


def enable_allowed_images_settings(self: EC2Response) -> ActionResult:
    self.error_on_dryrun()
    state = self._get_param("AllowedImagesSettingsState")
    s = _settings(self)
    s["State"] = state if state in ("enabled", "audit-mode") else "enabled"
    return ActionResult({"AllowedImagesSettingsState": s["State"]})


def disable_allowed_images_settings(self: EC2Response) -> ActionResult:
    self.error_on_dryrun()
    _settings(self)["State"] = "disabled"
    return ActionResult({"AllowedImagesSettingsState": "disabled"})


def replace_image_criteria(self: EC2Response) -> ActionResult:
    self.error_on_dryrun()
    _settings(self)["ImageCriteria"] = _criteria(self)
    return ActionResult({"ReturnValue": True})


def apply() -> None:
    EC2Response.get_allowed_images_settings = get_allowed_images_settings  # type: ignore[attr-defined]
    EC2Response.enable_allowed_images_settings = enable_allowed_images_settings  # type: ignore[attr-defined]
    EC2Response.disable_allowed_images_settings = disable_allowed_images_settings  # type: ignore[attr-defined]
    EC2Response.replace_image_criteria_in_allowed_images_settings = replace_image_criteria  # type: ignore[attr-defined]
