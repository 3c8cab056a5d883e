"""The preflight's project-level check: no non-prod stack (dev, staging, a personal dev-<name>) shares prod's
Vercel team or Sentry organisation, since a token of either reaches the whole team or organisation and the
pull-request jobs hold the non-prod tokens. Run as a user runs it, on copies of the project made wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import account_isolation
from stack_config import Project
from tests.support.commands import preflight
from tests.support.project import ROOT, edit, project_copy

DEV_TEAM = "    team: motion-mavericks-nonprod\n"
DEV_ORG = "    organization: motion-mavericks-nonprod\n"


def test_the_shipped_stacks_keep_prod_in_its_own_vercel_team_and_sentry_organisation() -> None:
    project = Project.load(ROOT)
    assert account_isolation.problems(project) == {}
    accounts = {a.stack: a for a in account_isolation.read_accounts(project, project.stacks())}
    assert accounts["prod"].values == {"vercel.team": "motion-mavericks", "sentry.organization": "motion-mavericks"}
    for stack in ("dev", "staging"):
        assert accounts[stack].values == {
            "vercel.team": "motion-mavericks-nonprod",
            "sentry.organization": "motion-mavericks-nonprod",
        }


def test_dev_in_prods_vercel_team_is_refused_naming_stack_key_value_and_what_is_allowed(tmp_path: Path) -> None:
    copy = project_copy(tmp_path)
    edit(copy / "Pulumi.dev.yaml", DEV_TEAM, "    team: motion-mavericks\n")
    result = preflight("--stack", "dev", cwd=copy)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "stack 'dev' (dev) shares an account with prod" in result.stdout
    assert (
        "vercel.team: found 'motion-mavericks' in Pulumi.dev.yaml, the Vercel team of stack 'prod'; allowed: a "
        "Vercel team of its own for non-prod, not 'motion-mavericks'" in result.stdout
    )
    assert "sentry.organization" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("stack", "old", "new", "expected"),
    [
        (
            "staging",
            DEV_ORG,
            "    organization: motion-mavericks\n",
            "sentry.organization: found 'motion-mavericks' in Pulumi.staging.yaml, the Sentry organisation of stack "
            "'prod'; allowed: a Sentry organisation of its own for non-prod",
        ),
        (  # offline nothing tells whether a slug and an id name the same team
            "dev",
            DEV_TEAM,
            "    team: team_FAKEFIXTUREnonprod01\n",
            "vercel.team: found 'team_FAKEFIXTUREnonprod01' in Pulumi.dev.yaml and 'motion-mavericks' in "
            "Pulumi.prod.yaml, one a team id and the other a slug",
        ),
    ],
    ids=["staging-in-prods-sentry-organisation", "a-team-id-against-a-slug"],
)
def test_a_shared_or_undecidable_account_is_refused(
    tmp_path: Path, stack: str, old: str, new: str, expected: str
) -> None:
    copy = project_copy(tmp_path)
    edit(copy / f"Pulumi.{stack}.yaml", old, new)
    result = preflight("--stack", stack, cwd=copy)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stdout


def test_a_personal_dev_stack_in_prods_team_is_refused(tmp_path: Path) -> None:
    copy = project_copy(tmp_path)
    personal = copy / "Pulumi.dev-jane.yaml"
    shutil.copy(copy / "Pulumi.dev.yaml", personal)
    edit(personal, DEV_TEAM, "    team: motion-mavericks\n")
    edit(personal, DEV_ORG, "    organization: motion-mavericks\n")
    result = preflight("--stack", "dev-jane", cwd=copy)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "stack 'dev-jane' (dev) shares an account with prod" in result.stdout
    assert "vercel.team: found 'motion-mavericks' in Pulumi.dev-jane.yaml" in result.stdout
    assert "sentry.organization: found 'motion-mavericks' in Pulumi.dev-jane.yaml" in result.stdout


def test_only_the_stack_that_shares_is_refused_the_others_are_still_judged(tmp_path: Path) -> None:
    copy = project_copy(tmp_path)
    edit(copy / "Pulumi.dev.yaml", DEV_TEAM, "    team: motion-mavericks\n")
    report_path = tmp_path / "report.json"
    result = preflight("--stack", "dev", "--stack", "staging", "--json", str(report_path), cwd=copy)
    assert result.returncode == 2, result.stdout + result.stderr
    stacks = {s["name"]: s for s in json.loads(report_path.read_text())["stacks"]}
    assert stacks["dev"]["status"] == "error"
    assert "vercel.team: found 'motion-mavericks'" in stacks["dev"]["error"]
    assert stacks["staging"]["status"] == "pass"
    assert stacks["staging"]["resources"]


def test_every_prod_stack_is_kept_apart_and_a_project_without_prod_has_nothing_to_compare(tmp_path: Path) -> None:
    copy = project_copy(tmp_path)
    second_prod = copy / "Pulumi.prod-dr.yaml"
    shutil.copy(copy / "Pulumi.prod.yaml", second_prod)
    edit(second_prod, "    team: motion-mavericks\n", "    team: motion-mavericks-nonprod\n")
    found = account_isolation.problems(Project.load(copy))
    assert set(found) == {"dev", "staging"}
    assert "the Vercel team of stack 'prod-dr'" in found["dev"]
    for stack in ("prod", "prod-dr"):
        (copy / f"Pulumi.{stack}.yaml").unlink()
    assert account_isolation.problems(Project.load(copy)) == {}
