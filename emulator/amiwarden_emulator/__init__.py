"""amiwarden's extension of moto 5.2.1.

moto is a faithful-enough AWS for most calls, but the project's core scenario (an AMI on the
AWS managed key `aws/ebs`, re-encrypted with a customer managed key, granted cross-account to a
member's Auto Scaling service-linked role) crosses exactly the corners moto leaves out. Each
module here restores one AWS-documented behaviour by patching moto's classes in place; each fix
is pinned by a conformance test under test/conformance/ that states the behaviour through the SDK.

`apply_patches()` must run before moto's server builds its Flask apps (emulator/server.py does).
"""

from __future__ import annotations

import moto

EXPECTED_MOTO = "5.2.1"


def apply_patches() -> None:
    # The patches reach into moto internals: refuse to run on another version rather than
    # fail in confusing ways halfway through a test run.
    if moto.__version__ != EXPECTED_MOTO:
        raise RuntimeError(
            f"amiwarden emulator patches target moto {EXPECTED_MOTO}, found {moto.__version__}: "
            f"pip install 'moto[server]=={EXPECTED_MOTO}'"
        )
    from . import allowed_images, autoscaling, deprecation, ebs_defaults, ec2, eks, events, iam, identity, kms, launch_templates, organizations, paging, parameters, securityhub, sts

    identity.apply()
    iam.apply()
    kms.apply()
    ec2.apply()
    launch_templates.apply()
    ebs_defaults.apply()
    allowed_images.apply()
    deprecation.apply()
    autoscaling.apply()
    eks.apply()
    events.apply()
    organizations.apply()
    sts.apply()
    parameters.apply()
    securityhub.apply()
    paging.apply()  # last: it pages what the other EC2 patches answer
