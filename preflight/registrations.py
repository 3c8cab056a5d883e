"""What a program registered, as plain data: no Pulumi SDK import, so reports load fast.

Values are in the engine's wire encoding: a secret is `{SIG_KEY: SECRET_SIG, "value": v}`, an unknown
(a computed output during a preview) is the `UNKNOWN_WIRE` sentinel string. The constants are the engine's
(pulumi `sdk/go/common/resource/properties.go`); the SDK contract test holds them equal to the SDK's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN_WIRE: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    custom: bool
    parent: str
    inputs: dict[str, Any]  # wire encoding: secrets as {SIG_KEY: SECRET_SIG, "value": v}, unknowns UNKNOWN_WIRE
    protect: bool
    retain_on_delete: bool
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    additional_secret_outputs: list[str]
    package_ref: str = ""
    secret_inputs: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProgramRun:
    project: str
    stack: str
    registrations: list[Registration]
    packages: list[dict[str, str]]

    @property
    def stack_outputs(self) -> dict[str, Any]:
        root = next((r for r in self.registrations if r.type == "pulumi:pulumi:Stack"), None)
        return root.outputs if root else {}

    def by_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def by_urn(self, urn: str) -> Registration | None:
        return next((r for r in self.registrations if r.urn == urn), None)


def secret_paths(value: Any, path: str = "") -> list[str]:
    """Property paths (`a.b[0]`) whose value is a secret, in wire encoding."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return [path]
        found: list[str] = []
        for key, item in value.items():
            found += secret_paths(item, f"{path}.{key}" if path else key)
        return found
    if isinstance(value, list):
        found = []
        for index, item in enumerate(value):
            found += secret_paths(item, f"{path}[{index}]")
        return found
    return []


def shown(value: Any) -> Any:
    """The wire value as a report shows it: secrets as `[secret]`, unknowns as `[unknown]`."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return "[secret]"
        return {key: shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shown(item) for item in value]
    if value == UNKNOWN_WIRE:
        return "[unknown]"
    return value


def tree_order(registrations: list[Registration]) -> list[Registration]:
    """Parents before their children, siblings by type and name: the same order on every run.

    The SDK registers concurrently, so the order registrations arrive in varies from run to run; a plan
    artefact that is compared and archived must not.
    """
    by_urn = {r.urn: r for r in registrations}

    def path(r: Registration) -> list[tuple[str, str]]:
        chain: list[tuple[str, str]] = []
        seen: set[str] = set()
        current: Registration | None = r
        while current is not None and current.urn not in seen:
            seen.add(current.urn)
            chain.append((current.type, current.name))
            current = by_urn.get(current.parent)
        return chain[::-1]

    return sorted(registrations, key=path)
