"""Preview deployments in the program: which Vercel projects build previews, fork protection, and the
`neon.previews` settings that `python -m ops.preview_env` reads (each bad value refused, named)."""

from __future__ import annotations

import pytest

from components.errors import ConfigError
from preflight.monitor import ProgramRun
from tests.support.program import run_stack
from tests.support.project import DELETE, stack_config

PROJECT = "vercel:index/project:Project"


def test_only_dev_projects_build_previews_and_every_project_is_fork_protected(shipped_run: ProgramRun) -> None:
    projects = shipped_run.by_type(PROJECT)
    assert len(projects) == 3
    for project in projects:
        # Explicit on every stack: the provider's default would leave previews on in staging and prod.
        assert project.inputs["previewDeploymentsDisabled"] is (shipped_run.stack != "dev"), project.name
        assert project.inputs["gitForkProtection"] is True, project.name


def test_a_personal_dev_stack_builds_previews_like_dev() -> None:
    from preflight.monitor import run_program
    from stack_config import Project
    from tests.support.project import ROOT

    project = Project.load(ROOT)
    values, secret_keys = stack_config("dev")
    run = run_program(project.main, project.name, "dev-jane", values, secret_keys)
    assert {p.inputs["previewDeploymentsDisabled"] for p in run.by_type(PROJECT)} == {False}


def preview_settings(stack: str = "dev", **neon):
    from components.settings import settings_from_stack_config

    values, _ = stack_config(stack, neon=neon) if neon else stack_config(stack)
    return settings_from_stack_config(values, stack)


def test_dev_ships_schema_only_previews_that_expire_after_seven_days() -> None:
    previews = preview_settings().preview_branches
    assert (previews.parent_branch, previews.data, previews.expiry_days) == (None, "schema-only", 7)


def test_defaults_apply_when_the_stack_file_names_no_previews() -> None:
    previews = preview_settings(previews=DELETE).preview_branches
    assert (previews.parent_branch, previews.data, previews.expiry_days) == (None, "schema-only", 7)


def test_an_anonymised_base_branch_may_be_copied_with_its_data() -> None:
    previews = preview_settings(
        previews={"parentBranch": "anonymised-base", "data": "parent-data", "expiryDays": 3}
    ).preview_branches
    assert (previews.parent_branch, previews.data, previews.expiry_days) == ("anonymised-base", "parent-data", 3)


KEY = "motion-mavericks-portal:neon.previews"


@pytest.mark.parametrize(
    ("stack", "previews", "expected"),
    [
        ("dev", {"expiryDays": 0}, f"{KEY}.expiryDays: found 0; input should be greater than or equal to 1"),
        ("dev", {"expiryDays": 31}, f"{KEY}.expiryDays: found 31; input should be less than or equal to 30"),
        ("dev", {"expiryDays": "a week"}, f"{KEY}.expiryDays: found 'a week'; input should be a valid integer"),
        ("dev", {"data": "everything"}, f"{KEY}.data: found 'everything'; allowed: 'schema-only' or 'parent-data'"),
        (
            "dev",
            {"data": "parent-data"},
            f"{KEY}.data: found 'parent-data'; copies the default branch's data into every preview; allowed: "
            "schema-only, or parent-data together with parentBranch naming a maintained, anonymised base branch",
        ),
        ("dev", {"parentBranch": "../main"}, f"{KEY}.parentBranch: found '../main'; allowed: text matching"),
        ("dev", {"expiresAfter": 7}, f"{KEY}.expiresAfter: unknown key (found 7); allowed keys here: parentBranch"),
        (
            "prod",
            {"expiryDays": 7},
            f"{KEY}: found {{'expiryDays': 7}}; the prod projects build no previews; allowed only in: dev",
        ),
        (
            "staging",
            {"data": "schema-only"},
            f"{KEY}: found {{'data': 'schema-only'}}; the staging projects build no previews; allowed only in: dev",
        ),
    ],
)
def test_bad_preview_settings_are_refused_with_a_named_reason(stack, previews, expected) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack(stack, neon={"previews": previews})
    assert expected in str(caught.value)
    assert "Traceback" not in str(caught.value)
