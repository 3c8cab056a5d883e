"""Resources as the engine describes them to an analyzer, and their encoding on the wire.

Values are JSON-like, with `UNKNOWN` for a value the engine does not know yet and `Secret(...)` for a
secret; on the wire they are marshalled as the engine marshals them (pulumi `sdk/go/common/resource/
plugin/rpc.go`): unknowns as the unknown-string sentinel, secrets as signature objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import struct_pb2

from preflight.registrations import SECRET_SIG, SIG_KEY, UNKNOWN_WIRE
from sdk_internals import analyzer_pb2


class _Unknown:
    """A value the engine does not know yet (a preview of a computed output)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


@dataclass(frozen=True)
class Secret:
    """A property value the engine holds as a Pulumi secret. Its value never appears in a repr."""

    value: Any = field(repr=False)


@dataclass(frozen=True)
class ProviderResource:
    type: str
    urn: str
    name: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    """One resource as the engine describes it to an analyzer.

    `properties` are the inputs for `analyze` and the outputs for `analyze_stack`, as in the engine. Values
    are JSON-like, with `UNKNOWN` for unknowns and `Secret(...)` for secrets. The Analyzer protocol has no
    field for `retain_on_delete`, so it is not here.
    """

    type: str
    name: str
    urn: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    parent: str = ""
    protect: bool = False
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    provider: ProviderResource | None = None
    ignore_changes: Sequence[str] = ()
    delete_before_replace: bool | None = None
    additional_secret_outputs: Sequence[str] = ()
    aliases: Sequence[str] = ()


def serialize_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Property values in the engine's JSON shape: secrets as signature objects, unknowns as the sentinel."""
    return {str(key): _serialize(value) for key, value in properties.items()}


def _serialize(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_WIRE
    if isinstance(value, Secret):
        return {SIG_KEY: SECRET_SIG, "value": _serialize(value.value)}
    if isinstance(value, Mapping):
        return {str(key): _serialize(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_serialize(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} as a property value: use JSON-like values")


def to_struct(data: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(data))
    return struct


def _options(resource: Resource, *, with_parent: bool) -> analyzer_pb2.AnalyzerResourceOptions:
    options = analyzer_pb2.AnalyzerResourceOptions(
        protect=resource.protect,
        ignoreChanges=list(resource.ignore_changes),
        deleteBeforeReplace=bool(resource.delete_before_replace),
        deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
        additionalSecretOutputs=list(resource.additional_secret_outputs),
        aliases=list(resource.aliases),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
    )
    if with_parent:
        options.parent = resource.parent
    return options


def _provider(provider: ProviderResource | None) -> analyzer_pb2.AnalyzerProviderResource | None:
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        urn=provider.urn,
        name=provider.name,
        properties=to_struct(serialize_properties(provider.properties)),
    )


def build_analyze_request(resource: Resource) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        name=resource.name,
        urn=resource.urn,
        properties=to_struct(serialize_properties(resource.properties)),
        options=_options(resource, with_parent=True),
        provider=_provider(resource.provider),
    )


def build_analyze_stack_request(resources: Iterable[Resource]) -> analyzer_pb2.AnalyzeStackRequest:
    protos = []
    for resource in resources:
        protos.append(
            analyzer_pb2.AnalyzerResource(
                type=resource.type,
                name=resource.name,
                urn=resource.urn,
                properties=to_struct(serialize_properties(resource.properties)),
                # Like the engine's AnalyzeResources: the parent travels beside the options, not in them.
                options=_options(resource, with_parent=False),
                provider=_provider(resource.provider),
                parent=resource.parent,
                dependencies=list(resource.dependencies),
                propertyDependencies={
                    key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                    for key, urns in resource.property_dependencies.items()
                    if urns
                },
            )
        )
    return analyzer_pb2.AnalyzeStackRequest(resources=protos)


def make_urn(project: str, stack: str, type_: str, name: str, parent_urn: str = "") -> str:
    """The URN the engine gives a resource: its type is qualified by its parent's, unless that is the stack."""
    qualified = type_
    if parent_urn:
        parent_type = parent_urn.split("::")[2]
        if parent_type != "pulumi:pulumi:Stack":
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"
