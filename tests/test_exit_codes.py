"""One exit-code convention across every command-line tool (exit_codes.py, README "Exit codes"), each
command run as a user runs it: a user's mistake exits 2 with one message naming it; a bug exits 2 (3 for
the commands that resume), never 1, which CI reads as "the change is refused"; Ctrl-C exits 130 and
SIGTERM 143; never a traceback.

`python -m preflight` has its own tests of the same (tests/preflight/test_signals.py, test_command.py).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.commands import clean_env
from tests.support.project import ROOT

CREDENTIAL = "fake-credential-" + "x" * 12


def run(*argv: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv], cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=120
    )


def one_message(result: subprocess.CompletedProcess[str]) -> str:
    """The command's one message (stderr), checked to be one line and no traceback."""
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- a user's mistake: exit 2, one message that names it --------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("-m", "compliance", "publish"), "compliance: command: found 'publish'; allowed: diff, register, residency"),
        (("-m", "compliance", "diff", "no-such-base.json", "no-such-head.json"), "no-such-base.json"),
        (("-m", "delivery", "compare", "no-such-approved.json", "x.json"), "no-such-approved.json"),
        (("-m", "delivery", "preview", "prod stack"), "'prod stack' is not a stack name"),
        (("-m", "ops.check_manual", "--stack", "qa"), "stack 'qa': Pulumi.qa.yaml does not exist"),
        (("-m", "ops.preview_env", "create", "--pr", "x", "--branch", "b"), "--pr"),
        (("-m", "mutation", "--only", "nonsense"), "--only: found nonsense; allowed:"),
    ],
    ids=[
        "compliance-command",
        "compliance-report",
        "delivery-plan",
        "delivery-stack",
        "check_manual",
        "preview_env",
        "mutation",
    ],
)
def test_a_users_mistake_exits_2_with_one_message_naming_it(argv: tuple[str, ...], expected: str) -> None:
    result = run(*argv)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert expected in result.stderr


def test_rotation_without_credentials_exits_2_naming_each_missing_one() -> None:
    result = run("-m", "ops.rotate_neon_password", "--stack", "prod", "--role", "portal_app")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "missing environment variables" in result.stderr and "NEON_API_KEY" in result.stderr


# --- a bug: one message, its traceback in a file, never exit 1 ----------------------------------------------

# Each command run as `python -m` runs it (runpy, as __main__), with one function it calls made to fail.
BREAK = "def broken(*args, **kwargs):\n    raise RuntimeError('deliberately broken for the test')\n"
CRASHES = {
    "compliance": ("import compliance.diff\ncompliance.diff.main = broken", ["diff", "a.json", "b.json"], 2),
    "delivery": ("import delivery.digest\ndelivery.digest.load = broken", ["compare", "a.json", "b.json"], 2),
    "ops.check_manual": ("import stack_config\nstack_config.Project.load = broken", ["--stack", "prod"], 2),
    "ops.rotate_neon_password": (
        "import stack_config\nstack_config.Project.load = broken",
        ["--stack", "prod", "--role", "portal_app", "--dry-run"],
        2,  # nothing was changed yet; part-way it would be 3, "resume"
    ),
    "ops.preview_env": (
        "import stack_config\nstack_config.Project.load = broken",
        ["create", "--pr", "7", "--branch", "feature/x"],
        3,  # this command's "run it again, it resumes"
    ),
}


@pytest.mark.parametrize("module", list(CRASHES))
def test_a_bug_is_one_message_never_exit_1_and_its_traceback_is_kept_in_a_file(module: str, tmp_path: Path) -> None:
    breaking, argv, code = CRASHES[module]
    script = f"import runpy, sys\n{BREAK}{breaking}\nsys.argv = [{module!r}, *{argv!r}]\n"
    script += f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n"
    credentials = {name: CREDENTIAL for name in ("NEON_API_KEY", "VERCEL_API_TOKEN", "OP_CONNECT_TOKEN")}
    result = run("-c", script, OP_CONNECT_HOST="https://op.example.test", TMPDIR=str(tmp_path), **credentials)
    assert result.returncode == code, result.stdout + result.stderr
    message = one_message(result)
    name = module.removeprefix("ops.")
    assert f"{name}: internal error: RuntimeError at " in message
    assert "this is a bug in the tool, not a mistake in your input" in message
    assert "deliberately broken" not in message, "an exception's text may hold a secret: it goes to the file"
    (saved,) = tmp_path.glob("crash-*.txt")
    assert "RuntimeError: deliberately broken for the test" in saved.read_text()
    assert saved.stat().st_mode & 0o077 == 0, "readable only by the user"


# --- Ctrl-C and SIGTERM: 130 and 143 ------------------------------------------------------------------------


