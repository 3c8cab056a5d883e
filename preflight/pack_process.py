"""The policy pack's process, started with exactly what the engine gives it.

What the engine does (pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`, `pkg/engine/plugins.go`):
read `PulumiPolicy.yaml`; run `<venv>/bin/python -u -m pulumi.policy <engine address> .` in the policy
directory with `PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_ORGANIZATION`, `PULUMI_DRY_RUN` and
`PULUMI_CONFIG` (the stack's config: strings as they are, anything else as JSON) in an environment free of
any other `PULUMI_CONFIG*`; read the port the pack prints on its first stdout line; end the process when done.

Two ways to start it, with the same environment, arguments, working directory and unbuffered stdout:

- `spawn`: a fresh interpreter, as the engine does (`PackProcess.launch(..., fork=False)`);
- `fork`: when the pack runs on this very interpreter (no virtualenv of its own), a child forked from this
  process, which has imported the SDK and `pulumi.policy` once (`preflight/runner.py`), runs
  `pulumi.policy`'s `__main__` fresh, so the pack's code and its binding to the stack are its own. It is
  what makes many stacks cheap: each pack skips the second of SDK imports. The preflight forks before it
  starts any thread or imports the program.

The stack worker the preflight forks later (`preflight.children`) borrows its stack's pack: it reads the
port, asks for the verdict and kills the pack; the process that started the pack reaps it (`stop()`).

Either way the pack runs in its own session (a Ctrl-C at the terminal is the preflight's to handle, not
the pack's), and a forked pack is killed by the kernel if the preflight dies without stopping it.

The engine address: the Python policy SDK never dials it (a contract `sdk_internals` keeps and its test
checks), so no Engine service is served. Each pack gets the address of a listening socket of its own
that no one accepts on: the address stays ours for the run, and `engine_dialled()` shows if a future SDK
starts using it.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import queue
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import yaml

from preflight import children
from preflight.children import ForkedChild
from stack_config import config_env

_STDERR_TAIL: Final = 4000
_HOST_VARIABLES: Final = frozenset({"PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_ORGANIZATION", "PULUMI_DRY_RUN"})


class AnalyzerHostError(RuntimeError):
    """The pack could not be started, or an RPC to it failed."""


def load_policy_project(policy_dir: Path) -> dict[str, Any]:
    path = policy_dir / "PulumiPolicy.yaml"
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise AnalyzerHostError(f"failed to load Pulumi policy project located at {policy_dir}: {error}") from None
    if not isinstance(project, dict):
        raise AnalyzerHostError(f"{path}: expected a mapping at the top level, found {type(project).__name__}")
    runtime = project.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise AnalyzerHostError(f"{path}: runtime is {runtime_name!r}; this host starts Python packs only")
    return project


def pack_python(policy_dir: Path, project: Mapping[str, Any]) -> str:
    """The pack's virtualenv interpreter if it exists (what the engine runs), else this interpreter."""
    runtime = project.get("runtime")
    options = runtime.get("options", {}) if isinstance(runtime, Mapping) else {}
    virtualenv = options.get("virtualenv") if isinstance(options, Mapping) else None
    if virtualenv:
        candidate = (policy_dir / str(virtualenv)).resolve() / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return sys.executable


def engine_environment(
    project: str, stack: str, config: Mapping[str, Any], organization: str | None, dry_run: bool
) -> dict[str, str]:
    """The pack's environment: ours, without anything that could pose as this stack's, plus the engine's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PULUMI_CONFIG") and key not in _HOST_VARIABLES
    }
    env.update(PULUMI_PROJECT=project, PULUMI_STACK=stack, PULUMI_DRY_RUN="true" if dry_run else "false")
    if organization:
        env["PULUMI_ORGANIZATION"] = organization
    if config:
        env["PULUMI_CONFIG"] = config_env(config)
    return env


class EngineAddress:
    """A loopback address that stays ours: a listening socket nobody accepts on."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(8)
        self._socket.setblocking(False)
        self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"

    def dialled(self) -> bool:
        """Whether anything connected to the address (the policy SDK never should)."""
        try:
            connection, _ = self._socket.accept()
        except (BlockingIOError, OSError):
            return False
        connection.close()
        return True

    def close(self) -> None:
        self._socket.close()


def _drain(stream: Any, sink: list[str], first_line: queue.Queue[str] | None = None) -> None:
    for index, raw in enumerate(iter(stream.readline, b"")):
        line = raw.decode("utf-8", errors="replace")
        if index == 0 and first_line is not None:
            first_line.put(line)
        else:
            sink.append(line)
    stream.close()
    if first_line is not None:
        first_line.put("")  # end of stream before a port: the reader below sees an empty line


