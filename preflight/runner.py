"""Evaluate stacks: each in a forked worker that runs the program under the mock monitor while its
policy pack boots, then drives the pack over the Analyzer protocol exactly as the engine would.

The parent imports the Pulumi SDK and the program's modules once, before forking, so every worker
starts warm; it creates no gRPC channel or server itself (gRPC objects do not survive a fork).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import multiprocessing
import sys
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from preflight.analyzer_host import AnalyzerHost, AnalyzerHostError, ProviderResource, Resource
from preflight.monitor import ProgramRun, Registration, run_program
from preflight.project import Project, ProjectError, StackConfig
from preflight.report import Diagnostic, StackResult

POLICY_CONFIG_DIR = "config"  # policy/config/<stack>.json, passed as --policy-pack-config would be


class Progress:
    """One status line on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.states: dict[str, str] = {}

    def update(self, stack: str, state: str) -> None:
        self.states[stack] = state
        if self.enabled:
            line = "  ".join(f"{name}: {s}" for name, s in self.states.items())
            sys.stderr.write(f"\r\033[Kpreflight  {line}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.states:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def evaluate(project: Project, stacks: list[str], policy_dir: Path, progress: Progress) -> list[StackResult]:
    _warm_imports(project)
    for stack in stacks:
        progress.update(stack, "running")
    results: dict[str, StackResult] = {}
    if len(stacks) == 1:
        results[stacks[0]] = evaluate_stack(project, stacks[0], policy_dir)
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(stacks), mp_context=context) as pool:
            futures = {pool.submit(evaluate_stack, project, stack, policy_dir): stack for stack in stacks}
            for future in as_completed(futures):
                stack = futures[future]
                try:
                    results[stack] = future.result()
                except Exception as exc:  # a worker that died is a bug, reported as one
                    results[stack] = StackResult(stack, error=f"preflight worker failed: {exc!r}")
                progress.update(stack, results[stack].status)
    return [results[stack] for stack in stacks]


def _warm_imports(project: Project) -> None:
    """Import the modules the program imports, once, so forked workers do not each pay for them."""
    root = str(project.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        tree = ast.parse(project.main.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return  # the worker reports it, with the program's own message
    names = {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    for name in sorted(names):
        # A failure here is reported by the worker's run, where the program has it.
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def evaluate_stack(project: Project, stack: str, policy_dir: Path) -> StackResult:
    """The program's registrations for one stack and the pack's verdict on them."""
    try:
        config = project.stack_config(stack)
    except ProjectError as exc:
        return StackResult(stack, error=str(exc))
    result = StackResult(stack, unresolved=list(config.unresolved))

    booting: dict[str, Any] = {}
    boot = threading.Thread(target=_start_pack, args=(policy_dir, project, config, booting), daemon=True)
    boot.start()
    try:
        run = _run(project, config)
    except _UserError as exc:
        result.error = str(exc)
    boot.join()
    host: AnalyzerHost | None = booting.get("host")
    try:
        if host is None:
            reason = booting.get("error", "no reason given")
            result.error = result.error or f"policy pack could not be started: {reason}"
        if result.error is not None or host is None:
            return result
        result.registrations = run.registrations
        result.outputs = run.stack_outputs
        _judge(host, policy_dir, run, result)
    except AnalyzerHostError as exc:
        result.error = f"policy pack failed: {exc}"
    finally:
        if host is not None:
            host.close()
    return result


class _UserError(Exception):
    pass


def _run(project: Project, config: StackConfig) -> ProgramRun:
    import pulumi

    try:
        return run_program(project.main, project.name, config.name, config.values, config.secret_keys)
    except pulumi.RunError as exc:  # the program's own clean failure, e.g. ConfigError
        raise _UserError(str(exc)) from None
    except Exception:  # a bug in the program: its traceback is what its author needs
        raise _UserError("the program failed:\n" + traceback.format_exc().rstrip()) from None


def _start_pack(policy_dir: Path, project: Project, config: StackConfig, out: dict[str, Any]) -> None:
    try:
        plain_config = {key: config.raw(key) for key in config.values}
        out["host"] = AnalyzerHost.start(policy_dir, project=project.name, stack=config.name, config=plain_config)
    except (AnalyzerHostError, OSError) as exc:
        out["error"] = str(exc)
    except Exception:  # a bug in the host: keep its traceback for whoever fixes it
        out["error"] = traceback.format_exc().rstrip()


def _judge(host: AnalyzerHost, policy_dir: Path, run: ProgramRun, result: StackResult) -> None:
    info = host.info()
    policy_config = policy_dir / POLICY_CONFIG_DIR / f"{run.stack}.json"
    host.configure(policy_config if policy_config.is_file() else None)
    result.pack = {
        "name": info.name,
        "version": info.version,
        "policies": [
            {
                "name": p.name,
                "displayName": p.display_name,
                "description": p.description,
                "enforcementLevel": p.enforcement_level,
            }
            for p in info.policies
        ],
    }
    by_urn = {r.urn: r for r in run.registrations}
    resources = [_as_resource(r, by_urn) for r in run.registrations]
    diagnostics = []
    for resource in resources:
        diagnostics += host.analyze(resource)
    diagnostics += host.analyze_stack(resources)
    result.diagnostics = [
        Diagnostic(
            policy=d.policy_name,
            policy_pack=d.policy_pack_name,
            enforcement_level=d.enforcement_level,
            message=d.message,
            urn=d.urn,
            description=d.description,
        )
        for d in diagnostics
    ]


def _as_resource(r: Registration, by_urn: dict[str, Registration]) -> Resource:
    provider = None
    if r.provider:
        provider_urn = r.provider.rsplit("::", 1)[0]
        registered = by_urn.get(provider_urn)
        if registered is not None:
            provider = ProviderResource(
                type=registered.type, urn=registered.urn, name=registered.name, properties=registered.inputs
            )
    return Resource(
        type=r.type,
        name=r.name,
        urn=r.urn,
        properties=r.inputs,  # already in the engine's wire encoding (secrets and unknowns kept)
        parent=r.parent,
        protect=r.protect,
        dependencies=r.dependencies,
        property_dependencies=r.property_dependencies,
        provider=provider,
        additional_secret_outputs=r.additional_secret_outputs,
    )
