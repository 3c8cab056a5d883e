"""The contract with the Pulumi SDKs' private internals (sdk_internals.py): when a `pulumi` or
`pulumi-policy` upgrade changes one, the failing test names it and what depends on it. And no module but
the adapter reaches into them."""

from __future__ import annotations

import inspect
import re
from contextvars import ContextVar
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.support.project import ROOT


def _missing(module: str, name: str, needed_for: str) -> str:
    return f"{module}.{name} changed or is gone: sdk_internals needs it for {needed_for}"


@pytest.mark.parametrize(
    ("module", "name", "needed_for"),
    [
        ("pulumi.runtime.sync_await", "_sync_await", "running a program to completion under the mocks"),
        ("pulumi.runtime.stack", "run_pulumi_func", "running a program as the language host does"),
        ("pulumi.runtime.mocks", "MockMonitor", "recording registrations (preflight.monitor.RecordingMonitor)"),
        ("pulumi.runtime.mocks", "set_mocks", "installing the recording monitor"),
        ("pulumi.runtime.settings", "SETTINGS", "a fresh deployment per program run"),
        ("pulumi.runtime.settings", "get_root_resource", "reading the stack's exports"),
        ("pulumi.runtime.rpc", "serialize_properties", "encoding the stack's exports as the engine does"),
        ("pulumi.runtime.rpc", "_special_sig_key", "recognising secrets in recorded inputs"),
        ("pulumi.runtime.rpc", "_special_secret_sig", "recognising secrets in recorded inputs"),
        ("pulumi.runtime.rpc", "UNKNOWN", "recognising unknowns in recorded inputs"),
        ("pulumi.runtime.config", "CONFIG", "listing every configuration key (unknown keys are refused; platform too)"),
        ("pulumi.runtime.config", "get_config_env", "listing every configuration key the engine passed"),
        ("pulumi_policy.policy", "_PolicyAnalyzerServicer", "the pack's in-process tests"),
        ("pulumi_policy.proxy", "UnknownValueError", "the pack reading unknowns (policy/mm_policies/props.py)"),
        *(
            ("pulumi_policy.proxy", f"UNKNOWN_{kind}_VALUE", "the pack reading unknowns (policy/mm_policies/props.py)")
            for kind in ("ARCHIVE", "ARRAY", "ASSET", "BOOLEAN", "NUMBER", "OBJECT", "STRING")
        ),
    ],
)
def test_each_internal_is_still_there(module: str, name: str, needed_for: str) -> None:
    assert hasattr(import_module(module), name), _missing(module, name, needed_for)


def test_the_mock_monitor_can_still_be_subclassed_and_installed() -> None:
    from pulumi.runtime import mocks

    for method in ("RegisterResource", "RegisterResourceOutputs", "RegisterPackage", "make_urn"):
        assert callable(getattr(mocks.MockMonitor, method, None)), _missing("MockMonitor", method, "RecordingMonitor")
    parameters = inspect.signature(mocks.set_mocks).parameters
    assert {"project", "stack", "preview", "monitor"} <= set(parameters), _missing(
        "pulumi.runtime.mocks", "set_mocks(project, stack, preview, monitor)", "installing the recording monitor"
    )


def test_settings_still_cache_package_registrations_where_a_fresh_deployment_resets_them() -> None:
    from pulumi.runtime.settings import SETTINGS

    for attribute in ("package_refs", "base_providers_by_ref"):
        assert hasattr(SETTINGS, attribute), _missing("SETTINGS", attribute, "a fresh deployment")


def test_config_is_still_a_context_variable() -> None:
    from pulumi.runtime import config

    assert isinstance(config.CONFIG, ContextVar), _missing(
        "pulumi.runtime.config", "CONFIG (a ContextVar)", "config keys"
    )


def test_the_wire_constants_are_the_engines() -> None:
    """pulumi sdk/go/common/resource/properties.go; preflight.registrations keeps its own copy (no SDK import)."""
    import sdk_internals
    from preflight import registrations

    assert (sdk_internals.SIG_KEY, sdk_internals.SECRET_SIG) == (
        "4dabf18193072939515e22adb298388d",
        "1b47061264138c4ac30d75fd1eb44270",
    )
    assert sdk_internals.UNKNOWN_WIRE == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert (registrations.SIG_KEY, registrations.SECRET_SIG, registrations.UNKNOWN_WIRE) == (
        sdk_internals.SIG_KEY,
        sdk_internals.SECRET_SIG,
        sdk_internals.UNKNOWN_WIRE,
    )


