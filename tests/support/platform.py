"""The platform project as shipped, its configuration, and its program run under Pulumi's mock monitor."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from preflight.monitor import ProgramRun, run_program
from stack_config import Project
from tests.support.project import with_overrides

PLATFORM = Path(__file__).resolve().parents[2] / "platform"
POLICY = PLATFORM.parent / "policy"
for path in (PLATFORM, POLICY):  # as the engine runs each: its own directory first on the path
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

PREFIX = "motion-mavericks-platform:"
STACK = "prod"


def platform_config(**overrides: Any) -> dict[str, str]:
    """The stack's configuration as the CLI passes it, top-level keys deep-merged with `overrides`."""
    return with_overrides(Project.load(PLATFORM).stack_config(STACK), PREFIX, overrides)


def run_platform(**overrides: Any) -> ProgramRun:
    project = Project.load(PLATFORM)
    return run_program(project.main, project.name, STACK, platform_config(**overrides))
