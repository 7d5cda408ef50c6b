"""EC2/EBS: snapshot keys, RegisterImage mappings, CopyImage re-encryption, shared AMIs.

Restores, per the EC2 API Reference / EBS User Guide:

1. Snapshot keys: a snapshot of an encrypted volume is encrypted with the volume's key, and
   DescribeSnapshots returns `Encrypted` and `KmsKeyId` as the full key ARN (moto drops the key
   on CreateSnapshot; a key given by id or alias is echoed as given). CreateVolume with
   `Encrypted` and no key uses the account's default EBS key (`alias/aws/ebs`, created on demand).
2. RegisterImage `BlockDeviceMappings` / `RootDeviceName`: the image's mappings are the given
   snapshots (Encrypted and VolumeSize taken from the snapshot); an unknown snapshot id is
   `InvalidSnapshot.NotFound`. moto ignores the mappings and invents a 15 GiB unencrypted one,
   so an AMI on `aws/ebs`, on a CMK, or unencrypted could not be built.
3. CopyImage (API_CopyImage): `Encrypted` + `KmsKeyId` encrypt every copied snapshot with that
   key (no key: the default EBS key; an encrypted source stays encrypted), `CopyImageTags` copies
   the source's tags, `ClientToken` makes the call idempotent (same token -> same ImageId), and
   DescribeImages names the copy's source (`SourceImageId`, `SourceImageRegion`; API_Image: they
   appear for images made by CreateImage, CopyImage or CreateRestoreImageTask) and filters on them
   (`source-image-id`, `source-image-region`). moto reports neither.
4. Shared AMIs: an AMI whose launch permissions name account B (UserId, or the organization /
   an OU containing B) is visible to B through DescribeImages (`ImageIds`, `ExecutableUsers`),
   with `OwnerId` the owner. moto keeps every AMI invisible outside its owner's account.
5. GetImageAncestry (EC2 User Guide, "AMI ancestry"): the chain from an AMI back to its root, each
   entry with its `CreationDate`, `SourceImageId` and `SourceImageRegion` (the parent), the image
   asked about first. moto has no such call. The chain follows what CopyImage recorded (3.); an
   image whose parent no longer exists ends the chain there, as does a registered image.
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow
from moto.ec2.exceptions import EC2ClientError, InvalidAMIIdError, InvalidParameterDependency, MalformedAMIIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.models.elastic_block_store import EBSBackend, Snapshot
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.utils import generic_filter, random_ami_id, random_snapshot_id
from moto.core.responses import ActionResult
from moto.organizations.models import organizations_backends

from .identity import organization_of

# ---------------------------------------------------------------------------------------------
# 1. Snapshot keys


def _key_arn(backend: Any, key_ref: str | None) -> str | None:
    """The full ARN of a key given by id, alias or ARN in the backend's account (as AWS echoes it)."""
    if not key_ref or (key_ref.startswith("arn:") and ":key/" in key_ref):
        return key_ref
    from moto.kms.models import kms_backends

    kms = kms_backends[backend.account_id][backend.region_name]
    try:
        return kms.describe_key(key_ref).arn
    except Exception:
        return key_ref  # an unknown key stays as given, as moto had it


_original_create_volume = EBSBackend.create_volume
_original_create_snapshot = EBSBackend.create_snapshot
_original_copy_snapshot = EBSBackend.copy_snapshot


def _create_volume(self: Any, *args: Any, **kwargs: Any) -> Any:
    volume = _original_create_volume(self, *args, **kwargs)
    volume.kms_key_id = _key_arn(self, volume.kms_key_id)
    return volume


def _create_snapshot(self: Any, volume_id: str, description: str, owner_id: str | None = None, from_ami: str | None = None) -> Snapshot:
    snapshot = _original_create_snapshot(self, volume_id, description, owner_id, from_ami)
    volume = self.get_volume(volume_id)
    snapshot.kms_key_id = volume.kms_key_id if volume.encrypted else None
    return snapshot


