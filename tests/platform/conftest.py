"""The platform project as shipped, and its program run under Pulumi's mock monitor."""

from __future__ import annotations

import pytest

from preflight.monitor import ProgramRun
from tests.support.platform import run_platform


@pytest.fixture(scope="session")
def platform_run() -> ProgramRun:
    return run_platform()
