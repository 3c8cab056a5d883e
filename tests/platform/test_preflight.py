"""The preflight previews platform/ offline, as a user runs it, and the pack's verdict decides the exit code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.commands import preflight
from tests.support.project import ROOT, edit

PLATFORM = ROOT / "platform"


@pytest.fixture
def platform_copy(tmp_path: Path) -> Path:
    """platform/ and the pack, side by side as in the repository, to change without touching the real ones."""
    shutil.copytree(PLATFORM, tmp_path / "platform", ignore=shutil.ignore_patterns("venv"))
    shutil.copytree(ROOT / "policy", tmp_path / "policy", ignore=shutil.ignore_patterns("venv"))
    return tmp_path / "platform"


def test_the_shipped_platform_passes_the_repositorys_pack_found_without_naming_it(tmp_path: Path) -> None:
    report = tmp_path / "platform.json"
    result = preflight("--project", "platform", "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    written = json.loads(report.read_text())
    [stack] = written["stacks"]
    assert written["policyPack"]["name"] == "motion-mavericks-portal-policy"
    assert written["project"] == "motion-mavericks-platform"
    assert stack["name"] == "prod" and stack["status"] == "pass" and stack["diagnostics"] == []
    types = {r["type"] for r in stack["resources"]}
    assert {"aws:s3/bucket:Bucket", "github:index/repositoryRuleset:RepositoryRuleset"} <= types
    assert [row["region"] for row in stack["residency"]] == ["ap-southeast-2"]


def test_a_loosened_gate_is_a_mandatory_violation_and_exit_1(platform_copy: Path) -> None:
    """Past the settings (which refuse it first): a production environment that lost its reviewers."""
    edit(
        platform_copy / "governance" / "github_repository.py",
        "prevent_self_review=env.prevent_self_review,",
        "prevent_self_review=False,",
    )
    result = preflight("--project", str(platform_copy), "--policy-pack", str(platform_copy.parent / "policy"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "production-approval" in result.stdout and "preventSelfReview is False" in result.stdout


def test_a_bad_platform_config_is_one_clear_error_and_exit_2(platform_copy: Path) -> None:
    edit(platform_copy / "Pulumi.prod.yaml", "retentionDays: 731", "retentionDays: 365")
    result = preflight("--project", str(platform_copy), "--policy-pack", str(platform_copy.parent / "policy"))
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "motion-mavericks-platform:archive.retentionDays: found 365" in output
    assert "Traceback" not in output


def test_an_unknown_top_level_platform_key_is_one_clear_error_and_exit_2(platform_copy: Path) -> None:
    """A typo'd key (`archve:` beside `archive:`) used to be ignored: what it set silently never applied."""
    typo = "  motion-mavericks-platform:archve:\n    retentionDays: 3650\n"
    edit(platform_copy / "Pulumi.prod.yaml", "config:\n", "config:\n" + typo)
    result = preflight("--project", str(platform_copy), "--policy-pack", str(platform_copy.parent / "policy"))
    assert result.returncode == 2, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert (
        "motion-mavericks-platform:archve: unknown key (found {'retentionDays': 3650}); allowed keys here: tags, "
        "github, pulumiCloud, archive (did you mean archive?)"
    ) in output
    assert "Traceback" not in output
