"""The parameterized package these resources belong to, and its registration with the engine."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable
from dataclasses import dataclass

import pulumi.runtime


@dataclass(frozen=True)
class TerraformBridgedPackage:
    """A Terraform provider served by Pulumi's `terraform-provider` plugin (Any Terraform Provider)."""

    name: str  # the Pulumi package name, the first part of every type token
    version: str  # the Terraform provider's version, which the package takes
    source: str  # the Terraform registry address the plugin downloads the provider from
    base_provider: str
    base_provider_version: str

    @property
    def parameter(self) -> bytes:
        """The parameterization value the plugin expects (`pulumi package add` embeds the same)."""
        document = {"remote": {"url": self.source, "version": self.version}}
        return json.dumps(document, separators=(",", ":")).encode()


PACKAGE = TerraformBridgedPackage(
    name="neon",
    version="0.15.0",
    source="registry.opentofu.org/kislerdm/neon",
    base_provider="terraform-provider",
    base_provider_version="1.1.3",
)
PARAMETER = PACKAGE.parameter


def package_ref() -> Awaitable[str]:
    """A fresh awaitable of the package reference; the SDK caches the registration per deployment."""
    return pulumi.runtime.register_package(
        base_provider_name=PACKAGE.base_provider,
        base_provider_version=PACKAGE.base_provider_version,
        base_provider_download_url="",
        package_name=PACKAGE.name,
        package_version=PACKAGE.version,
        base64_parameter=base64.b64encode(PARAMETER).decode(),
    )
