"""CODEOWNERS gives security the pack, prod's configuration and the pipeline, with team names from one place.

Ownership is read the way GitHub reads it (the `codeowners` package: last matching pattern wins), and
the teams are looked up by role in `.github/owners.yml`, never spelled out here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from codeowners import CodeOwners

from delivery import codeowners
from tests.support.project import ROOT

OWNERS = codeowners.load(ROOT / codeowners.OWNERS_FILE)
GITHUB_VIEW = CodeOwners((ROOT / codeowners.CODEOWNERS_FILE).read_text())


def owners_of(path: str) -> set[str]:
    return {owner for _kind, owner in GITHUB_VIEW.of(path)}


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "delivery", "codeowners", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return out.split()


def test_codeowners_is_generated_from_the_owners_file() -> None:
    result = run("--check")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "path",
    [
        "policy/__main__.py",
        "policy/mm_policies/residency.py",
        "policy/config/prod.json",
        ".github/workflows/pull-request.yml",
        ".github/workflows/deploy.yml",
        ".github/CODEOWNERS",
        ".github/owners.yml",
        ".github/dependabot.yml",
        "delivery/runner.py",
        "Pulumi.prod.yaml",
        "esc/prod.yaml",
    ],
)
def test_security_owns_the_pack_the_pipeline_and_prods_configuration(path: str) -> None:
    assert OWNERS.team("security") in owners_of(path)


@pytest.mark.parametrize("path", ["Pulumi.prod.yaml", "esc/prod.yaml", "Pulumi.yaml"])
def test_the_technical_lead_co_owns_prods_configuration(path: str) -> None:
    assert owners_of(path) == {OWNERS.team("security"), OWNERS.team("technical-lead")}


def test_the_program_and_other_stacks_belong_to_platform_engineering() -> None:
    for path in ("__main__.py", "components/settings.py", "Pulumi.dev.yaml", "esc/staging.yaml"):
        assert owners_of(path) == {OWNERS.team("platform")}, path


def test_every_file_has_an_owner() -> None:
    assert [path for path in tracked_files() if not owners_of(path)] == []


def test_a_hand_edited_codeowners_is_caught(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "owners.yml").write_text((ROOT / ".github" / "owners.yml").read_text())
    stale = (ROOT / ".github" / "CODEOWNERS").read_text()
    (tmp_path / ".github" / "CODEOWNERS").write_text(stale.replace(OWNERS.team("security"), "@someone"))
    result = run("--check", cwd=tmp_path)
    assert result.returncode == 1
    assert ".github/CODEOWNERS differs from .github/owners.yml" in result.stderr
    (tmp_path / ".github" / "CODEOWNERS").write_text(stale)
    assert run("--check", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("owners_yml", "message"),
    [
        ("organization: maverick\nteams: {security: sec}\nrules:\n  - {path: /x/, owners: [tech], why: w}\n",
         "rules[0].owners: found ['tech']; allowed: a non-empty list of ['security']"),
        ("organization: maverick\nteams: {security: sec}\nrules: []\nteam: x\n",
         "keys ['team'] unknown, [] missing"),
        ("organization: 'ma verick'\nteams: {security: sec}\nrules: []\n",
         "organization: found 'ma verick'; allowed: a GitHub name"),
        ("organization: maverick\nteams: {security: sec}\nrules:\n  - {path: 'a b', owners: [security], why: w}\n",
         "rules[0].path: found 'a b'"),
        ("- just a list\n", "found list; allowed: a mapping"),
        ("organization: [unclosed\n", "cannot be read (ParserError)"),
    ],
)  # fmt: skip
def test_a_broken_owners_file_is_one_clear_error(tmp_path: Path, owners_yml: str, message: str) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "owners.yml").write_text(owners_yml)
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
