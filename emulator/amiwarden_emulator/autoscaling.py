"""Auto Scaling: the group's service-linked role, and scaling activities tests can feed.

Restores, per the Auto Scaling API Reference:

1. CreateAutoScalingGroup `ServiceLinkedRoleARN` (API_CreateAutoScalingGroup): the group uses
   the given role, which DescribeAutoScalingGroups echoes; without it, the default
   `AWSServiceRoleForAutoScaling`. moto ignores the parameter and always echoes the default, so a
   custom-suffix role (AWSServiceRoleForAutoScaling_<suffix>) — the grantee a member's KMS grant
   must name — could not be represented.
2. DescribeScalingActivities (API_DescribeScalingActivities): moto always answers []. Real groups
   report launch failures there (`Client.InternalError`, `Client.InvalidKMSKey.InvalidState` ...).
   moto launches nothing for real, so tests feed activities through
   `POST /amiwarden/autoscaling/activities` and read them back in AWS's shape.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult

_lock = threading.Lock()
# (account, region, group name) -> activities, newest first (as AWS lists them).
_activities: dict[tuple[str, str, str], list[dict[str, Any]]] = {}

_original_create = AutoScalingResponse.create_auto_scaling_group


def _create_auto_scaling_group(self: AutoScalingResponse) -> Any:
    result = _original_create(self)
    role_arn = self._get_param("ServiceLinkedRoleARN")
    if role_arn:
        self.autoscaling_backend.autoscaling_groups[self._get_param("AutoScalingGroupName")].service_linked_role_arn = role_arn
    return result


def _timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.now(tz=timezone.utc)


def feed_activities(payload: dict[str, Any]) -> int:
    """Store activities for DescribeScalingActivities; returns how many the group now has."""
    account = payload["account"]
    region = payload["region"]
    group = payload["autoScalingGroupName"]
    stored = []
    for raw in payload.get("activities", []):
        activity = {
            "ActivityId": raw.get("ActivityId") or str(uuid.uuid4()),
            "AutoScalingGroupName": group,
            "Description": raw.get("Description", "Launching a new EC2 instance"),
            "Cause": raw.get("Cause", ""),
            "StartTime": _timestamp(raw.get("StartTime")),
            "StatusCode": raw["StatusCode"],
            "Progress": raw.get("Progress", 100),
            "Details": raw.get("Details", "{}"),
            "AutoScalingGroupARN": raw.get("AutoScalingGroupARN"),
        }
        if raw.get("EndTime") or raw["StatusCode"] in ("Successful", "Failed", "Cancelled"):
            activity["EndTime"] = _timestamp(raw.get("EndTime"))
        if raw.get("StatusMessage") is not None:
            activity["StatusMessage"] = raw["StatusMessage"]
        stored.append({k: v for k, v in activity.items() if v is not None})
    with _lock:
        key = (account, region, group)
        _activities[key] = stored[::-1] + _activities.get(key, [])
        return len(_activities[key])


def reset() -> None:
    with _lock:
        _activities.clear()


def _describe_scaling_activities(self: AutoScalingResponse) -> ActionResult:
    group = self._get_param("AutoScalingGroupName")
    activity_ids = set(self._get_param("ActivityIds", []) or [])
    max_records = int(self._get_param("MaxRecords") or 100)
    with _lock:
        found = [
            a
            for (account, region, name), activities in _activities.items()
            if account == self.current_account and region == self.region and group in (None, name)
            for a in activities
        ]
    if activity_ids:
        found = [a for a in found if a["ActivityId"] in activity_ids]
    return ActionResult({"Activities": found[:max_records]})


def apply() -> None:
    AutoScalingResponse.create_auto_scaling_group = _create_auto_scaling_group  # type: ignore[method-assign]
    AutoScalingResponse.describe_scaling_activities = _describe_scaling_activities  # type: ignore[method-assign]