def _copy_snapshot(self: Any, source_snapshot_id: str, source_region: str, description: str, kms_key_id: str | None) -> Snapshot:
    snapshot = _original_copy_snapshot(self, source_snapshot_id, source_region, description, kms_key_id)
    source = ec2_backends[self.account_id][source_region].get_snapshot(source_snapshot_id)
    snapshot.kms_key_id = _key_arn(self, kms_key_id) or source.kms_key_id
    return snapshot


# ---------------------------------------------------------------------------------------------
# 2. RegisterImage with block device mappings


def _ami_mappings(self: Ami) -> list[dict[str, Any]]:
    mappings = getattr(self, "_aw_mappings", None)
    if mappings is not None:
        return mappings
    # moto's invented mapping, with the Encrypted flag AWS always returns.
    return [
        {
            "DeviceName": self.root_device_name,
            "Ebs": {
                "SnapshotId": self.ebs_snapshot.id,
                "VolumeSize": 15,
                "DeleteOnTermination": False,
                "VolumeType": "standard",
                "Encrypted": bool(self.ebs_snapshot.encrypted),
            },
        }
    ]


def _new_ami(backend: Any, ami_id: str, **kwargs: Any) -> Ami:
    """An Ami without moto's auto-created snapshot (it would show up in DescribeSnapshots)."""
    ami = Ami(backend, ami_id, **kwargs)
    backend.snapshots.pop(ami.ebs_snapshot.id, None)
    return ami


def _mapping_from_snapshot(device: str, snapshot: Snapshot, ebs: dict[str, Any]) -> dict[str, Any]:
    return {
        "DeviceName": device,
        "Ebs": {
            "SnapshotId": snapshot.id,
            "VolumeSize": int(ebs.get("VolumeSize") or snapshot.volume_size),
            "DeleteOnTermination": str(ebs.get("DeleteOnTermination", True)).lower() == "true",
            "VolumeType": ebs.get("VolumeType", "gp2"),
            "Encrypted": bool(snapshot.encrypted),
        },
    }


def _register_image(self: AmisResponse) -> ActionResult:
    self.error_on_dryrun()
    backend = self.ec2_backend
    requested = self._get_param("BlockDeviceMappings", []) or []
    mappings = []
    for bdm in requested:
        ebs = bdm.get("Ebs") or {}
        if ebs.get("SnapshotId"):
            snapshot = backend.snapshots.get(ebs["SnapshotId"])
            if snapshot is None:
                raise EC2ClientError("InvalidSnapshot.NotFound", f"The snapshot '{ebs['SnapshotId']}' does not exist.")
            mappings.append(_mapping_from_snapshot(bdm["DeviceName"], snapshot, ebs))
        elif bdm.get("VirtualName"):
            mappings.append({"DeviceName": bdm["DeviceName"], "VirtualName": bdm["VirtualName"]})
    if not mappings:
        image = backend.register_image(self._get_param("Name"), self._get_param("Description", ""))
        return ActionResult({"ImageId": image.id})
    ami_id = random_ami_id()
    ami = _new_ami(
        backend,
        ami_id,
        name=self._get_param("Name"),
        description=self._get_param("Description", ""),
        architecture=self._get_param("Architecture", "x86_64"),
        virtualization_type=self._get_param("VirtualizationType", "hvm"),
        root_device_name=self._get_param("RootDeviceName") or mappings[0]["DeviceName"],
        root_device_type="ebs",
        boot_mode=self._get_param("BootMode", "uefi"),
    )
    ami._aw_mappings = mappings
    ami.add_tags(self._parse_tag_specification().get("image", {}))
    backend.amis[ami_id] = ami
    return ActionResult({"ImageId": ami_id})


# ---------------------------------------------------------------------------------------------
# 3. CopyImage


_copy_tokens: dict[tuple[str, str, str], str] = {}


