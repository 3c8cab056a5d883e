"""Shared test helpers: the project as shipped, and the program run for a stack under the mocks."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from preflight.monitor import ProgramRun, run_program  # noqa: E402
from stack_config import Project  # noqa: E402

PREFIX = "motion-mavericks-portal:"
STACKS = ("dev", "staging", "prod")


def stack_config(stack: str, **overrides: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """The stack's configuration as the CLI passes it, with top-level keys replaced or deep-merged.

    `neon={"region": "aws-us-east-1"}` merges into the stack's `neon` object; a value of `DELETE`
    removes the key (top level or nested).
    """
    project = Project.load(ROOT)
    config = project.stack_config(stack)
    values = dict(config.values)
    for key, change in overrides.items():
        qualified = PREFIX + key
        if change is DELETE:
            values.pop(qualified, None)
            continue
        current = config.raw(qualified) if qualified in values else None
        merged = _merge(copy.deepcopy(current), change)
        values[qualified] = merged if isinstance(merged, str) else json.dumps(merged)
    return values, config.secret_keys


def run_stack(stack: str, **overrides: Any) -> ProgramRun:
    project = Project.load(ROOT)
    values, secret_keys = stack_config(stack, **overrides)
    return run_program(project.main, project.name, stack, values, secret_keys)


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()


def _merge(base: Any, change: Any) -> Any:
    if isinstance(base, dict) and isinstance(change, dict):
        for key, value in change.items():
            if value is DELETE:
                base.pop(key, None)
            else:
                base[key] = _merge(base.get(key), value)
        return base
    return change


@pytest.fixture(scope="session", params=STACKS)
def shipped_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Each shipped stack's program run, once per session."""
    return run_stack(request.param)