@contextlib.contextmanager
def silent_vendor() -> Iterator[tuple[socket.socket, str]]:
    """A vendor that takes the connection and never answers: the command waits on it until signalled."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(120)
    try:
        yield server, f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def start(*argv: str, cwd: Path = ROOT, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", *argv],
        cwd=cwd,
        env=clean_env(VENDOR_API_DEADLINE_SECONDS="300", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell's foreground job
    )


def interrupt(process: subprocess.Popen[str], signal_number: int) -> tuple[str, str]:
    try:
        if signal_number == signal.SIGINT:
            os.killpg(process.pid, signal_number)  # what a terminal does on Ctrl-C
        else:
            process.send_signal(signal_number)
        return process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()


def reader_waiting(fifo: Path, process: subprocess.Popen[str]) -> int:
    """Wait until `process` has opened `fifo` and is blocked reading it; returns our (silent) writing end.

    Opened is not enough: our end opening is what lets the command's `open()` return, and a signal that
    lands before its `read()` begins, in C code with no Python line in between, is handled only when that
    read returns (Python runs signal handlers between lines and when a system call is interrupted; see
    README "Exit codes"), which here is never. So the signal waits until the kernel shows the command
    asleep in the read (Linux's /proc/<pid>/wchan, "pipe_read" or "anon_pipe_read")."""
    deadline = time.monotonic() + 120
    while True:
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as error:
            assert error.errno == errno.ENXIO, error
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never opened its input"
        time.sleep(0.02)
    while "pipe_read" not in Path(f"/proc/{process.pid}/wchan").read_text():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never read its input"
        time.sleep(0.01)
    return writer


SIGNALS = pytest.mark.parametrize(
    ("signal_number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)


@SIGNALS
@pytest.mark.parametrize(
    "argv",
    [("compliance", "diff", "{input}", "{input}"), ("delivery", "compare", "{input}", "{input}")],
    ids=["compliance", "delivery"],
)
def test_a_command_reading_its_input_is_interrupted_quietly(argv, signal_number, code, tmp_path: Path) -> None:
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)  # an input that never arrives: the command waits, reading it
    process = start(*(part.format(input=fifo) for part in argv))
    writer = reader_waiting(fifo, process)
    try:
        stdout, stderr = interrupt(process, signal_number)
    finally:
        os.close(writer)
    assert process.returncode == code, stdout + stderr
    assert stderr == "" and "Traceback" not in stdout


# command -> (its arguments, its environment with {url} the silent vendor, what it says when interrupted)
WAITING_ON_A_VENDOR = {
    "check_manual": (
        ("ops.check_manual", "--only", "resend"),
        {"RESEND_API_KEY": CREDENTIAL, "RESEND_API_BASE_URL": "{url}"},
        None,  # nothing half-done to report: quietly
    ),
    "rotate_neon_password": (
        ("ops.rotate_neon_password", "--stack", "prod", "--role", "portal_app", "--journal-dir", "{tmp}"),
        {
            **{"NEON_API_KEY": CREDENTIAL, "OP_CONNECT_TOKEN": CREDENTIAL, "VERCEL_API_TOKEN": CREDENTIAL},
            **{"NEON_API_BASE_URL": "{url}", "OP_CONNECT_HOST": "{url}", "VERCEL_API_BASE_URL": "{url}"},
        },
        "error: interrupted. Nothing was changed.",
    ),
    "preview_env": (
        ("ops.preview_env", "create", "--pr", "7", "--branch", "feature/x"),
        {
            **{"NEON_API_KEY": CREDENTIAL, "VERCEL_API_TOKEN": CREDENTIAL},
            **{"NEON_API_BASE_URL": "{url}", "VERCEL_API_BASE_URL": "{url}"},
        },
        "error: interrupted; run the same command again: it resumes where it stopped",
    ),
}


@SIGNALS
@pytest.mark.parametrize("command", list(WAITING_ON_A_VENDOR))
def test_a_command_waiting_on_a_vendor_says_where_it_stands_and_exits(command, signal_number, code, tmp_path) -> None:
    argv, env, said = WAITING_ON_A_VENDOR[command]
    with silent_vendor() as (server, url):
        process = start(
            *(arg.format(tmp=tmp_path) for arg in argv), **{key: value.format(url=url) for key, value in env.items()}
        )
        connection, _ = server.accept()
        with connection:
            stdout, stderr = interrupt(process, signal_number)
    assert process.returncode == code, stdout + stderr
    assert "Traceback" not in stdout + stderr and CREDENTIAL not in stdout + stderr
    if said is None:
        assert stderr == ""
    else:
        assert one_message(subprocess.CompletedProcess([], code, stdout, stderr)) == said


PULUMI = """\
import os, signal, sys, time
def cancel(signum, frame):
    # What the real CLI does on Ctrl-C: cancel the update cleanly, release the lock, then exit.
    with open(os.environ["FAKE_SIGNALS"], "a") as log:
        log.write(f"{signum}\\n")
    print("cancelled", flush=True)
    sys.exit(255)
signal.signal(signal.SIGINT, cancel)
signal.signal(signal.SIGTERM, cancel)
print("Updating", flush=True)
time.sleep(120)
"""


@SIGNALS
def test_delivery_passes_the_signal_to_pulumi_once_and_waits_for_it(signal_number, code, tmp_path: Path) -> None:
    """The CLI must cancel an update cleanly; a second Ctrl-C would make it stop at once, mid-update."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(f"#!{sys.executable}\n{PULUMI}")
    (bin_dir / "pulumi").chmod(0o755)
    project = tmp_path / "project"
    (project / "policy").mkdir(parents=True)
    log = tmp_path / "signals.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "delivery", "up", "dev", "--out", str(tmp_path / "out")],
        cwd=project,
        env={**clean_env(FAKE_SIGNALS=str(log), PYTHONPATH=str(ROOT)), "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    while "Updating" not in (line := process.stdout.readline()):
        assert line, process.communicate()
    stdout, stderr = interrupt(process, signal_number)
    assert process.returncode == code, stdout + stderr
    assert "cancelled" in stdout, "delivery waited for the CLI to finish cancelling"
    assert log.read_text() == f"{int(signal_number)}\n", "the CLI got the signal once"
    assert (tmp_path / "out" / "up.txt").read_text() == "Updating\ncancelled\n"
    assert "Traceback" not in stdout + stderr