def _copy_image(self: AmisResponse) -> ActionResult:
    self.error_on_dryrun()
    backend = self.ec2_backend
    token = self._get_param("ClientToken")
    token_key = (self.current_account, self.region, token or "")
    if token and token_key in _copy_tokens and _copy_tokens[token_key] in backend.amis:
        return ActionResult({"ImageId": _copy_tokens[token_key]})

    encrypted = str(self._get_param("Encrypted", "false")).lower() == "true"
    kms_key_id = self._get_param("KmsKeyId")
    if kms_key_id and not encrypted:
        raise InvalidParameterDependency("KmsKeyId", "Encrypted")
    source_region = self._get_param("SourceRegion") or self.region
    source_backend = ec2_backends[self.current_account][source_region]
    source = source_backend.describe_images(ami_ids=[self._get_param("SourceImageId")])[0]
    if encrypted and not kms_key_id:
        kms_key_id = backend.default_kms_key_id or backend._create_default_encryption_key()
    kms_key_arn = _key_arn(backend, kms_key_id)

    ami_id = random_ami_id()
    ami = _new_ami(
        backend,
        ami_id,
        source_ami=source,
        name=self._get_param("Name"),
        description=self._get_param("Description"),
        root_device_name=source.root_device_name,
        root_device_type=source.root_device_type,
        boot_mode=source.boot_mode,
    )
    mappings = []
    for mapping in source.block_device_mappings:
        ebs = mapping.get("Ebs")
        if not ebs or not ebs.get("SnapshotId"):
            mappings.append(dict(mapping))
            continue
        origin = source_backend.get_snapshot(ebs["SnapshotId"])
        copy = Snapshot(
            backend,
            random_snapshot_id(),
            volume=origin.volume,
            description=(
                f"Copied for DestinationAmi {ami_id} from SourceAmi {source.id} for SourceSnapshot "
                f"{origin.id}. Task created on {utcnow().isoformat()}."
            ),
            # An encrypted source cannot be copied unencrypted; a new key means re-encryption.
            encrypted=encrypted or origin.encrypted,
            kms_key_id=kms_key_arn if encrypted else origin.kms_key_id,
            from_ami=ami_id,
        )
        copy.add_tags(self._parse_tag_specification().get("snapshot", {}))
        backend.snapshots[copy.id] = copy
        mappings.append({"DeviceName": mapping["DeviceName"], "Ebs": {**ebs, "SnapshotId": copy.id, "Encrypted": bool(copy.encrypted)}})
    ami._aw_mappings = mappings
    # Serialized by moto as SourceImageId / SourceImageRegion of the Image shape.
    ami.source_image_id = source.id
    ami.source_image_region = source_region
    if str(self._get_param("CopyImageTags", "false")).lower() == "true":
        ami.add_tags({t["key"]: t["value"] for t in source.get_tags()})
    ami.add_tags(self._parse_tag_specification().get("image", {}))
    backend.amis[ami_id] = ami
    if token:
        _copy_tokens[token_key] = ami_id
    return ActionResult({"ImageId": ami_id})


_original_ami_filter_value = Ami.get_filter_value


def _ami_filter_value(self: Ami, filter_name: str, method_name: str | None = None) -> Any:
    if filter_name == "source-image-id":
        return getattr(self, "source_image_id", None)
    if filter_name == "source-image-region":
        return getattr(self, "source_image_region", None)
    return _original_ami_filter_value(self, filter_name, method_name)


# ---------------------------------------------------------------------------------------------
# 4. Shared AMIs


def _account_in_ou(account: str, ou_arn: str) -> bool:
    ou_id = ou_arn.rsplit("/", 1)[-1]
    for partitions in list(organizations_backends.values()):
        for org_backend in list(partitions.values()):
            parents = {a.id: a.parent_id for a in org_backend.accounts}
            parents.update({ou.id: ou.parent_id for ou in org_backend.ou if hasattr(ou, "parent_id")})
            node = parents.get(account)
            while node:
                if node == ou_id:
                    return True
                node = parents.get(node)
    return False


