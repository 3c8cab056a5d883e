"""The portal's program run under Pulumi's mock monitor, as the preflight runs it."""

from __future__ import annotations

from preflight.monitor import ProgramRun, run_program
from stack_config import Project
from tests.support.project import ROOT, stack_config


def run_stack(stack: str, **overrides: object) -> ProgramRun:
    """The program run for `stack` under the mocks, with configuration changed as `stack_config` does."""
    project = Project.load(ROOT)
    values, secret_keys = stack_config(stack, **overrides)
    return run_program(project.main, project.name, stack, values, secret_keys)
