"""EKS: managed node group health, which tests can feed.

Restores, per the EKS API Reference (API_NodegroupHealth, API_Issue):

1. DescribeNodegroup `health.issues`: a node group whose Auto Scaling group cannot launch reports
   it there, with code `AsgInstanceLaunchFailures`, EC2's message and the group as `resourceIds`.
   moto answers `{"issues": []}` for every node group (one dict object shared by all of them: the
   feed replaces a node group's health, never mutates that object). Tests feed issues through `POST /amiwarden/eks/nodegroup-health`
   (`{account, region, clusterName, nodegroupName, issues: [{code, message, resourceIds}]}`),
   since moto launches nothing for real. Issues are read back in AWS's shape.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.eks.models import eks_backends

_lock = threading.Lock()

# EKS's documented issue codes (API_Issue): anything else is refused, as AWS never reports it.
ISSUE_CODES = {
    "AutoScalingGroupNotFound",
    "AutoScalingGroupInvalidConfiguration",
    "Ec2SecurityGroupNotFound",
    "Ec2SecurityGroupDeletionFailure",
    "Ec2LaunchTemplateNotFound",
    "Ec2LaunchTemplateVersionMismatch",
    "Ec2SubnetNotFound",
    "Ec2SubnetInvalidConfiguration",
    "IamInstanceProfileNotFound",
    "IamLimitExceeded",
    "IamNodeRoleNotFound",
    "NodeCreationFailure",
    "AsgInstanceLaunchFailures",
    "InstanceLimitExceeded",
    "InsufficientFreeAddresses",
    "AccessDenied",
    "InternalFailure",
    "ClusterUnreachable",
    "AmiIdNotFound",
    "AutoScalingGroupOptInRequired",
    "AutoScalingGroupRateLimitExceeded",
    "Ec2LaunchTemplateDeletionFailure",
    "Ec2LaunchTemplateInvalidConfiguration",
    "Ec2LaunchTemplateMaxLimitExceeded",
    "Ec2SubnetListTooLong",
    "IamThrottling",
    "NodeTerminationFailure",
    "PodEvictionFailure",
    "SourceEc2LaunchTemplateNotFound",
    "LimitExceeded",
    "Unknown",
    "AutoScalingGroupInstanceRefreshActive",
    "KubernetesLabelInvalid",
    "Ec2LaunchTemplateVersionMaxLimitExceeded",
    "Ec2InstanceTypeDoesNotExist",
}

def feed_health(payload: dict[str, Any]) -> int:
    """Set a node group's health issues (replacing the previous ones); returns how many it has."""
    backend = eks_backends[payload["account"]][payload["region"]]
    cluster = backend.clusters.get(payload["clusterName"])
    if cluster is None or payload["nodegroupName"] not in cluster.nodegroups:
        raise KeyError(f"no node group {payload['clusterName']}/{payload['nodegroupName']} in {payload['account']}/{payload['region']}")
    issues = []
    for raw in payload.get("issues", []):
        if raw.get("code") not in ISSUE_CODES:
            raise ValueError(f"not an EKS node group issue code: {raw.get('code')!r}")
        issue: dict[str, Any] = {"code": raw["code"], "message": str(raw.get("message", ""))}
        if raw.get("resourceIds"):
            issue["resourceIds"] = [str(r) for r in raw["resourceIds"]]
        issues.append(issue)
    with _lock:
        cluster.nodegroups[payload["nodegroupName"]].health = {"issues": issues}
    return len(issues)


def apply() -> None:
    """Nothing of moto's is replaced: the feed sets what DescribeNodegroup already serializes."""
