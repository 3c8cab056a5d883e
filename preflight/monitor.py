"""The program under Pulumi's own mock monitor, every registration recorded as the engine receives it.

`RecordingMonitor` is Pulumi's `MockMonitor` plus a record of each `RegisterResource` request: type,
name, URN, parent, the wire inputs (secrets and unknowns kept in the engine's own encoding), protect,
retain-on-delete, ignore-changes, provider, dependencies, and which inputs are secret. The mocks behave
like a preview: a new resource's computed outputs are unknown, exactly as `pulumi preview` sees them.
What this needs of the SDK beyond its API is in `sdk_internals`.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Callable
from pathlib import Path

import pulumi

import sdk_internals
from preflight.registrations import ProgramRun, Registration, secret_paths

__all__ = ["PreviewMocks", "ProgramRun", "ProgramUsesInvoke", "RecordingMonitor", "run_program", "run_under_mocks"]


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


class RecordingMonitor(sdk_internals.MockMonitor):
    def __init__(self, mock_provider: pulumi.runtime.Mocks):
        super().__init__(mock_provider)
        self.registrations: list[Registration] = []
        self.packages: list[dict[str, str]] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        fields = sdk_internals.registration_fields(request)
        urn = response.urn or self.make_urn(request.parent, request.type, request.name)
        self.registrations.append(Registration(urn=urn, secret_inputs=secret_paths(fields["inputs"]), **fields))
        return response

    def RegisterResourceOutputs(self, request):
        urn, outputs = sdk_internals.outputs_fields(request)
        for registration in self.registrations:
            if registration.urn == urn:
                registration.outputs = outputs
        return super().RegisterResourceOutputs(request)

    def RegisterPackage(self, request):
        self.packages.append(sdk_internals.package_fields(request))
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

    The program's own exceptions propagate unchanged (a `ConfigError` is the user's mistake). Its directory
    is importable, as the language host makes it, so it can import its own packages.
    """
    directory = str(main.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
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
    """Run `program` as a Pulumi program; each run is a fresh deployment in a fresh context, so runs in one
    process never share a root stack, configuration or package registrations."""
    monitor = RecordingMonitor(mock_provider or PreviewMocks())
    exports = sdk_internals.run_as_deployment(
        program,
        monitor=monitor,
        project=project,
        stack=stack,
        config=dict(config or {}),
        secret_keys=list(secret_keys),
        preview=preview,
    )
    result = ProgramRun(project, stack, monitor.registrations, monitor.packages)
    root = next((r for r in result.registrations if r.type == "pulumi:pulumi:Stack"), None)
    if root is not None:
        root.outputs = exports
    return result
