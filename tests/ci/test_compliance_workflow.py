"""The compliance workflow's own rules, checked without GitHub: pinned actions, least privilege, no
expression of event data inside a script."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "compliance.yml"
TEXT = WORKFLOW.read_text()
DOC = yaml.safe_load(TEXT)


def steps() -> list[dict]:
    return [step for job in DOC["jobs"].values() for step in job["steps"]]


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    uses = re.findall(r"uses: (\S+)(.*)", TEXT)
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), f"{action}: needs '# vX.Y.Z'"


def test_permissions_are_granted_per_job_only() -> None:
    assert DOC["permissions"] == {}
    grants = {name: job["permissions"] for name, job in DOC["jobs"].items()}
    assert grants == {
        "diff": {"contents": "read"},
        "comment": {"pull-requests": "write"},
        "register": {"contents": "read", "pull-requests": "read"},
    }


def test_no_checkout_keeps_credentials() -> None:
    checkouts = [s for s in steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) == 4
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_the_register_push_token_is_minted_last_and_kept_from_python() -> None:
    register = DOC["jobs"]["register"]
    assert register["environment"] == "compliance-register", "the app's key is only in a main-only environment"
    names = [s.get("uses", "").split("@")[0] for s in register["steps"]]
    assert names.index("actions/create-github-app-token") == len(names) - 2
    push = register["steps"][-1]
    assert "env -u APP_TOKEN -u GH_TOKEN venv/bin/python -m preflight register append" in push["run"]


def test_no_expression_inside_a_script() -> None:
    for step in steps():
        assert "${{" not in step.get("run", ""), step["name"]


def test_the_comment_job_runs_no_repository_code() -> None:
    comment = DOC["jobs"]["comment"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    assert not any(s.get("uses", "").startswith("actions/checkout@") for s in comment["steps"])
