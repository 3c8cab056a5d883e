"""`python -m compliance` as a user runs it, the pull request the diff tests review, and reading reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

from tests.support.commands import run_module, run_module_in_process
from tests.support.project import ROOT


def compliance(*args: str, cwd: Path = ROOT, subprocess: bool = False) -> CompletedProcess[str]:
    """`python -m compliance ...` as a user runs it: in this process, as `python -m` runs it (the many reports,
    diffs and registers of the wrong shape; tests/support/commands.py), or with `subprocess=True` as a process
    of its own (the diff every compliance test reads, a register append, and tests/test_exit_codes.py)."""
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


def load(path: Path) -> dict:
    return json.loads(path.read_text())
