"""Typed resources of the Pulumi registry's `neon` package, written by hand.

The registry's `neon` package is Neon's Terraform provider bridged through Pulumi's parameterized
`terraform-provider` plugin; `pulumi package add terraform-provider <source> <version>` would generate
a `pulumi_neon` SDK for it. We keep this small module instead because (a) the PyPI package named
`pulumi-neon` is an unrelated stub that would clash with that module name, and (b) generating needs the
Pulumi CLI and the network, which a fresh clone must not. What matters to the engine is identical:
each resource registers with the package reference from `pulumi.runtime.register_package(...)` and the
bridge's type tokens and camelCase wire names, so a real `pulumi up` loads the same plugin a generated
SDK would (see docs/neon-provider.md).
"""

from neon_sdk.package import PACKAGE, PARAMETER
from neon_sdk.resources import Database, Project, Role

__all__ = ["PACKAGE", "PARAMETER", "Database", "Project", "Role"]
