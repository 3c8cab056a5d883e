"""Fixtures for the policy pack's tests: import paths, and a clean stack environment per test."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = ROOT / "policy"
for path in (ROOT, POLICY_DIR):  # the pack's package as the engine's cwd has it, and the preflight's host
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture(autouse=True)
def _clean_stack_environment(monkeypatch: pytest.MonkeyPatch):
    """No stack leaks in from the shell, and the in-process servicer's config copy leaks out to no test."""
    from sdk_internals import restored_config

    for name in ("PULUMI_STACK", "PULUMI_CONFIG", "PULUMI_PROJECT", "PULUMI_DRY_RUN", "PULUMI_ORGANIZATION"):
        monkeypatch.delenv(name, raising=False)
    with restored_config():
        yield


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """stack("dev") or stack("dev-jane", environment="prod"): the stack the engine would start the pack for."""

    def use(name: str, environment: str | None = None) -> None:
        monkeypatch.setenv("PULUMI_STACK", name)
        if environment is None:
            monkeypatch.delenv("PULUMI_CONFIG", raising=False)
        else:
            monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"motion-mavericks-portal:environment": environment}))

    return use
