"""Session fixtures; the helpers themselves live in tests/support/."""

from __future__ import annotations

import sys

import pytest

from preflight.monitor import ProgramRun
from tests.support.program import run_stack
from tests.support.project import STACKS

# pytest keeps each test module's assertion-rewritten bytecode in __pycache__ (checked against the source's
# mtime and size, like Python's own) only if this process may write bytecode. This machine and CI set
# PYTHONDONTWRITEBYTECODE=1, so each xdist worker rewrote every test module on every run, about 4 s of CPU.
# Only this process: the commands the tests start keep the setting (their bytecode: `make bytecode`).
sys.dont_write_bytecode = False

# Fixtures shared across test packages live in tests/support/ and are registered here, once.
pytest_plugins = ("tests.support.servers", "tests.support.previews")


@pytest.fixture(scope="session", params=STACKS)
def shipped_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Each shipped stack's program run, once per session."""
    return run_stack(request.param)
