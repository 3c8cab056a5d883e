"""Session fixtures; the helpers themselves live in tests/support/."""

from __future__ import annotations

import sys

import pytest

from preflight.monitor import ProgramRun, run_program
from stack_config import Project
from tests.support.project import DELETE, PREFIX, ROOT, STACKS, stack_config

# pytest keeps each test module's assertion-rewritten bytecode in __pycache__ (checked against the source's
# mtime and size, like Python's own) only if this process may write bytecode. This machine and CI set
# PYTHONDONTWRITEBYTECODE=1, so each xdist worker rewrote every test module on every run, about 4 s of CPU.
# Only this process: the commands the tests start keep the setting (their bytecode: `make bytecode`).
sys.dont_write_bytecode = False

__all__ = ["DELETE", "PREFIX", "ROOT", "STACKS", "run_stack", "stack_config"]


def run_stack(stack: str, **overrides: object) -> ProgramRun:
    """The program run for `stack` under the mocks, with configuration changed as `stack_config` does."""
    project = Project.load(ROOT)
    values, secret_keys = stack_config(stack, **overrides)
    return run_program(project.main, project.name, stack, values, secret_keys)


@pytest.fixture(scope="session", params=STACKS)
def shipped_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Each shipped stack's program run, once per session."""
    return run_stack(request.param)