def _launchable_by(ami: Ami, account: str) -> bool:
    org = organization_of(account)
    for lp in ami.launch_permissions:
        if lp.get("Group") == "all" or lp.get("UserId") == account:
            return True
        if org and lp.get("OrganizationArn", "").endswith(f"/{org[0]}"):
            return True
        if lp.get("OrganizationalUnitArn") and _account_in_ou(account, lp["OrganizationalUnitArn"]):
            return True
    return False


def _shared_with(self: Any) -> list[Ami]:
    shared = []
    for account, regions in list(ec2_backends.items()):
        if account == self.account_id:
            continue
        other = regions.get(self.region_name) if hasattr(regions, "get") else None
        if other is None:
            continue
        shared += [a for a in list(other.amis.values()) if _launchable_by(a, self.account_id)]
    return shared


_original_describe_images = AmiBackend.describe_images


def _describe_images(self: Any, ami_ids: list[str] | None = None, filters: Any = None, exec_users: list[str] | None = None, owners: list[str] | None = None) -> list[Ami]:
    shared = _shared_with(self)
    if not shared:
        return _original_describe_images(self, ami_ids=ami_ids, filters=filters, exec_users=exec_users, owners=owners)
    if ami_ids:
        malformed = [i for i in ami_ids if not i.startswith("ami-")]
        if malformed:
            raise MalformedAMIIdError(malformed)
        images = [a for a in list(self.amis.values()) + shared if a.id in ami_ids]
        if not images and not any(i in self.deleted_amis for i in ami_ids):
            raise InvalidAMIIdError(ami_ids)
        return images
    own = _original_describe_images(self, filters=None, exec_users=exec_users, owners=None)
    images = own + shared
    if owners:
        wanted = {self.account_id if o == "self" else o for o in owners}
        images = [a for a in images if a.owner_id in wanted or a.owner_alias in wanted]
    return generic_filter(filters, images) if filters else images


# ---------------------------------------------------------------------------------------------
# 5. GetImageAncestry


def _get_image_ancestry(self: AmisResponse) -> ActionResult:
    self.error_on_dryrun()
    image = self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0]
    entries = []
    region = self.region
    seen: set[str] = set()
    while image is not None and image.id not in seen:
        seen.add(image.id)
        parent_id = getattr(image, "source_image_id", None)
        parent_region = getattr(image, "source_image_region", None)
        entry: dict[str, Any] = {"CreationDate": image.creation_date, "ImageId": image.id}
        if image.owner_alias:
            entry["ImageOwnerAlias"] = image.owner_alias
        if parent_id:
            entry["SourceImageId"] = parent_id
            entry["SourceImageRegion"] = parent_region or region
        entries.append(entry)
        if not parent_id:
            break
        region = parent_region or region
        parent_backend = ec2_backends[str(image.owner_id)][region]
        image = parent_backend.amis.get(parent_id)
    return ActionResult({"ImageAncestryEntries": entries})


def apply() -> None:
    AmisResponse.get_image_ancestry = _get_image_ancestry  # type: ignore[attr-defined]
    EBSBackend.create_volume = _create_volume  # type: ignore[method-assign]
    EBSBackend.create_snapshot = _create_snapshot  # type: ignore[method-assign]
    EBSBackend.copy_snapshot = _copy_snapshot  # type: ignore[method-assign]
    Ami.block_device_mappings = property(_ami_mappings)  # type: ignore[method-assign,assignment]
    AmisResponse.register_image = _register_image  # type: ignore[method-assign]
    AmisResponse.copy_image = _copy_image  # type: ignore[method-assign]
    Ami.get_filter_value = _ami_filter_value  # type: ignore[method-assign]
    AmiBackend.describe_images = _describe_images  # type: ignore[method-assign]


def reset() -> None:
    _copy_tokens.clear()


