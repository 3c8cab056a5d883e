"""Reports shared by the diff, register and residency tests: each preflight run costs seconds, so once."""

from __future__ import annotations

import pytest

from tests.support.commands import preflight
from tests.support.compliance import HEAD_EDITS, Reports, compliance
from tests.support.project import edit, project_copy


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
