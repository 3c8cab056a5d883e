"""Issue 11, point 6: a pull request's program names its resources; those names (and input values, policy
messages, stack names) reach the PR comment, the residency report and `docs/compliance/register.md`, which
an app commits to `main`. Here hostile ones go through the commands as CI runs them, and the results are
rendered with GitHub's own parser: every value stays one cell of plain text, with no link, image or HTML."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from compliance.markdown import one_line
from tests.compliance.rendering import Rendering
from tests.support.commands import preflight
from tests.support.compliance import Reports, compliance, load
from tests.support.project import ROOT, edit, project_copy

NAME = "x` <img src=x onerror=alert(1)> [click](https://evil.example) | **b** `y"
VALUE = "evil.example\n| forged | row |\n<script>alert(1)</script> www.evil.example"
MESSAGE = "approved by @security-team, see #1 and [docs](https://evil.example) ![i](https://evil.example/i.png)"
STACK = "prod`<b>x</b>"


def hostile_head(base: dict) -> dict:
    """The base report with a resource added under a hostile name, an input changed to a hostile value, a
    policy result with a hostile message on it, and a whole stack under a hostile name."""
    head = copy.deepcopy(base)
    stack = head["stacks"][0]
    template = next(r for r in stack["resources"] if r["name"] == "admin-project")
    added = copy.deepcopy(template)
    added["name"] = NAME
    added["urn"] = template["urn"].rsplit("::", 1)[0] + "::" + NAME
    added["inputs"]["serverlessFunctionRegion"] = VALUE
    stack["resources"].append(added)
    neon = next(r for r in stack["resources"] if r["name"] == "neon-project")
    neon["inputs"]["regionId"] = VALUE
    stack["diagnostics"].append(
        {
            "policy": "au-data-residency",
            "policyPack": "motion-mavericks-portal-policy",
            "enforcementLevel": "mandatory",
            "description": "",
            "message": MESSAGE,
            "urn": added["urn"],
        }
    )
    stack["residency"].append(
        {
            "service": "VercelSite admin",
            "resource": NAME,
            "type": "vercel:index/project:Project",
            "region": VALUE,
            "verdict": "violation",
            "detail": MESSAGE,
        }
    )
    other = copy.deepcopy(stack)
    other["name"] = STACK
    head["stacks"].append(other)
    return head


@pytest.fixture(scope="module")
def hostile(prod_reports: Reports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    (work / "head.json").write_text(json.dumps(hostile_head(load(prod_reports.base))))
    return work


def assert_inert(rendering: Rendering, ours: list[str] | None = None) -> None:
    assert rendering.links == (ours or []), "no link or image from a value"
    assert {"img", "script", "b"}.isdisjoint(rendering.tags)


def test_the_register_rows_stay_rows_of_plain_text(prod_reports: Reports, hostile: Path) -> None:
    diff = compliance("diff", str(prod_reports.base), str(hostile / "head.json"), "--json", str(hostile / "d.json"))
    assert diff.returncode == 0, diff.stderr
    register = hostile / "register.md"
    shutil.copy(ROOT / "docs" / "compliance" / "register.md", register)
    result = compliance("register", "append", str(hostile / "d.json"), "--register", str(register), "--pr", "5")
    assert result.returncode == 2 and "who approved" in result.stderr
    args = ("--pr", "5", "--approver", "alice", "--date", "2026-12-02")
    result = compliance("register", "append", str(hostile / "d.json"), "--register", str(register), *args)
    assert result.returncode == 0, result.stderr

    committed = (ROOT / "docs" / "compliance" / "register.md").read_text()
    added = register.read_text()[len(committed) :]
    rendering = Rendering(register.read_text())
    assert_inert(rendering, ours=Rendering(committed).links)
    rows = [r for r in rendering.rows if r and r[0] == "2026-12-02"]
    assert len(rows) == len(added.splitlines()) >= 4
    assert all(len(r) == 6 and r[4:] == ["#5", "@alice"] for r in rows), rows
    changes = [r[2] for r in rows]
    assert any(c.startswith(f"added {NAME} (vercel:index/project:Project): ") for c in changes), changes
    assert f"neon-project (neon:index/project:Project): regionId aws-ap-southeast-2 → {one_line(VALUE)}" in changes
    assert any(c.endswith(f"result on {NAME}: {MESSAGE}") for c in changes), changes
    assert any(r[1] == STACK and r[2].startswith(f"stack {STACK} added") for r in rows), rows


def test_the_pull_request_comment_is_inert(prod_reports: Reports, hostile: Path) -> None:
    result = compliance("diff", str(prod_reports.base), str(hostile / "head.json"))
    assert result.returncode == 0, result.stderr
    rendering = Rendering(result.stdout)
    assert_inert(rendering)
    assert all(len(r) in (2, 4, 8) for r in rendering.rows), "every table keeps its columns"
    assert any(r[0] == STACK for r in rendering.rows)


def test_the_residency_report_is_inert(hostile: Path) -> None:
    result = compliance("residency", str(hostile / "head.json"))
    assert result.returncode == 1, result.stderr
    rendering = Rendering(result.stdout)
    assert_inert(rendering)
    assert all(len(r) == 6 for r in rendering.rows)
    assert [NAME, one_line(VALUE)] in [r[2:4] for r in rendering.rows]
    assert f"{NAME}: {MESSAGE}" in "".join(rendering.text)


def test_the_preflight_comment_on_a_pull_request_is_inert(tmp_path: Path) -> None:
    """The preflight's own markdown (the pull request comment) from a program that names a resource so."""
    copy = project_copy(tmp_path)
    edit(copy / "components" / "neon_database.py", 'f"{name}-app-role"', repr(NAME + "\n" + VALUE))
    result = preflight("--stack", "dev", "--format", "markdown", cwd=copy)
    assert result.returncode == 0, result.stdout + result.stderr
    rendering = Rendering(result.stdout)
    assert_inert(rendering)
    assert all(len(r) in (4, 5) for r in rendering.rows), "every table keeps its columns"
    tree = "".join(rendering.text)
    assert f"neon:index/role:Role  {NAME}\n" in tree, "the tree (a code block) shows the name as typed"
    assert "<script>alert(1)</script> www.evil.example" in tree
