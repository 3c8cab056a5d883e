"""The policy pack the Pulumi CLI runs (`pulumi preview --policy-pack policy`). It builds one PolicyPack and
serves it until the engine stops it, so nothing imports this file: the policies live in `mm_policies`."""

from mm_policies import PACK_DESCRIPTION, PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name=PACK_NAME,
    description=PACK_DESCRIPTION,
    # Every policy sets its own level; this default only catches a policy added without one.
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=list(POLICIES),
)
