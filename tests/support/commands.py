"""Commands run as a user runs them: `python -m <module>`, no `pulumi` on PATH, no vendor credential.

`run_module` starts a subprocess. `run_module_in_process` runs the very same thing inside the test's own
process, for the many variations of one command's input (vendor answers, bad arguments, damaged files):
the module is executed as `__main__` by `runpy`, exactly as `python -m` does, so its
`exit_codes.run_command` wrapper, argument parsing, environment reading, stdout/stderr and exit code are the
command's own; only the interpreter start-up and the imports (about a second of CPU for an ops command)
are shared. What a separate process alone can show (signals, a crash's exit code, the imports a command
pays for) is tested with `run_module`, and every command has such tests (tests/test_exit_codes.py and at
least one in its own test module). `TESTS_IN_SUBPROCESS=1` makes every in-process run a subprocess again,
to check that both ways give the same results (README "Tests").
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import shutil
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.support.project import ROOT

CREDENTIALS = ("VERCEL_API_TOKEN", "NEON_API_KEY", "UPSTASH_EMAIL", "UPSTASH_API_KEY", "SENTRY_AUTH_TOKEN")


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without vendor credentials, Pulumi variables or a `pulumi` binary on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS and not k.startswith("PULUMI_")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin"
    assert shutil.which("pulumi", path=env["PATH"]) is None
    env.update(extra)
    return env


def run_module(
    module: str, *args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>` in `cwd`, with `env` (default: `clean_env()`) as its whole environment."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=clean_env() if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_module_in_process(
    module: str, *args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`run_module`, run in this process (see the module docstring). In a directory that holds its own copy
    of the code (a project copy), `python -m` would run that copy, so this runs it as a subprocess."""
    own_copy = Path(cwd).resolve() != ROOT and (Path(cwd) / module.split(".")[0]).exists()
    if own_copy or os.environ.get("TESTS_IN_SUBPROCESS") == "1":
        return run_module(module, *args, cwd=cwd, env=env)
    stdout, stderr = _pipe("strict"), _pipe("backslashreplace")
    with _as_a_process(cwd, clean_env() if env is None else env, [module, *args]):
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = _exit_code(module)
        stdout.flush()
        stderr.flush()
    return subprocess.CompletedProcess([sys.executable, "-m", module, *args], code, _text(stdout), _text(stderr))


def _exit_code(module: str) -> int:
    """Run `module` as `python -m` does and return the code the process would exit with."""
    try:
        with warnings.catch_warnings():
            # A test module that imported the command's module already: here it is run a second time, as
            # `__main__`, which is what `python -m` runs too.
            warnings.filterwarnings("ignore", "'.*' found in sys.modules after import of package", RuntimeWarning)
            runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as leaving:
        if leaving.code is None or isinstance(leaving.code, int):
            return leaving.code or 0
        print(leaving.code, file=sys.stderr)  # what the interpreter does with `sys.exit("message")`
        return 1
    return 0


@contextlib.contextmanager
def _as_a_process(cwd: Path, env: Mapping[str, str], argv: list[str]) -> Iterator[None]:
    """The working directory, environment, argv and signal handlers the command sees, put back afterwards
    (a command installs its own SIGINT/SIGTERM handlers, which must not outlive it here)."""
    import exit_codes

    saved_env, saved_argv, saved_cwd = dict(os.environ), sys.argv[:], os.getcwd()
    saved_signals = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    saved_clean_ups = exit_codes._CLEAN_UPS[:]
    os.environ.clear()
    os.environ.update(env)
    sys.argv = argv
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        for number, handler in saved_signals.items():
            signal.signal(number, handler)
        exit_codes._CLEAN_UPS[:] = saved_clean_ups


def _pipe(errors: str) -> io.TextIOWrapper:
    """What a command's stdout or stderr is when a test reads it: a UTF-8 pipe, not a terminal."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=errors, write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    """As `subprocess.run(text=True)` decodes it."""
    data = stream.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
    return data.replace("\r\n", "\n").replace("\r", "\n")


def preflight(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`python -m preflight <args>` in `cwd`."""
    return run_module("preflight", *args, cwd=cwd)
