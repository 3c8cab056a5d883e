"""Evaluate stacks, as fast as two cores allow.

1. Every stack's policy pack is launched first (`PackProcess.launch`, standard library only), so the
   packs boot in their own processes while this one imports the Pulumi SDK and the program's modules.
2. Then one child per stack is forked: warm, it runs the program under the mock monitor and drives its
   pack over the Analyzer protocol, as the engine would, and sends its `StackResult` back pickled.

No gRPC object exists before the fork (they do not survive one); each child creates its own.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import os
import pickle
import selectors
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.pack_process import AnalyzerHostError, PackProcess
from preflight.report import StackResult
from stack_config import Project, ProjectError, StackConfig

if TYPE_CHECKING:
    from preflight.registrations import ProgramRun


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
    """Each stack's registrations and its pack's verdict, in the order of `stacks`."""
    results = {stack: StackResult(stack) for stack in stacks}
    configs: dict[str, StackConfig] = {}
    packs: dict[str, PackProcess] = {}
    try:
        for stack in stacks:
            progress.update(stack, "starting")
            try:
                configs[stack] = config = project.stack_config(stack)
            except ProjectError as exc:
                results[stack].error = str(exc)
                continue
            results[stack].unresolved = list(config.unresolved)
            pack = _launch(policy_dir, project, config, results[stack])
            if pack is not None:
                packs[stack] = pack

        if not packs:  # no stack could be read: nothing to import the SDK for
            return [results[stack] for stack in stacks]
        # The Pulumi SDK and the program's own modules load here, once, while the packs boot. Imports only
        # create objects that live for good, so the collector has nothing to find while they run; and
        # frozen before the fork, they are never traversed again by the children's collections.
        gc.disable()
        try:
            _warm_imports(project)
        finally:
            gc.freeze()
            gc.enable()
        children = {stack: _fork(stack, _evaluate_stack, project, configs[stack], packs, policy_dir) for stack in packs}
        for pack in packs.values():
            pack.release_engine_port()  # each child serves its Engine service on it now
        for stack in children:
            progress.update(stack, "running")
        for stack, result in _collect(children):
            if result is None:
                results[stack].error = "preflight worker ended without a result"
            else:
                results[stack] = result
            progress.update(stack, results[stack].status)
    finally:
        for pack in packs.values():  # each child killed its pack; reap them here (or kill, if interrupted)
            pack.stop()
    return [results[stack] for stack in stacks]


def _launch(policy_dir: Path, project: Project, config: StackConfig, result: StackResult) -> PackProcess | None:
    try:
        return PackProcess.launch(policy_dir, project=project.name, stack=config.name, config=config.plain())
    except (AnalyzerHostError, OSError) as exc:
        result.error = f"policy pack could not be started: {exc}"
        return None


def _warm_imports(project: Project) -> None:
    """Import what every child needs, once, before forking: the host, the SDK and the program's modules."""
    import jsonschema  # noqa: F401 - the host validates policy config with it in every child

    import preflight.judge  # the Analyzer host and, through it, the SDK's protocol modules
    import preflight.monitor  # noqa: F401 - the SDK's runtime and its mocks

    root = str(project.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        tree = ast.parse(project.main.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return  # the child reports it, with the program's own message
    names = {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    for name in sorted(names):
        # A failure here is reported by the child's run, where the program has it.
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _evaluate_stack(
    project: Project, config: StackConfig, packs: dict[str, PackProcess], policy_dir: Path
) -> StackResult:
    """In a child: run the program for one stack, then have its pack judge what it registered."""
    pack = packs[config.name]
    for other in packs.values():
        if other is not pack:
            other.release_engine_port()  # this process's copy only; the other child serves that port
    result = StackResult(config.name, unresolved=list(config.unresolved))
    run = _run(project, config, result)
    if run is None:
        pack.stop()
        return result
    result.registrations = run.registrations
    result.outputs = run.stack_outputs
    from preflight.judge import judge

    try:
        judge(pack, policy_dir, run, result)
    except AnalyzerHostError as exc:
        result.error = f"policy pack failed: {exc}"
    result.put_in_order()
    return result


def _fork(stack: str, work: Callable[..., StackResult], *args: Any) -> tuple[int, int]:
    """Run `work(*args)` in a forked child; its pickled result comes back on the returned pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        return pid, read_end
    # The child: never return into the parent's code, never run its exit handlers. It lives for a second
    # and then exits, so collecting cycles would only cost time.
    gc.disable()
    status = 0
    try:
        os.close(read_end)
        try:
            result = work(*args)
        except BaseException:  # a bug in the preflight: its traceback is what whoever fixes it needs
            result = StackResult(stack, error="preflight worker failed:\n" + traceback.format_exc().rstrip())
        with os.fdopen(write_end, "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        status = 70
    finally:
        os._exit(status)


def _collect(children: dict[str, tuple[int, int]]) -> Iterator[tuple[str, StackResult | None]]:
    """Each child's result as it finishes (read concurrently, so no child blocks on a full pipe)."""
    stack_of = {fd: stack for stack, (_, fd) in children.items()}
    pid_of = {fd: pid for pid, fd in children.values()}
    chunks: dict[int, list[bytes]] = {fd: [] for fd in stack_of}
    with selectors.DefaultSelector() as selector:
        for fd in stack_of:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            for key, _ in selector.select():
                data = os.read(key.fd, 1 << 20)
                if data:
                    chunks[key.fd].append(data)
                    continue
                selector.unregister(key.fd)
                os.close(key.fd)
                os.waitpid(pid_of[key.fd], 0)
                try:
                    result = pickle.loads(b"".join(chunks[key.fd]))
                except (pickle.UnpicklingError, EOFError):
                    result = None
                yield stack_of[key.fd], result


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
