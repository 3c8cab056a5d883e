"""Session fixtures; the helpers themselves live in tests/support/."""

from __future__ import annotations

import pytest

from preflight.monitor import ProgramRun
from tests.support.program import run_stack
from tests.support.project import STACKS

# Fixtures shared across test packages live in tests/support/ and are registered here, once.
pytest_plugins = ("tests.support.servers", "tests.support.previews")


@pytest.fixture(scope="session", params=STACKS)
def shipped_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Each shipped stack's program run, once per session."""
    return run_stack(request.param)
