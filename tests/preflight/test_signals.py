"""Interrupting `python -m preflight` as a user or CI does: Ctrl-C (SIGINT to the foreground process group)
exits 130, SIGTERM exits 143, quietly, and no policy pack process is left behind; even a preflight killed
outright takes its packs with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support.commands import clean_env
from tests.support.project import ROOT


def processes_marked(marker: str) -> list[int]:
    """Every process whose environment carries `marker` (the preflight and the packs it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ:
            found.append(int(entry.name))
    return found


def packs_of(marker: str, preflight: int) -> list[int]:
    """The marked processes other than the preflight: its packs (forked ones keep their parent's original
    environment in /proc, so the marker is all they can be told by)."""
    return [pid for pid in processes_marked(marker) if pid != preflight]


def start_preflight(marker: str) -> subprocess.Popen[str]:
    env = clean_env(PREFLIGHT_TEST_MARKER=marker)
    return subprocess.Popen(
        [sys.executable, "-m", "preflight"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell's foreground job
    )


def wait_for_packs(marker: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not packs_of(marker, process.pid):
        assert process.poll() is None, "the preflight ended before any pack started"
        assert time.monotonic() < deadline, "no pack process appeared"
        time.sleep(0.02)


def gone(marker: str, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := processes_marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.parametrize(
    ("signal_number", "to_group", "code"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_preflight_exits_quietly_and_leaves_no_pack(signal_number, to_group, code) -> None:
    marker = f"interrupt-{uuid.uuid4()}"
    process = start_preflight(marker)
    try:
        wait_for_packs(marker, process)
        if to_group:
            os.killpg(process.pid, signal_number)  # what a terminal does on Ctrl-C
        else:
            process.send_signal(signal_number)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert stderr == "", "quietly"
    assert gone(marker) == [], "no pack process outlives the preflight"


def test_a_killed_preflight_takes_its_packs_with_it() -> None:
    marker = f"kill-{uuid.uuid4()}"
    process = start_preflight(marker)
    try:
        wait_for_packs(marker, process)
        process.kill()
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert gone(marker) == [], "the kernel ends a forked pack whose preflight died (PR_SET_PDEATHSIG)"


def test_a_crash_is_one_message_and_exit_2_never_1(tmp_path: Path) -> None:
    """A bug in the preflight (here: its report writer breaks) is not "mandatory violations" (exit 1)."""
    from tests.support.project import edit, project_copy

    copy = project_copy(tmp_path)
    edit(
        copy / "preflight" / "report.py",
        "def build_report(project: str, results: list[StackResult]) -> dict[str, Any]:\n",
        "def build_report(project: str, results: list[StackResult]) -> dict[str, Any]:\n    raise RuntimeError('x')\n",
    )
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "--stack", "dev"],
        cwd=copy,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    [message] = result.stderr.splitlines()
    assert message.startswith("preflight: internal error: RuntimeError at report.py:")
    assert "this is a bug in the tool, not a mistake in your input" in message
    assert "Traceback" not in result.stdout + result.stderr
    crash_file = Path(message.rsplit(" is in ", 1)[1])
    assert "raise RuntimeError('x')" in crash_file.read_text()
    crash_file.unlink()