@pytest.mark.parametrize(
    ("message", "fields"),
    [
        (
            "resource_pb2.RegisterResourceRequest",
            (
                "type",
                "name",
                "parent",
                "custom",
                "object",
                "protect",
                "retainOnDelete",
                "provider",
                "dependencies",
                "propertyDependencies",
                "additionalSecretOutputs",
                "packageRef",
                "ignoreChanges",
            ),
        ),
        ("resource_pb2.RegisterResourceOutputsRequest", ("urn", "outputs")),
        ("resource_pb2.RegisterPackageRequest", ("name", "version", "parameterization")),
        ("analyzer_pb2.AnalyzeRequest", ("type", "name", "urn", "properties", "options", "provider")),
        (
            "analyzer_pb2.AnalyzerResource",
            (
                "type",
                "name",
                "urn",
                "properties",
                "options",
                "provider",
                "parent",
                "dependencies",
                "propertyDependencies",
            ),
        ),
        (
            "analyzer_pb2.AnalyzerResourceOptions",
            (
                "protect",
                "ignoreChanges",
                "deleteBeforeReplace",
                "deleteBeforeReplaceDefined",
                "additionalSecretOutputs",
                "aliases",
                "customTimeouts",
                "parent",
            ),
        ),
        (
            "analyzer_pb2.AnalyzeDiagnostic",
            (
                "policyName",
                "policyPackName",
                "policyPackVersion",
                "description",
                "message",
                "enforcementLevel",
                "urn",
                "severity",
            ),
        ),
        ("analyzer_pb2.AnalyzerHandshakeRequest", ("engine_address", "root_directory", "program_directory")),
        (
            "analyzer_pb2.AnalyzerStackConfigureRequest",
            ("stack", "project", "organization", "dry_run", "config", "tags"),
        ),
        (
            "analyzer_pb2.PolicyInfo",
            (
                "name",
                "displayName",
                "description",
                "enforcementLevel",
                "configSchema",
                "severity",
                "policy_type",
                "remediation_steps",
                "url",
            ),
        ),
    ],
)
def test_the_protocol_fields_the_host_reads_and_writes_are_there(message: str, fields: tuple[str, ...]) -> None:
    import sdk_internals

    module, name = message.split(".")
    descriptor = getattr(getattr(sdk_internals, module), name).DESCRIPTOR
    missing = [field for field in fields if field not in descriptor.fields_by_name]
    assert not missing, f"{message} has no field(s) {', '.join(missing)}: preflight's wire code needs them"


def test_the_policy_sdks_main_binds_the_stack_when_it_runs_and_never_dials_the_engine() -> None:
    """Forking packs from one SDK import (preflight.pack_process) is right only while `pulumi.policy`'s
    `__main__` reads the engine's environment in `main()`, after the fork; serving no Engine service is
    right only while it never connects to the engine address (behaviour: tests/policy/test_policy_protocol)."""
    source = Path(find_spec("pulumi.policy.__main__").origin).read_text()
    body = source.split("def main(", 1)[1]
    for read in ('os.environ["PULUMI_STACK"]', "get_config_env()", "runpy.run_path(program"):
        assert read in body, f"pulumi.policy.__main__.main no longer does {read}: re-check preflight.pack_process"
    assert "engineAddress" in body and "args.engineAddress" not in body, "pulumi.policy now uses the engine address"
    import pulumi_policy.policy

    policy_source = inspect.getsource(pulumi_policy.policy)
    assert "EngineStub" not in policy_source and "engine_pb2" not in policy_source, (
        "pulumi_policy now talks to the engine: preflight serves no Engine service (see preflight.pack_process)"
    )


# Names only sdk_internals.py may import. Documented exceptions: the pack's use of pulumi_policy.proxy, and the
# platform project's config keys (its own project and virtualenv, so it cannot import sdk_internals).
_INTERNAL_MODULES = r"pulumi\.runtime\.(proto|mocks|settings|stack|sync_await|config|rpc)|pulumi_policy\.(policy|proxy)"
PRIVATE = re.compile(
    rf"^\s*(from|import)\s+({_INTERNAL_MODULES})\b"  # importing an internal module
    r"|^\s*from\s+pulumi\.runtime\s+import\s+.*\b(proto|mocks|settings|stack|sync_await|config|rpc)\b"
    r"|_sync_await\(|\brpc\._|_PolicyAnalyzerServicer|\bSETTINGS\."  # using one
)
ALLOWED = {
    "sdk_internals.py",
    "tests/test_sdk_internals.py",
    "policy/mm_policies/props.py",
    "platform/governance/config_keys.py",
}


def test_no_module_but_the_adapter_reaches_into_the_sdks() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("venv/", ".")) or "/venv/" in relative or relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PRIVATE.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "private SDK names outside sdk_internals.py:\n" + "\n".join(offenders)