class PackProcess:
    """One running `python -m pulumi.policy` for one stack. `stop()` it when done (safe twice)."""

    def __init__(
        self,
        *,
        policy_dir: Path,
        project: str,
        stack: str,
        config: Mapping[str, Any],
        organization: str | None,
        dry_run: bool,
        pack_version: str,
        process: subprocess.Popen[bytes] | ForkedChild,
        stdout: Any,
        stderr: Any,
        engine: EngineAddress,
        forked: bool,
    ) -> None:
        self.policy_dir = policy_dir
        self.project = project
        self.stack = stack
        self.config = dict(config)
        self.organization = organization
        self.dry_run = dry_run
        self.pack_version = pack_version
        self.forked = forked
        self.engine_address = engine.address
        self._engine = engine
        self._process = process
        self._owner = os.getpid()  # a worker forked from the owner may borrow the pack: see stop()
        children.track(process)
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._first_line: queue.Queue[str] = queue.Queue()
        self._threads = [
            threading.Thread(target=_drain, args=(stdout, self._stdout, self._first_line), daemon=True),
            threading.Thread(target=_drain, args=(stderr, self._stderr), daemon=True),
        ]
        self._started = False

    @classmethod
    def launch(
        cls,
        policy_dir: str | os.PathLike[str],
        *,
        project: str,
        stack: str,
        config: Mapping[str, Any] | None = None,
        organization: str | None = None,
        dry_run: bool = True,
        python: str | None = None,
        fork: bool = False,
    ) -> PackProcess:
        """Start the pack in `policy_dir` for `project`/`stack` with the stack's `config` (plain values).

        Returns at once; `wait_for_port` waits for the pack to serve. `python` defaults to the interpreter
        of the pack's `virtualenv` when that exists, else this one. `fork=True` forks it from this process
        when that is the same interpreter (see the module's docstring), and spawns it otherwise.
        """
        policy_dir = Path(policy_dir).resolve()
        policy_project = load_policy_project(policy_dir)
        config = dict(config or {})
        interpreter = python or pack_python(policy_dir, policy_project)
        env = engine_environment(project, stack, config, organization, dry_run)
        engine = EngineAddress()
        arguments = [engine.address, "."]
        forked = fork and os.path.realpath(interpreter) == os.path.realpath(sys.executable)
        try:
            if forked:
                process, stdout, stderr = _fork_pack(policy_dir, env, arguments)
            else:
                popen = subprocess.Popen(
                    [interpreter, "-u", "-m", "pulumi.policy", *arguments],
                    cwd=policy_dir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                )
                process, stdout, stderr = popen, popen.stdout, popen.stderr
        except OSError as error:
            engine.close()
            raise AnalyzerHostError(f"could not run {interpreter}: {error}") from error
        return cls(
            policy_dir=policy_dir,
            project=project,
            stack=stack,
            config=config,
            organization=organization,
            dry_run=dry_run,
            pack_version=str(policy_project.get("version") or ""),
            process=process,
            stdout=stdout,
            stderr=stderr,
            engine=engine,
            forked=forked,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait_for_port(self, timeout: float) -> int:
        """The port the pack serves the Analyzer service on, read from its first line of stdout."""
        if not self._started:
            self._started = True
            for thread in self._threads:
                thread.start()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._first_line.get(timeout=0.05)
                break
            except queue.Empty:
                if time.monotonic() > deadline:
                    self.stop()
                    raise AnalyzerHostError(
                        f"policy pack at {self.policy_dir} printed no port within {timeout:.0f} s; its stderr:\n"
                        + self.stderr_tail()
                    ) from None
        try:
            return int(line.strip())
        except ValueError:
            self.stop()  # and so the message below carries all of stderr
            raise AnalyzerHostError(
                f"policy pack at {self.policy_dir} did not start (exit code {self._process.poll()}, first line"
                f" {line.strip()!r}); its stderr:\n{self.stderr_tail()}"
            ) from None

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    @property
    def stdout(self) -> str:
        """What the pack printed after its port."""
        return "".join(self._stdout)

    def stderr_tail(self) -> str:
        return _tail(self._stderr)

    def engine_dialled(self) -> bool:
        """Whether the pack connected to the engine address it was given."""
        return self._engine.dialled()

    def stop(self) -> None:
        """Kill the pack and collect its output. It keeps no state, so a graceful shutdown buys nothing.

        In a stack worker that borrowed the pack (forked from the process that started it), the pack is
        killed and its output read; the process that started it collects its exit status."""
        if os.getpid() != self._owner:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGKILL)
        else:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(timeout=10)
            children.collected(self._process.pid)
        if not self._started:  # never read: close the pipes, nothing waits on them
            self._started = True
            for thread in self._threads:
                thread.start()
        for thread in self._threads:
            thread.join(timeout=5)
        self._engine.close()


def _fork_pack(policy_dir: Path, env: dict[str, str], arguments: list[str]) -> tuple[ForkedChild, Any, Any]:
    """Fork a child that runs `python -u -m pulumi.policy <arguments>` as the engine would start it."""
    stdout_read, stdout_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    process = children.fork(lambda: _run_pack(policy_dir, env, arguments, stdout_write, stderr_write))
    os.close(stdout_write)
    os.close(stderr_write)
    return process, os.fdopen(stdout_read, "rb"), os.fdopen(stderr_read, "rb")


def _run_pack(policy_dir: Path, env: dict[str, str], arguments: list[str], stdout: int, stderr: int) -> int:
    """In the forked child: become the process the engine would have started, then run the pack."""
    gc.enable()  # as in a fresh interpreter (the preflight runs without it: see preflight/__main__.py)
    os.setsid()  # a terminal's Ctrl-C is for the preflight, which stops its packs itself
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024)
    for number in (signal.SIGTERM, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # `python -u`: unbuffered binary stdout and stderr, as the engine runs the pack.
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
    os.chdir(policy_dir)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["-m", *arguments]
    sys.path[0] = str(policy_dir)  # `python -m` puts the working directory first
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)
    return 0


def _tail(lines: Sequence[str]) -> str:
    text = "".join(lines)
    return text[-_STDERR_TAIL:] if text else "(empty)"
