"""`python -m ops.preview_env` against local servers answering as Neon's and Vercel's APIs: create,
re-create and delete; 404, 409, 423, 429 and 5xx; a failure part-way, then resume; cleanup; refusals;
and no secret in anything it prints or writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from ops.preview_env import COMMENT_MARKER, main
from tests.ops.preview_fakes import (
    BASE_BRANCH_ID,
    DEV_SITES,
    MAIN_BRANCH_ID,
    PARENT_PASSWORD,
    PROD_SITES,
)
from tests.support.previews import GIT_BRANCH, NAME, PR, PreviewVendors
from tests.support.project import ROOT


def run(previews: PreviewVendors, capsys, *args: str, **env: str | None) -> tuple[int, str, str]:
    code = main(list(args), environ=previews.env(**env))
    out, err = capsys.readouterr()
    return code, out, err


def create(previews: PreviewVendors, capsys, *extra: str, **env: str | None) -> tuple[int, str, str]:
    return run(previews, capsys, "create", "--pr", PR, "--branch", GIT_BRANCH, *extra, **env)


def delete(previews: PreviewVendors, capsys, *extra: str) -> tuple[int, str, str]:
    return run(previews, capsys, "delete", "--pr", PR, "--branch", GIT_BRANCH, *extra)


def assert_nothing_secret(previews: PreviewVendors, *texts: str) -> None:
    shown = "\n".join([*texts, *(p.read_text() for p in previews.tmp.glob("*"))])
    for secret in previews.secrets():
        assert secret not in shown
        assert quote(secret, safe="") not in shown
    assert "Traceback" not in shown


def preview_urls(previews: PreviewVendors) -> dict[str, str]:
    return {
        project: previews.vercel.values[v["id"]]
        for project in DEV_SITES
        for v in previews.vercel.preview_variables(project, GIT_BRANCH)
    }


def assert_preview_in_place(previews: PreviewVendors) -> dict:
    branch = previews.neon.branch(NAME)
    assert branch is not None
    host = previews.neon.endpoint_of(branch["id"])["host"]
    password = previews.neon.roles[branch["id"]]["portal_app"]
    assert password != PARENT_PASSWORD, "the preview must not hold the dev branch's password"
    url = f"postgresql://portal_app:{quote(password, safe='')}@{host}/portal?sslmode=require"
    assert preview_urls(previews) == dict.fromkeys(DEV_SITES, url)
    for project in DEV_SITES:
        (variable,) = previews.vercel.preview_variables(project, GIT_BRANCH)
        assert (variable["type"], variable["target"], variable["key"]) == ("sensitive", ["preview"], "DATABASE_URL")
        # the dev-wide variable is untouched
        assert {
            previews.vercel.values[e["id"]] for e in previews.vercel.envs[project].values() if not e["gitBranch"]
        } == {"postgresql://dev-shared"}
    return branch


# --- create, re-create, delete --------------------------------------------------------------------------


def test_create_as_the_workflow_runs_it(previews: PreviewVendors) -> None:
    report, comment = previews.tmp / "report.json", previews.tmp / "comment.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ops.preview_env",
            "create",
            "--pr",
            PR,
            "--branch",
            GIT_BRANCH,
            "--report",
            str(report),
            "--comment",
            str(comment),
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **previews.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    branch = assert_preview_in_place(previews)
    (created,) = [c for c in previews.neon.mutations() if c.method == "POST" and c.path.endswith("/branches")]
    assert created.body["branch"]["name"] == NAME
    assert created.body["branch"]["parent_id"] == MAIN_BRANCH_ID
    assert created.body["branch"]["init_source"] == "schema-only"
    assert created.body["endpoints"] == [{"type": "read_write"}]
    expires = datetime.fromisoformat(created.body["branch"]["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=5)
    assert created.body["branch"]["expires_at"].endswith("Z") and "." not in created.body["branch"]["expires_at"]
    # Neon's operations were polled to the end before the next step
    assert all(left == 0 for left in previews.neon.operations.values())
    # variables come last, after the branch's password is its own
    reset = next(c for c in previews.neon.mutations() if c.path.endswith("/reset_password"))
    assert reset.seq < min(c.seq for c in previews.vercel.mutations())
    data = json.loads(report.read_text())
    assert data["neonBranch"] == NAME and data["neonBranchId"] == branch["id"]
    assert data["neonRegion"] == "aws-ap-southeast-2" and data["changed"] is True
    text = comment.read_text()
    assert text.startswith(COMMENT_MARKER)
    assert f"`{NAME}`" in text and data["expiresAt"] in text and "`main`: schema only, no rows" in text
    assert f"Neon: created branch {NAME}" in result.stdout
    assert_nothing_secret(previews, result.stdout, result.stderr)


def command(previews: PreviewVendors, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m ops.preview_env ...` as the workflow runs it: from the repository, on the shipped stack files."""
    return subprocess.run(
        [sys.executable, "-m", "ops.preview_env", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **previews.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_create_then_delete_on_the_shipped_dev_stack_with_a_token_of_the_non_prod_team(
    previews: PreviewVendors,
) -> None:
    """The shipped stack files put dev in `motion-mavericks-nonprod` and prod in `motion-mavericks`; a token of the
    non-prod team (the fake answers 403 for any other team, as Vercel does) passes the prod check, so the pull
    request's preview database is made and then removed."""
    assert "team: motion-mavericks-nonprod" in (ROOT / "Pulumi.dev.yaml").read_text()
    assert "team: motion-mavericks\n" in (ROOT / "Pulumi.prod.yaml").read_text()
    created = command(previews, "create", "--pr", PR, "--branch", GIT_BRANCH, "--stack", "dev")
    assert created.returncode == 0, created.stdout + created.stderr
    assert "Vercel: VERCEL_API_TOKEN cannot see team 'motion-mavericks' of stack 'prod'" in created.stdout
    assert_preview_in_place(previews)
    asked_prod = [c for c in previews.vercel.calls if c.query.get("slug") == "motion-mavericks"]
    assert {c.method for c in asked_prod} == {"GET"} and asked_prod, "the prod team was asked, read-only"

    deleted = command(previews, "delete", "--pr", PR, "--branch", GIT_BRANCH, "--stack", "dev")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert previews.neon.branch(NAME) is None
    assert preview_urls(previews) == {}
    assert_nothing_secret(previews, created.stdout, created.stderr, deleted.stdout, deleted.stderr)


def test_re_create_on_the_next_push_changes_nothing(previews: PreviewVendors, capsys) -> None:
    assert create(previews, capsys)[0] == 0
    before = len(previews.mutations())
    code, out, err = create(previews, capsys)
    assert code == 0, err
    assert len(previews.mutations()) == before
    assert "exists, expires" in out and "in place; unchanged" in out and "Nothing to change." in out
    assert_preview_in_place(previews)
    assert_nothing_secret(previews, out, err)


def test_re_create_repairs_a_removed_variable_with_one_new_password_for_every_site(
    previews: PreviewVendors, capsys
) -> None:
    assert create(previews, capsys)[0] == 0
    first = preview_urls(previews)
    (removed,) = previews.vercel.preview_variables(DEV_SITES[1], GIT_BRANCH)
    del previews.vercel.envs[DEV_SITES[1]][removed["id"]]
    code, out, err = create(previews, capsys)
    assert code == 0, err
    assert_preview_in_place(previews)
    assert set(preview_urls(previews).values()) != set(first.values())  # the old password no longer works
    assert len([c for c in previews.neon.mutations() if c.path.endswith("/branches")]) == 1  # not re-created
    assert_nothing_secret(previews, out, err)


def test_expiry_is_renewed_only_when_it_has_moved_by_more_than_a_day(previews: PreviewVendors, capsys) -> None:
    soon = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    previews.neon.add_branch("br-fake-existing", NAME, expires_at=soon)
    assert create(previews, capsys)[0] == 0
    (patch,) = [c for c in previews.neon.mutations() if c.method == "PATCH"]
    renewed = datetime.fromisoformat(patch.body["branch"]["expires_at"].replace("Z", "+00:00"))
    assert abs(renewed - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=5)
    assert create(previews, capsys)[0] == 0
    assert len([c for c in previews.neon.mutations() if c.method == "PATCH"]) == 1


def test_delete_removes_the_variables_then_the_branch_and_can_run_again(previews: PreviewVendors, capsys) -> None:
    assert create(previews, capsys)[0] == 0
    branch_id = previews.neon.branch(NAME)["id"]
    report, comment = previews.tmp / "report.json", previews.tmp / "comment.md"
    code, out, err = delete(previews, capsys, "--report", str(report), "--comment", str(comment))
    assert code == 0, err
    assert previews.neon.branch(NAME) is None
    assert all(previews.vercel.preview_variables(p, GIT_BRANCH) == [] for p in DEV_SITES)
    deletes = [c for c in previews.mutations() if c.method == "DELETE"]
    branch_delete = next(c for c in deletes if c.path.endswith(f"/branches/{branch_id}"))
    assert all(c.seq < branch_delete.seq for c in deletes if "/env/" in c.path) and len(deletes) == 4
    assert "Preview database removed" in comment.read_text() and f"`{NAME}`" in comment.read_text()
    before = len(previews.mutations())
    code, out, err = delete(previews, capsys)
    assert code == 0, err
    assert len(previews.mutations()) == before
    assert f"no branch {NAME}; nothing to remove" in out and "Nothing to change." in out
    assert_nothing_secret(previews, out, err)


def test_delete_part_way_then_resume(previews: PreviewVendors, capsys) -> None:
    assert create(previews, capsys)[0] == 0
    previews.neon.fail("DELETE", r"/branches/", 503, times=99)
    code, _out, err = delete(previews, capsys)
    assert code == 3
    assert "HTTP 503" in err and "Stopped part-way" in err
    assert all(previews.vercel.preview_variables(p, GIT_BRANCH) == [] for p in DEV_SITES)  # variables first
    assert previews.neon.branch(NAME) is not None
    previews.neon.faults.clear()
    code, out, err = delete(previews, capsys)
    assert code == 0, err
    assert previews.neon.branch(NAME) is None
    assert "no DATABASE_URL of pull request 42" in out and f"deleted branch {NAME}" in out


def test_delete_when_the_vendors_answer_404_for_what_is_already_gone(previews: PreviewVendors, capsys) -> None:
    assert create(previews, capsys)[0] == 0
    previews.vercel.fail("DELETE", r"/env/", 404, times=3)
    previews.neon.fail("DELETE", r"/branches/", 404, times=1)
    code, out, err = delete(previews, capsys)
    assert code == 0, err
    assert f"branch {NAME}" in out and "was already gone" in out


def test_delete_leaves_variables_it_did_not_make(previews: PreviewVendors, capsys) -> None:
    hand_made = previews.vercel.add(
        DEV_SITES[0], "DATABASE_URL", "postgresql://by-hand", target=["preview"], git_branch=GIT_BRANCH
    )
    code, _, err = delete(previews, capsys)
    assert code == 0, err
    assert hand_made in previews.vercel.envs[DEV_SITES[0]]


# --- previews' error answers ------------------------------------------------------------------------------


def test_a_missing_neon_project_is_named_and_nothing_changes(previews: PreviewVendors, capsys) -> None:
    previews.neon.projects["fake-dev-project-1"]["name"] = "someone-else"
    code, _out, err = create(previews, capsys)
    assert code == 1
    assert "no project named 'mm-portal-dev' in organisation org-" in err
    assert "visible to NEON_API_KEY (stack 'dev', neon.projectName)" in err
    assert "Nothing was changed." in err and previews.mutations() == []


def test_a_vercel_404_part_way_stops_with_exit_3_then_resumes(previews: PreviewVendors, capsys) -> None:
    previews.vercel.projects.discard(DEV_SITES[2])
    code, out, err = create(previews, capsys)
    assert code == 3
    assert "Vercel API: no project 'mm-portal-guest-dev' in team 'motion-mavericks-nonprod'" in err
    assert "Stopped part-way" in err and "Run the same command again" in err
    previews.vercel.projects.add(DEV_SITES[2])
    code, out, err = create(previews, capsys)
    assert code == 0, err
    assert_preview_in_place(previews)
    assert_nothing_secret(previews, out, err)


def test_a_409_on_create_adopts_the_branch_another_run_made(previews: PreviewVendors, capsys) -> None:
    previews.neon.conflict_on_create = True
    code, out, err = create(previews, capsys)
    assert code == 0, err
    assert "appeared meanwhile (HTTP 409); using it" in out
    assert previews.neon.branch(NAME)["id"] == "br-fake-other-run"
    assert_preview_in_place(previews)


def test_a_429_is_waited_out(previews: PreviewVendors, capsys) -> None:
    previews.neon.fail("GET", r"/branches$", 429, times=2)
    previews.vercel.fail("GET", r"/env$", 429, times=1)
    code, _out, err = create(previews, capsys)
    assert code == 0, err
    assert_preview_in_place(previews)


def test_a_423_while_neon_is_busy_is_waited_out(previews: PreviewVendors, capsys) -> None:
    previews.neon.fail("POST", r"/reset_password$", 423, times=2, body={"code": "", "message": "project is locked"})
    code, _out, err = create(previews, capsys)
    assert code == 0, err
    assert_preview_in_place(previews)


def test_a_project_locked_for_too_long_is_a_clear_part_way_error(previews: PreviewVendors, capsys) -> None:
    previews.neon.fail("POST", r"/reset_password$", 423, times=99)
    code, _out, err = create(previews, capsys)
    assert code == 3
    assert "stayed locked by other operations (HTTP 423)" in err
    previews.neon.faults.clear()
    assert create(previews, capsys)[0] == 0
    assert_preview_in_place(previews)


def test_a_5xx_before_any_change_changes_nothing(previews: PreviewVendors, capsys) -> None:
    previews.neon.fail("GET", r"/branches$", 503, times=99)
    code, _out, err = create(previews, capsys)
    assert code == 1
    assert "HTTP 503" in err and "Nothing was changed." in err
    assert previews.mutations() == []


def test_a_5xx_part_way_then_resume_completes_without_a_second_branch(previews: PreviewVendors, capsys) -> None:
    previews.vercel.fail("POST", rf"/projects/{DEV_SITES[1]}/env$", 500, times=99, echo=True)
    code, out, err = create(previews, capsys)
    assert code == 3, err
    assert "HTTP 500" in err and "Stopped part-way" in err
    assert len(previews.vercel.preview_variables(DEV_SITES[0], GIT_BRANCH)) == 1
    assert_nothing_secret(previews, out, err)  # the vendor echoed the value back into its error
    previews.vercel.faults.clear()
    code, out, err = create(previews, capsys)
    assert code == 0, err
    assert_preview_in_place(previews)
    assert len([c for c in previews.neon.mutations() if c.path.endswith("/branches")]) == 1
    assert_nothing_secret(previews, out, err)


def test_rejected_credentials_say_which_variable_to_check(previews: PreviewVendors, capsys) -> None:
    code, _out, err = create(previews, capsys, NEON_API_KEY="neon-fake-wrong-key-0000")
    assert code == 1
    assert "credentials rejected (HTTP 401); check NEON_API_KEY" in err


# --- refusals and bad input ------------------------------------------------------------------------------


def test_a_neon_project_outside_australia_is_refused(previews: PreviewVendors, capsys) -> None:
    previews.neon.projects["fake-dev-project-1"]["region_id"] = "aws-us-east-2"
    code, _out, err = create(previews, capsys)
    assert code == 2
    assert "is in region 'aws-us-east-2', outside Australia" in err and "allowed: aws-ap-southeast-2" in err
    assert previews.mutations() == []


def test_a_vercel_token_scoped_to_prods_team_too_is_refused(previews: PreviewVendors, capsys) -> None:
    previews.vercel.other_teams["motion-mavericks"] = set(PROD_SITES)
    for command in ("create", "delete"):
        code, _out, err = run(previews, capsys, command, "--pr", PR, "--branch", GIT_BRANCH)
        assert code == 2
        assert "VERCEL_API_TOKEN can see the projects of Vercel team 'motion-mavericks' of stack 'prod'" in err
    assert previews.mutations() == []


def test_a_vercel_token_that_can_read_one_prod_project_is_refused(previews: PreviewVendors, capsys) -> None:
    previews.vercel.other_projects["motion-mavericks"] = {"mm-portal-guest-prod"}
    code, _out, err = create(previews, capsys)
    assert code == 2
    assert "VERCEL_API_TOKEN can see Vercel project 'mm-portal-guest-prod' of stack 'prod'" in err
    assert previews.mutations() == []


def test_a_neon_key_that_sees_prod_is_refused(previews: PreviewVendors, capsys) -> None:
    previews.neon.projects["prod-1"] = {"id": "prod-1", "name": "mm-portal-prod", "region_id": "aws-ap-southeast-2"}
    code, _out, err = run(previews, capsys, "cleanup", "--open-prs", "")
    assert code == 2
    assert "NEON_API_KEY can see Neon project 'mm-portal-prod' of stack 'prod'" in err
    assert previews.mutations() == []


def test_a_default_or_protected_branch_with_the_preview_name_is_never_touched(previews: PreviewVendors, capsys) -> None:
    previews.neon.add_branch("br-fake-protected", NAME, protected=True)
    for command in (create, delete):
        code, _out, err = command(previews, capsys)
        assert code == 2
        assert f"Neon branch '{NAME}' (br-fake-protected) is a protected branch" in err
    assert previews.neon.mutations() == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["create", "--pr", "0", "--branch", "x"], "--pr: found '0'; allowed: a pull request number from 1"),
        (["create", "--pr", "12a", "--branch", "x"], "--pr: found '12a'"),
        (["create", "--pr", "1", "--branch", "-rf"], "--branch: expected one argument"),
        (["delete", "--pr", "1", "--branch", "a..b"], "--branch: found 'a..b'; allowed: 1 to 250 of"),
        (["create", "--pr", "1", "--branch", "has space"], "--branch: found 'has space'"),
        (["create", "--pr", "1", "--branch", "`rm`"], "--branch: found '`rm`'"),
        (["create", "--pr", "1", "--branch", "x" * 251], "--branch: found 'xxxx"),
        (["cleanup", "--open-prs", "1 two"], "--open-prs: found 'two'"),
        (["create", "--branch", "x"], "the following arguments are required: --pr"),
        (["rebuild"], "invalid choice: 'rebuild'"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(previews: PreviewVendors, capsys, args, expected) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args, environ=previews.env())
    _, err = capsys.readouterr()
    assert exited.value.code == 2
    assert expected in err and "Traceback" not in err
    assert previews.mutations() == []


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--stack", "prod"], {}, "--stack: found 'prod' (environment prod); its Vercel projects build no previews"),
        (["--stack", "staging"], {}, "--stack: found 'staging' (environment staging)"),
        (["--stack", "qa"], {}, "qa"),
        ([], {"VERCEL_API_TOKEN": None}, "VERCEL_API_TOKEN: a Vercel token scoped to the dev projects' team"),
        ([], {"NEON_API_BASE_URL": "http://neon.example.com/api/v2"}, "credentials are sent only over https"),
        ([], {"NEON_OPERATION_WAIT_SECONDS": "soon"}, "NEON_OPERATION_WAIT_SECONDS: found 'soon'; allowed"),
    ],
)
def test_usage_errors_exit_2_and_change_nothing(previews: PreviewVendors, capsys, args, env, expected) -> None:
    code, _out, err = create(previews, capsys, *args, **env)
    assert code == 2, err
    assert expected in err and "Traceback" not in err
    assert previews.mutations() == []


