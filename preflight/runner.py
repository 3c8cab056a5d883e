"""Evaluate stacks: every program under the mock monitor, each judged by its own pack.

How it runs, and why it is fast (README, "How it runs"): the stack files are read first (no SDK needed, so
a broken one answers at once). This process runs without the cyclic garbage collector (a short batch; see
`preflight/__main__.py`). It imports the SDK and the policy SDK once and forks one pack per stack from
itself (`PackProcess.launch(fork=True)`): each child runs `pulumi.policy`'s `__main__` fresh with exactly
the engine's environment and arguments, so it costs a pack's own code, not another second of SDK imports.
Then the first stack's program runs here, which imports the program's modules and the provider modules it
uses, once. From this warm process one worker per stack is forked (`children.in_workers`, a few at a
time): the first stack's worker asks its pack for the verdict; every other worker runs its stack's
program, a fresh deployment in a fresh context, then asks its pack. So the programs and the packs run side
by side on every core, and this process never speaks gRPC (which a process must not have started before
it forks). Each worker hands its stack's result back through a pipe.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from preflight.report import StackResult
from stack_config import Project, ProjectError, StackConfig

if TYPE_CHECKING:
    from preflight.pack_process import PackProcess
    from preflight.registrations import ProgramRun


class Progress:
    """One status line on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.states: dict[str, str] = {}
        self._lock = threading.Lock()

    def update(self, stack: str, state: str) -> None:
        with self._lock:
            self.states[stack] = state
            if self.enabled:
                line = "  ".join(f"{name}: {s}" for name, s in self.states.items())
                sys.stderr.write(f"\r\033[Kpreflight  {line}")
                sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.states:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def evaluate(
    project: Project, stacks: list[str], policy_dir: Path, progress: Progress, *, fork: bool = True
) -> list[StackResult]:
    """Each stack's registrations and its pack's verdict, in the order of `stacks`; `fork=False` spawns each
    pack in a fresh interpreter instead, exactly as the engine does."""
    results = {stack: StackResult(stack) for stack in stacks}
    configs: dict[str, StackConfig] = {}
    for stack in stacks:
        progress.update(stack, "reading")
        try:
            configs[stack] = project.stack_config(stack)
        except ProjectError as exc:
            results[stack].error = str(exc)
            progress.update(stack, "error")
            continue
        results[stack].unresolved = list(configs[stack].unresolved)
    if not configs:  # no stack could be read: nothing to import the SDK for
        return [results[stack] for stack in stacks]

    import pulumi.runtime  # noqa: F401 - the pack base: what every pack imports first, imported once
    import pulumi_policy  # noqa: F401

    from preflight.children import in_workers
    from preflight.pack_process import AnalyzerHostError, PackProcess

    gc.freeze()  # the packs forked below collect their own garbage, never walking (or copying) what they share
    packs: dict[str, PackProcess] = {}
    try:
        for stack, config in configs.items():
            progress.update(stack, "starting")
            try:
                packs[stack] = PackProcess.launch(
                    policy_dir, project=project.name, stack=stack, config=config.decoded(), fork=fork
                )
            except (AnalyzerHostError, OSError) as exc:
                results[stack].error = f"policy pack could not be started: {exc}"
                progress.update(stack, "error")
        if not packs:
            return [results[stack] for stack in stacks]
        first, *rest = packs
        # The first program runs here: it imports the program's modules (and the providers' modules it
        # uses) into this process, once, for every worker forked from it below.
        progress.update(first, "running")
        run = _run(project, configs[first], results[first])
        import jsonschema  # noqa: F401 - what every worker's judging needs (policy config), imported once

        import preflight.judge  # noqa: F401

        tasks: dict[str, Callable[[], StackResult]] = {}
        if run is None:
            progress.update(first, "error")
        else:
            tasks[first] = partial(_judge, packs[first], policy_dir, run, results[first])
        for stack in rest:
            progress.update(stack, "running")
            tasks[stack] = partial(_run_and_judge, project, configs[stack], packs[stack], policy_dir, results[stack])
        with contextlib.closing(in_workers(tasks, limit=(os.cpu_count() or 1) + 1)) as verdicts:
            for stack, result, code in verdicts:
                packs[stack].stop()
                results[stack] = result or _lost(results[stack], code)
                progress.update(stack, results[stack].status)
    finally:  # Ctrl-C and SIGTERM are exit_codes' to handle: they kill every child at once
        for pack in packs.values():
            pack.stop()
    return [results[stack] for stack in stacks]


def _lost(result: StackResult, code: int) -> StackResult:
    result.error = f"the preflight's worker for this stack ended without a verdict (exit code {code})"
    return result


def _run_and_judge(
    project: Project, config: StackConfig, pack: PackProcess, policy_dir: Path, result: StackResult
) -> StackResult:
    """In a worker: the stack's program, then its pack's verdict."""
    run = _run(project, config, result)
    if run is None:
        return result
    return _judge(pack, policy_dir, run, result)


def _judge(pack: PackProcess, policy_dir: Path, run: ProgramRun, result: StackResult) -> StackResult:
    """In a worker: the pack's verdict on what the program registered."""
    from preflight.judge import judge
    from preflight.pack_process import AnalyzerHostError

    result.registrations = run.registrations
    result.outputs = run.stack_outputs
    try:
        judge(pack, policy_dir, run, result)
    except AnalyzerHostError as exc:
        result.error = f"policy pack failed: {exc}"
    except Exception as exc:  # a bug in the preflight, reported on the stack it broke
        result.error = f"the preflight failed while judging: {type(exc).__name__}: {exc}"
    result.put_in_order()
    return result


def _run(project: Project, config: StackConfig, result: StackResult) -> ProgramRun | None:
    import pulumi

    from preflight.monitor import run_program

    try:
        return run_program(project.main, project.name, config.name, config.values, config.secret_keys)
    except pulumi.RunError as exc:  # the program's own clean failure, e.g. ConfigError
        result.error = str(exc)
    except Exception:  # a bug in the program: its traceback is what its author needs
        result.error = "the program failed:\n" + traceback.format_exc().rstrip()
    return None
