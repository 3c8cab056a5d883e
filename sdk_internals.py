"""Every use of the Pulumi SDKs' private internals, in one place.

The program, the preflight and the tests need a few things `pulumi` and `pulumi-policy` do not publish as
API. They are reached only through this module, so that a Dependabot bump that changes one breaks here,
and the contract test (`tests/test_sdk_internals.py`) names which one broke and what depends on it.
Nothing else imports a private name of either SDK; `tests/test_sdk_internals.py` keeps it so. The policy
pack is the one exception by design: it is self-contained and owned by security, and imports
`pulumi_policy.proxy` itself (the contract test covers the names it uses).

What, and what for:

- `pulumi.runtime.sync_await._sync_await`, `pulumi.runtime.stack.run_pulumi_func`: running a program to
  completion under the mocks, as the language host does;
- `pulumi.runtime.mocks.MockMonitor` and `set_mocks(..., monitor=)`: recording every registration (the
  preflight's `RecordingMonitor` subclasses it);
- `pulumi.runtime.settings.SETTINGS.package_refs`, `.base_providers_by_ref`: a fresh deployment per run
  (package registrations are cached per process);
- `pulumi.runtime.settings.get_root_resource`, `pulumi.runtime.rpc.serialize_properties`: the exports;
- `pulumi.runtime.rpc`'s wire constants (`_special_sig_key`, `_special_secret_sig`, `UNKNOWN`);
- `pulumi.runtime.config.CONFIG`, `get_config_env`: every configuration key the program was given;
- `pulumi.runtime.proto` (`resource_pb2` fields, `analyzer_pb2`, `provider_pb2` and their gRPC stubs):
  the engine's protocols, where this SDK version keeps them;
- `pulumi_policy.policy._PolicyAnalyzerServicer`: the pack's servicer in-process, for the pack's tests;
- `pulumi_policy.proxy` (`UNKNOWN_*_VALUE`, `UnknownValueError`): the pack's own reading of unknowns;
- behaviour: `pulumi.policy`'s `__main__` binds the stack from the environment when it runs (so packs
  can be forked from one SDK import), and never dials the engine address (so no Engine service is served).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from google.protobuf import json_format
from pulumi.runtime import config as _runtime_config
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import rpc as _rpc
from pulumi.runtime.proto import (
    analyzer_pb2,
    analyzer_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
)
from pulumi.runtime.settings import SETTINGS as _SETTINGS
from pulumi.runtime.settings import get_root_resource as _get_root_resource
from pulumi.runtime.stack import run_pulumi_func as _run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

__all__ = [
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN_WIRE",
    "MockMonitor",
    "analyzer_pb2",
    "analyzer_pb2_grpc",
    "config_keys",
    "policy_servicer",
    "provider_pb2",
    "provider_pb2_grpc",
    "registration_fields",
    "resource_pb2",
    "restored_config",
    "run_as_deployment",
]

# The engine's wire encoding (pulumi sdk/go/common/resource/properties.go), as the Python SDK spells it.
SIG_KEY: Final[str] = _rpc._special_sig_key
SECRET_SIG: Final[str] = _rpc._special_secret_sig
UNKNOWN_WIRE: Final[str] = _rpc.UNKNOWN  # the wire sentinel, as preflight.registrations names it

MockMonitor = _mocks.MockMonitor


def config_keys() -> set[str]:
    """Every configuration key the program was given: by the engine (the language host passes the stack's
    whole configuration as the PULUMI_CONFIG environment variable) or by the mocks (`set_all_config`)."""
    return set(_runtime_config.CONFIG.get()) | set(_runtime_config.get_config_env())


@contextmanager
def restored_config() -> Iterator[None]:
    """The process's default configuration as it was before, whatever the block sets (tests)."""
    saved = dict(_runtime_config.CONFIG.get())
    try:
        yield
    finally:
        current = _runtime_config.CONFIG.get()
        current.clear()
        current.update(saved)


def run_as_deployment(
    program: Callable[[], object],
    *,
    monitor: Any,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    preview: bool,
) -> dict[str, Any]:
    """Run `program` as one fresh deployment under `monitor` (a `MockMonitor`), in a context of its own, and
    return the stack's exports in the engine's JSON encoding."""

    def run() -> dict[str, Any]:
        import pulumi.runtime

        pulumi.runtime.set_all_config(config, secret_keys)
        _mocks.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
        # Package registrations are cached per deployment; this run is a new deployment.
        _SETTINGS.package_refs = {}
        _SETTINGS.base_providers_by_ref = {}
        _sync_await(_run_pulumi_func(program))
        # The mock root stack is finished before the program runs, so exports stay on the object.
        exports = _get_root_resource().outputs
        return json_format.MessageToDict(_sync_await(_rpc.serialize_properties(exports, {})))

    return contextvars.Context().run(run)


def registration_fields(request: Any) -> dict[str, Any]:
    """What a `RegisterResourceRequest` says, by the names the rest of the code uses."""
    return {
        "type": request.type,
        "name": request.name,
        "custom": bool(request.custom),
        "parent": request.parent,
        "inputs": json_format.MessageToDict(request.object, preserving_proto_field_name=True),
        "protect": bool(request.protect),
        "retain_on_delete": bool(request.retainOnDelete),
        "provider": request.provider,
        "dependencies": sorted(request.dependencies),  # a set to the engine; the SDK's order varies
        "property_dependencies": {key: sorted(deps.urns) for key, deps in sorted(request.propertyDependencies.items())},
        "additional_secret_outputs": list(request.additionalSecretOutputs),
        "package_ref": request.packageRef,
        "ignore_changes": list(request.ignoreChanges),
    }


def package_fields(request: Any) -> dict[str, str]:
    """What a `RegisterPackageRequest` says."""
    return {
        "name": request.name,
        "version": request.version,
        "parameterized_name": request.parameterization.name,
        "parameterized_version": request.parameterization.version,
        "parameter": request.parameterization.value.decode(),
    }


def outputs_fields(request: Any) -> tuple[str, dict[str, Any]]:
    """A `RegisterResourceOutputsRequest`'s URN and outputs."""
    return request.urn, json_format.MessageToDict(request.outputs, preserving_proto_field_name=True)


def policy_servicer(name: str, version: str, policies: list[Any], enforcement_level: Any) -> Any:
    """The policy SDK's Analyzer servicer for `policies`, the object `PolicyPack` serves (in-process tests)."""
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    return _PolicyAnalyzerServicer(name, version, policies, enforcement_level)