# --- cleanup -----------------------------------------------------------------------------------------------


def test_cleanup_removes_closed_and_expired_previews_only(previews: PreviewVendors, capsys) -> None:
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert create(previews, capsys)[0] == 0  # pull request 42, open
    assert run(previews, capsys, "create", "--pr", "7", "--branch", "closed-one")[0] == 0  # closed
    previews.neon.add_branch("br-fake-expired", "preview/pr-9", expires_at=past)  # open, expired
    previews.neon.add_branch("br-fake-keep", "feature-by-hand", expires_at=future)  # not a preview branch
    dangling = previews.vercel.add(
        DEV_SITES[0],
        "DATABASE_URL",
        "postgresql://gone",
        target=["preview"],
        git_branch="gone-branch",
        comment="motion-mavericks preview-env pr=42 neon-branch=br-fake-gone endpoint=ep-x credential=ab12",
    )
    code, out, err = run(previews, capsys, "cleanup", "--open-prs", "42, 9")
    assert code == 0, err
    names = {b["name"] for b in previews.neon.branches.values()}
    assert names == {"main", "anonymised-base", NAME, "feature-by-hand"}
    assert all(previews.vercel.preview_variables(p, "closed-one") == [] for p in DEV_SITES)
    assert dangling not in previews.vercel.envs[DEV_SITES[0]]
    assert_preview_in_place(previews)
    assert "2 branch(es) and 4 variable(s) removed" in out
    code, out, err = run(previews, capsys, "cleanup", "--open-prs", "42 9")
    assert code == 0 and "Nothing to change." in out
    assert_nothing_secret(previews, out, err)


def test_base_branch_with_data_is_used_when_configured(previews: PreviewVendors, capsys, monkeypatch) -> None:
    from components.settings import settings_from_stack_config
    from ops import preview_env
    from tests.support.project import stack_config

    values, _ = stack_config("dev", neon={"previews": {"parentBranch": "anonymised-base", "data": "parent-data"}})
    settings = settings_from_stack_config(values, "dev")
    original = preview_env.load_settings
    monkeypatch.setattr(preview_env, "load_settings", lambda stack: (settings, original(stack)[1]))
    code, _out, err = create(previews, capsys)
    assert code == 0, err
    created = next(c for c in previews.neon.mutations() if c.path.endswith("/branches"))
    assert (created.body["branch"]["parent_id"], created.body["branch"]["init_source"]) == (
        BASE_BRANCH_ID,
        "parent-data",
    )
    values, _ = stack_config("dev", neon={"previews": {"parentBranch": "main", "data": "parent-data"}})
    settings = settings_from_stack_config(values, "dev")
    code, _out, err = run(previews, capsys, "create", "--pr", "8", "--branch", "other")
    assert code == 2
    assert "found 'main', the project's default branch, with data parent-data; previews would copy dev's data" in err
