"""The policy pack's configuration, reconciled and validated as the engine does it before `Configure`.

pulumi `pkg/resource/analyzer/config.go`: every policy's default level and schema defaults, then the
pack's initial config, then the `--policy-pack-config` file ("all" first), validated against each
policy's JSON schema; a config the engine would refuse is a `PolicyConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from preflight.pack_process import AnalyzerHostError
from sdk_internals import analyzer_pb2

ENFORCEMENT_LEVELS: Final = ("advisory", "mandatory", "remediate", "disabled")


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    display_name: str
    description: str
    enforcement_level: str
    policy_type: str  # resource | stack | ""
    config_schema: Mapping[str, Any]  # {"properties": {...}, "required": [...]}; empty if none
    severity: str = ""
    remediation_steps: str = ""
    url: str = ""


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    display_name: str
    description: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]
    initial_config: Mapping[str, Mapping[str, Any]]

    def policy(self, name: str) -> PolicyInfo:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(f"policy pack {self.name!r} has no policy {name!r}")


class PolicyConfigError(AnalyzerHostError):
    """The policy config does not parse or does not match a policy's config schema (the engine refuses it)."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("invalid policy config:\n  " + "\n  ".join(self.errors))


def level_name(value: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(value).lower()


def level_value(name: str) -> int:
    return analyzer_pb2.EnforcementLevel.Value(name.upper())


def _parse_policy_pack_config(config: Mapping[str, Any]) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
    """The engine's parsePolicyPackConfig: a level string, or an object with an optional enforcementLevel."""
    parsed: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
    errors = []
    for name, value in config.items():
        level: str | None = None
        properties: dict[str, Any] | None = None
        if isinstance(value, str):
            level = value
        elif isinstance(value, Mapping):
            properties = dict(value)
            raw_level = properties.pop("enforcementLevel", None)
            if raw_level is not None and not isinstance(raw_level, str):
                errors.append(f"{name}: enforcementLevel {raw_level!r} is not a string")
                continue
            level = raw_level
            properties = properties or None
        else:
            errors.append(f"{name}: {value!r} is not a valid value; must be a string or object")
            continue
        if level is not None and level not in ENFORCEMENT_LEVELS:
            errors.append(f"{name}: {level!r} is not a valid enforcement level ({', '.join(ENFORCEMENT_LEVELS)})")
            continue
        if level is None and not properties:
            continue
        parsed[name] = (level, properties)
    if errors:
        raise PolicyConfigError(errors)
    return parsed


def _apply(
    result: dict[str, tuple[str | None, dict[str, Any] | None]],
    given: Mapping[str, tuple[str | None, dict[str, Any] | None]],
) -> None:
    all_level = given.get("all", (None, None))[0]
    if all_level:
        for name, (_, properties) in list(result.items()):
            result[name] = (all_level, properties)
    for name, (level, properties) in given.items():
        current_level, current_properties = result.get(name, (None, None))
        if properties:  # shallow: a given key replaces the whole value, as in the engine
            current_properties = {**(current_properties or {}), **properties}
        result[name] = (level or current_level, current_properties)


def reconcile_policy_config(
    info: PackInfo, config: Mapping[str, Any] | None
) -> dict[str, tuple[str | None, dict[str, Any] | None]]:
    """Every policy's (enforcement level, properties), as the engine passes them to Configure.

    Schema defaults and each policy's own level first, then the pack's initial config, then `config` (the
    content of a `--policy-pack-config` file); the result is validated against each policy's schema.
    """
    result: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
    for policy in info.policies:
        properties = policy.config_schema.get("properties", {})
        defaults = {key: schema["default"] for key, schema in properties.items() if "default" in schema}
        result[policy.name] = (policy.enforcement_level, defaults or None)
    initial = {
        name: (value.get("enforcementLevel"), {k: v for k, v in value.items() if k != "enforcementLevel"} or None)
        for name, value in info.initial_config.items()
    }
    _apply(result, initial)
    if config:
        _apply(result, _parse_policy_pack_config(config))

    errors = []
    for policy in info.policies:
        if not policy.config_schema:
            continue
        schema = {"type": "object", **policy.config_schema}
        properties = result.get(policy.name, (None, None))[1] or {}
        import jsonschema  # on first use: the preflight loads it in a judging thread, not before the program runs

        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(properties), key=lambda e: list(e.path)):
            where = "/".join(str(part) for part in error.path)
            errors.append(f"{policy.name}: {where + ': ' if where else ''}{error.message}")
    if errors:
        raise PolicyConfigError(errors)
    return result
