"""Evaluate stacks: every program under the mock monitor, each judged by its own pack.

How it runs, and why it is fast (README, "How it runs"): the stack files are read first (no SDK needed, so
a broken one answers at once). Then this process imports the SDK and the policy SDK, once, and forks one
pack per stack from itself (`PackProcess.launch(fork=True)`): each child runs `pulumi.policy`'s
`__main__` fresh with exactly the engine's environment and arguments, so it costs a pack's own code, not
another second of SDK imports. Only then are the program's modules imported and threads started. The
programs run one after another in this process, each in a fresh context; as each finishes, a thread
drives its pack over the Analyzer protocol, so the packs judge in their processes, on the other core,
while the next program runs. After each program, what is alive is frozen out of the collector's reach.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING

from preflight.report import StackResult
from stack_config import Project, ProjectError, StackConfig

if TYPE_CHECKING:
    from preflight.pack_process import PackProcess
    from preflight.registrations import ProgramRun

_SIGNALS = {signal.SIGINT, signal.SIGTERM}


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

    from preflight.pack_process import AnalyzerHostError, PackProcess

    packs: dict[str, PackProcess] = {}
    judges: ThreadPoolExecutor | None = None
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
        # Signals go to the main thread only: the judges (and the threads they start) hold them back.
        judges = ThreadPoolExecutor(
            max_workers=len(packs),
            thread_name_prefix="judge",
            initializer=signal.pthread_sigmask,
            initargs=(signal.SIG_BLOCK, _SIGNALS),
        )
        verdicts: dict[str, Future[None]] = {}
        for stack, pack in packs.items():
            progress.update(stack, "running")
            run = _run(project, configs[stack], results[stack])
            # What is alive now (the SDK, the program's modules, finished runs) lives to the end: frozen, the
            # collector never walks it again. Measured: a fifth less CPU over twelve program runs.
            gc.freeze()
            if run is None:
                pack.stop()
                progress.update(stack, "error")
                continue
            verdicts[stack] = judges.submit(_judge, pack, policy_dir, run, results[stack], progress)
        pending = set(verdicts.values())
        while pending:  # in short waits: a signal's handler runs in this thread, between waits at the latest
            _, pending = wait(pending, timeout=0.2)
    finally:
        for pack in packs.values():  # Ctrl-C and SIGTERM are exit_codes' to handle: they kill the packs at once
            pack.stop()
        if judges is not None:  # done, or a failure above: then a judge may still wait on a pack now gone
            judges.shutdown(wait=False, cancel_futures=True)
    return [results[stack] for stack in stacks]


def _judge(pack: PackProcess, policy_dir: Path, run: ProgramRun, result: StackResult, progress: Progress) -> None:
    """In a thread: the pack's verdict on what the program registered."""
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
    progress.update(result.name, result.status)


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
