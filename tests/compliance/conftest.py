"""Reports shared by the diff, register and residency tests: each preflight run costs seconds, so once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.support.commands import preflight, run_module, run_module_in_process
from tests.support.project import ROOT, edit, project_copy


def compliance(*args: str, cwd: Path = ROOT, subprocess: bool = False) -> CompletedProcess[str]:
    """`python -m compliance ...` as a user runs it: in this process, as `python -m` runs it (the many reports,
    diffs and registers of the wrong shape; tests/support/commands.py), or with `subprocess=True` as a process
    of its own (the diff every test here reads, a register append, and tests/test_exit_codes.py)."""
    if subprocess:
        return run_module("compliance", *args, cwd=cwd, timeout=120)
    return run_module_in_process("compliance", *args, cwd=cwd)


# The pull request every diff test reviews: a region, a retention, a protect flag, a budget and a tag.
HEAD_EDITS = (
    ("components/neon_database.py", "region_id=settings.region", 'region_id="aws-us-east-1"'),
    ("components/neon_database.py", "settings.backup_retention_days * SECONDS_PER_DAY", "35 * SECONDS_PER_DAY"),
    (
        "components/upstash_redis.py",
        "opts=self.child(protect=protect, retain_on_delete=protect)",
        "opts=self.child(protect=False, retain_on_delete=protect)",
    ),
    ("Pulumi.prod.yaml", "budget: 200", "budget: 300"),
    ("Pulumi.yaml", "data_class: confidential", "data_class: restricted"),
)


@dataclass(frozen=True)
class Reports:
    base: Path
    head: Path
    diff: Path
    markdown: str


@pytest.fixture(scope="session")
def prod_reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    """Stack prod as shipped (base, via `check`) and as changed by HEAD_EDITS (head), and their diff."""
    work = tmp_path_factory.mktemp("diff")
    base, head, diff = work / "base.json", work / "head.json", work / "diff.json"
    result = preflight("check", "--stack", "prod", "--json", str(base))
    assert result.returncode == 0, result.stdout + result.stderr
    copy = project_copy(work)
    for file, old, new in HEAD_EDITS:
        edit(copy / file, old, new)
    result = preflight("--stack", "prod", "--json", str(head), cwd=copy)
    assert result.returncode == 1, "the head breaks mandatory policies: " + result.stdout + result.stderr
    result = compliance("diff", str(base), str(head), "--json", str(diff), subprocess=True)
    assert result.returncode == 0, result.stderr
    return Reports(base, head, diff, result.stdout)


def load(path: Path) -> dict:
    return json.loads(path.read_text())
