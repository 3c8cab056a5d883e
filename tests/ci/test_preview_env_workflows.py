"""The preview-environment workflows, checked on their files and by running their scripts: triggers,
who gets credentials (same-repository branches only, `preview-dev` only, never an environment named
prod), per-pull-request concurrency, least privilege, the separate scheduled cleanup, and the steps'
own shell scripts run against local servers answering as Neon and Vercel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.delivery import trust_boundary as tb
from tests.ops.preview_fakes import DEV_SITES
from tests.support.previews import GIT_BRANCH, NAME, PR, PreviewVendors
from tests.support.project import ROOT
from tests.support.workflows import load

WORKFLOWS = ROOT / ".github" / "workflows"
PREVIEW = load((WORKFLOWS / "preview-env.yml").read_text())
CLEANUP = load((WORKFLOWS / "preview-env-cleanup.yml").read_text())
SAME_REPO = {
    "github.event_name": "pull_request",
    "github.repository": tb.REPOSITORY,
    "github.event.pull_request.head.repo.full_name": tb.REPOSITORY,
    "github.event.pull_request.user.login": "a-developer",
}


def step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name)


def test_it_runs_when_a_pull_request_opens_changes_reopens_and_closes() -> None:
    assert PREVIEW["on"] == {
        "pull_request": {"types": ["opened", "synchronize", "reopened", "closed"], "branches": ["main"]}
    }


@pytest.mark.parametrize(
    ("change", "runs"),
    [
        ({}, True),
        ({"github.event.pull_request.head.repo.full_name": "someone/fork"}, False),
        ({"github.event.pull_request.user.login": "dependabot[bot]"}, False),
    ],
)
def test_only_branches_of_this_repository_get_a_preview_database(change: dict, runs: bool) -> None:
    assert tb.evaluate(PREVIEW["jobs"]["environment"]["if"], {**SAME_REPO, **change}) is runs


def test_credentials_only_from_the_dev_environment_never_a_prod_one() -> None:
    for wf in (PREVIEW, CLEANUP):
        for job_id, job in wf["jobs"].items():
            environments = tb.environments(job)
            assert environments <= {"preview-dev"}, job_id
            assert not any("prod" in e.lower() for e in environments)
            secrets_used = "secrets." in str(job)
            assert secrets_used == bool(environments), f"{job_id}: a secret is read only inside preview-dev"


def test_the_credentialed_job_runs_the_reviewed_base_commit() -> None:
    (checkout,) = [
        s for s in PREVIEW["jobs"]["environment"]["steps"] if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkout["with"] == {"persist-credentials": False, "ref": "${{ github.event.pull_request.base.sha }}"}


def test_one_run_per_pull_request_never_cancelled_half_way() -> None:
    assert PREVIEW["concurrency"] == {
        "group": "preview-env-${{ github.event.pull_request.number }}",
        "cancel-in-progress": False,
    }


def test_least_privilege_and_a_comment_job_without_credentials_or_code() -> None:
    assert PREVIEW["permissions"] == {} and CLEANUP["permissions"] == {}
    assert PREVIEW["jobs"]["environment"]["permissions"] == {"contents": "read"}
    comment = PREVIEW["jobs"]["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert "environment" not in comment and "secrets." not in str(comment)
    assert not any(s.get("uses", "").startswith("actions/checkout@") for s in comment["steps"])
    assert "<!-- motion-mavericks:preview-env -->" in step(comment, "Create or update the comment")["run"]
    assert CLEANUP["jobs"]["cleanup"]["permissions"] == {"contents": "read", "pull-requests": "read"}


@pytest.mark.parametrize(
    ("action", "create", "delete"),
    [("opened", True, False), ("synchronize", True, False), ("reopened", True, False), ("closed", False, True)],
)
def test_create_on_every_push_and_delete_on_close(action: str, create: bool, delete: bool) -> None:
    job = PREVIEW["jobs"]["environment"]
    context = {**SAME_REPO, "github.event.action": action}
    assert tb.evaluate(step(job, "Create or update the preview database")["if"], context) is create
    assert tb.evaluate(step(job, "Delete the preview database")["if"], context) is delete


def test_cleanup_is_its_own_daily_workflow_from_main_only() -> None:
    assert set(CLEANUP["on"]) == {"schedule", "workflow_dispatch"}
    assert CLEANUP["on"]["schedule"] == [{"cron": "41 16 * * *"}]
    job = CLEANUP["jobs"]["cleanup"]
    assert tb.evaluate(job["if"], {"github.ref": "refs/heads/main"}) is True
    assert tb.evaluate(job["if"], {"github.ref": tb.OTHER_BRANCH}) is False
    listing = step(job, "List the open pull requests")
    assert "secrets." not in str(listing) and "--paginate" in listing["run"] and "set -euo pipefail" in listing["run"]
    remove = step(job, "Remove what belongs to closed pull requests, and what expired")
    assert "GH_TOKEN" not in remove["env"]


# --- the steps' scripts, run as the runner would -----------------------------------------------------


def run_script(script: str, fakes: PreviewVendors, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        **fakes.env(),
        **env,
    }
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def test_the_create_and_delete_steps_work_against_the_vendors(previews: PreviewVendors, tmp_path: Path) -> None:
    job = PREVIEW["jobs"]["environment"]
    created = run_script(
        step(job, "Create or update the preview database")["run"], previews, tmp_path, PR=PR, BRANCH=GIT_BRANCH
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert previews.neon.branch(NAME) is not None
    comment = (tmp_path / "reports" / "preview-env.md").read_text()
    assert f"`{NAME}`" in comment and "Expires" in comment
    for secret in previews.secrets():
        assert secret not in comment + created.stdout + created.stderr
    deleted = run_script(step(job, "Delete the preview database")["run"], previews, tmp_path, PR=PR, BRANCH=GIT_BRANCH)
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert previews.neon.branch(NAME) is None
    assert all(previews.vercel.preview_variables(p, GIT_BRANCH) == [] for p in DEV_SITES)
    assert "Preview database removed" in (tmp_path / "reports" / "preview-env.md").read_text()


def test_the_cleanup_step_works_against_the_vendors(previews: PreviewVendors, tmp_path: Path) -> None:
    previews.neon.add_branch("br-fake-closed", "preview/pr-5")
    summary = tmp_path / "summary.md"
    remove = step(CLEANUP["jobs"]["cleanup"], "Remove what belongs to closed pull requests, and what expired")
    result = run_script(remove["run"], previews, tmp_path, OPEN_PRS="6 7 ", GITHUB_STEP_SUMMARY=str(summary))
    assert result.returncode == 0, result.stdout + result.stderr
    assert previews.neon.branch("preview/pr-5") is None
    assert '"removedBranches": [\n    "preview/pr-5"\n  ]' in summary.read_text()
