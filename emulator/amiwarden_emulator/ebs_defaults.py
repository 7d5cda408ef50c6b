"""EC2 GetEbsDefaultKmsKeyId: which key encrypts new EBS volumes by default in an account and Region.

Restores, per the EC2 API Reference (API_GetEbsDefaultKmsKeyId): the answer is `alias/aws/ebs`
while the account uses the AWS managed key, and the key ARN once ModifyEbsDefaultKmsKeyId set a
customer managed key (ResetEbsDefaultKmsKeyId goes back to `alias/aws/ebs`). moto stores the
default key but answers GetEbsDefaultKmsKeyId and ResetEbsDefaultKmsKeyId with HTTP 500. The
compliance sweep reports accounts whose default is still the AWS managed key.
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.ec2.responses.elastic_block_store import ElasticBlockStore

AWS_MANAGED_DEFAULT = "alias/aws/ebs"


def _is_aws_managed(backend: object, key_arn: str) -> bool:
    if not key_arn:
        return True
    from moto.kms.models import kms_backends

    kms = kms_backends[backend.account_id][backend.region_name]  # type: ignore[attr-defined]
    try:
        return kms.describe_key("alias/aws/ebs").arn == key_arn
    except Exception:
        return False


def _get_ebs_default_kms_key_id(self: ElasticBlockStore) -> ActionResult:
    key_arn = getattr(self.ec2_backend, "default_kms_key_id", "")
    return ActionResult({"KmsKeyId": AWS_MANAGED_DEFAULT if _is_aws_managed(self.ec2_backend, key_arn) else key_arn})


def _reset_ebs_default_kms_key_id(self: ElasticBlockStore) -> ActionResult:
    self.error_on_dryrun()
    self.ec2_backend.default_kms_key_id = ""
    return ActionResult({"KmsKeyId": AWS_MANAGED_DEFAULT})


def apply() -> None:
    ElasticBlockStore.get_ebs_default_kms_key_id = _get_ebs_default_kms_key_id  # type: ignore[attr-defined]
    ElasticBlockStore.reset_ebs_default_kms_key_id = _reset_ebs_default_kms_key_id  # type: ignore[attr-defined]
