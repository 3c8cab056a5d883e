"""The program under Pulumi's own mock monitor, every registration recorded as the engine receives it.

`RecordingMonitor` is Pulumi's `MockMonitor` plus a record of each `RegisterResource` request: type,
name, URN, parent, the wire inputs (secrets and unknowns kept in the engine's own encoding), protect,
retain-on-delete, ignore-changes, provider, dependencies, and which inputs are secret. The mocks behave
like a preview: a new resource's computed outputs are unknown, exactly as `pulumi preview` sees them.
"""

from __future__ import annotations

import contextvars
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks, rpc
from pulumi.runtime.settings import SETTINGS, get_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from preflight.registrations import SECRET_SIG, SIG_KEY, UNKNOWN, ProgramRun, Registration, plain, secret_paths

__all__ = [
    "SECRET_SIG",
    "SIG_KEY",
    "UNKNOWN",
    "PreviewMocks",
    "ProgramRun",
    "ProgramUsesInvoke",
    "RecordingMonitor",
    "Registration",
    "plain",
    "run_program",
    "run_under_mocks",
    "secret_paths",
]


class PreviewMocks(pulumi.runtime.Mocks):
    """New resources echo their inputs; computed outputs stay unknown, as in a preview."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        return None, dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        raise ProgramUsesInvoke(args.token)


class ProgramUsesInvoke(Exception):
    """The program called a provider function, which has no offline answer."""

    def __init__(self, token: str):
        super().__init__(f"the program invokes {token}, which cannot be answered offline")


class RecordingMonitor(mocks.MockMonitor):
    def __init__(self, mock_provider: pulumi.runtime.Mocks):
        super().__init__(mock_provider)
        self.registrations: list[Registration] = []
        self.packages: list[dict[str, str]] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        urn = response.urn or self.make_urn(request.parent, request.type, request.name)
        inputs = json_format.MessageToDict(request.object, preserving_proto_field_name=True)
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=urn,
                custom=bool(request.custom),
                parent=request.parent,
                inputs=inputs,
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                provider=request.provider,
                dependencies=sorted(request.dependencies),  # a set to the engine; the SDK's order varies
                property_dependencies={
                    key: sorted(deps.urns) for key, deps in sorted(request.propertyDependencies.items())
                },
                additional_secret_outputs=list(request.additionalSecretOutputs),
                package_ref=request.packageRef,
                secret_inputs=secret_paths(inputs),
                ignore_changes=list(request.ignoreChanges),
            )
        )
        return response

    def RegisterResourceOutputs(self, request):
        outputs = json_format.MessageToDict(request.outputs, preserving_proto_field_name=True)
        for registration in self.registrations:
            if registration.urn == request.urn:
                registration.outputs = outputs
        return super().RegisterResourceOutputs(request)

    def RegisterPackage(self, request):
        self.packages.append(
            {
                "name": request.name,
                "version": request.version,
                "parameterized_name": request.parameterization.name,
                "parameterized_version": request.parameterization.version,
                "parameter": request.parameterization.value.decode(),
            }
        )
        return super().RegisterPackage(request)


def run_program(
    main: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: tuple[str, ...] = (),
    mock_provider: pulumi.runtime.Mocks | None = None,
    preview: bool = True,
) -> ProgramRun:
    """Run the Pulumi program at `main` for one stack under the mock monitor and return what it did.

    The program's own exceptions propagate unchanged (a `ConfigError` is the user's mistake).
    """
    return run_under_mocks(
        lambda: runpy.run_path(str(main), run_name="__main__"),
        project,
        stack,
        config,
        secret_keys,
        mock_provider,
        preview,
    )


def run_under_mocks(
    program: Callable[[], object],
    project: str,
    stack: str,
    config: dict[str, str] | None = None,
    secret_keys: tuple[str, ...] = (),
    mock_provider: pulumi.runtime.Mocks | None = None,
    preview: bool = True,
) -> ProgramRun:
    """Run `program` as a Pulumi program; each run gets a fresh context, so runs in one process never
    share a root stack, configuration or package registrations."""
    monitor = RecordingMonitor(mock_provider or PreviewMocks())

    def run() -> dict[str, Any]:
        pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys))
        mocks.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
        # Package registrations are cached per deployment; this run is a new deployment.
        SETTINGS.package_refs = {}
        SETTINGS.base_providers_by_ref = {}
        _sync_await(run_pulumi_func(program))
        # The mock root stack is finished before the program runs, so exports stay on the object.
        exports = get_root_resource().outputs
        return json_format.MessageToDict(_sync_await(rpc.serialize_properties(exports, {})))

    exports = contextvars.Context().run(run)
    result = ProgramRun(project, stack, monitor.registrations, monitor.packages)
    root = next((r for r in result.registrations if r.type == "pulumi:pulumi:Stack"), None)
    if root is not None:
        root.outputs = exports
    return result
