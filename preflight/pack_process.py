"""The policy pack's process, launched as the engine launches it; standard library and YAML only.

Kept apart from the gRPC side (`analyzer_host`) so the preflight can launch every stack's pack before it
imports the Pulumi SDK itself: the packs boot while the SDK loads.

What the engine does, and this copies (pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`,
`pkg/engine/plugins.go`): read `PulumiPolicy.yaml`; run `<venv>/bin/python -u -m pulumi.policy <engine
address> .` in the policy directory with `PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_ORGANIZATION`,
`PULUMI_DRY_RUN` and `PULUMI_CONFIG` (the stack's config: strings as they are, anything else as JSON) in
its environment; read the port the pack prints on its first stdout line; end the process when done.

The engine address is reserved before launch by a listening socket with SO_REUSEPORT, so the address the
pack is given is ours from the first instant; the gRPC Engine service later binds the same port and the
placeholder is closed.
"""

from __future__ import annotations

import contextlib
import os
import queue
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

from stack_config import config_env

_STDERR_TAIL: Final = 4000
_HOST_VARIABLES: Final = frozenset({"PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_ORGANIZATION", "PULUMI_DRY_RUN"})


class AnalyzerHostError(RuntimeError):
    """The pack could not be started, or an RPC to it failed."""


def load_policy_project(policy_dir: Path) -> dict[str, Any]:
    path = policy_dir / "PulumiPolicy.yaml"
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise AnalyzerHostError(f"failed to load Pulumi policy project located at {policy_dir}: {error}") from error
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


def _reserve_port() -> socket.socket:
    placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    placeholder.bind(("127.0.0.1", 0))
    placeholder.listen()
    return placeholder


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
        process: subprocess.Popen[bytes],
        placeholder: socket.socket,
    ) -> None:
        self.policy_dir = policy_dir
        self.project = project
        self.stack = stack
        self.config = dict(config)
        self.organization = organization
        self.dry_run = dry_run
        self.pack_version = pack_version
        self._process = process
        self._launcher = os.getpid()
        self._placeholder: socket.socket | None = placeholder
        self.engine_port: int = placeholder.getsockname()[1]
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._first_line: queue.Queue[str] = queue.Queue()
        # Started by the first `wait_for_port`, in whichever process talks to the pack: the preflight forks
        # after launching, and threads do not survive a fork.
        self._threads: list[threading.Thread] = []

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
    ) -> PackProcess:
        """Start the pack in `policy_dir` for `project`/`stack` with the stack's `config` (plain values).

        Returns at once; `wait_for_port` waits for the pack to serve. `python` defaults to the interpreter
        of the pack's `virtualenv` when that exists, else this one.
        """
        policy_dir = Path(policy_dir).resolve()
        policy_project = load_policy_project(policy_dir)
        config = dict(config or {})
        placeholder = _reserve_port()
        engine_address = f"127.0.0.1:{placeholder.getsockname()[1]}"

        # Hermetic: nothing from the caller's shell may pose as this stack's config.
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

        command = [python or pack_python(policy_dir, policy_project), "-u", "-m", "pulumi.policy"]
        command += [engine_address, "."]
        try:
            process = subprocess.Popen(
                command,
                cwd=policy_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as error:
            placeholder.close()
            raise AnalyzerHostError(f"could not run {command[0]}: {error}") from error
        return cls(
            policy_dir=policy_dir,
            project=project,
            stack=stack,
            config=config,
            organization=organization,
            dry_run=dry_run,
            pack_version=str(policy_project.get("version") or ""),
            process=process,
            placeholder=placeholder,
        )

    @property
    def engine_address(self) -> str:
        return f"127.0.0.1:{self.engine_port}"

    def release_engine_port(self) -> None:
        """Close the placeholder once the Engine service listens on the same port."""
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None

    def wait_for_port(self, timeout: float) -> int:
        """The port the pack serves the Analyzer service on, read from its first line of stdout."""
        if not self._threads:
            self._threads = [
                threading.Thread(
                    target=_drain, args=(self._process.stdout, self._stdout, self._first_line), daemon=True
                ),
                threading.Thread(target=_drain, args=(self._process.stderr, self._stderr), daemon=True),
            ]
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

    def stop(self) -> None:
        """Kill the pack and collect its output. It keeps no state, so a graceful shutdown buys nothing."""
        if os.getpid() == self._launcher:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(timeout=10)
        else:  # in a process forked after the launch, which cannot reap it; the launcher does that
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGKILL)
        for thread in self._threads:
            thread.join(timeout=5)
        self.release_engine_port()


def _tail(lines: Sequence[str]) -> str:
    text = "".join(lines)
    return text[-_STDERR_TAIL:] if text else "(empty)"
