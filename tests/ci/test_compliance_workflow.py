"""The compliance workflow's own rules, checked without GitHub: pinned actions, least privilege, no
expression of event data inside a script."""

from __future__ import annotations

import re

import yaml

from tests.support.project import ROOT

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
    assert len(checkouts) == 5
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_the_register_row_is_appended_before_the_push_token_exists() -> None:
    register = DOC["jobs"]["register"]
    assert register["environment"] == "compliance-register", "the app's key is only in a main-only environment"
    names = [s.get("uses", "").split("@")[0] or s["name"] for s in register["steps"]]
    mint = names.index("actions/create-github-app-token")
    assert mint == len(names) - 2, "the token is minted last, and used by one step only"
    before = "\n".join(s.get("run", "") for s in register["steps"][:mint])
    assert "venv/bin/python -m preflight register append" in before
    assert "APP_TOKEN" not in before


def test_the_step_holding_the_token_runs_no_python_and_keeps_it_off_command_lines() -> None:
    push = DOC["jobs"]["register"]["steps"][-1]
    script = push["run"]
    assert push["env"]["APP_TOKEN"] == "${{ steps.app.outputs.token }}"
    assert "python" not in script and "make " not in script and "venv/" not in script
    commands = [
        line.strip() for line in script.splitlines() if "$APP_TOKEN" in line and not line.strip().startswith("#")
    ]
    # The only mention is inside the single-quoted helper text, expanded by git's helper process.
    assert len(commands) == 1 and commands[0].startswith("helper='!f()"), commands
    assert "extraheader" not in script.lower() and "x-access-token:" not in script
    assert "git config credential" not in script, "never written to git's configuration on disk"


def test_the_credential_helper_hands_git_the_token_from_its_environment(tmp_path) -> None:
    """Run the helper exactly as git does (`sh -c '<helper> get'`): the token comes from the environment,
    and the helper's command line holds only its text."""
    import os
    import shlex
    import subprocess

    script = DOC["jobs"]["register"]["steps"][-1]["run"]
    line = next(x.strip() for x in script.splitlines() if x.strip().startswith("helper="))
    helper = shlex.split(line.removeprefix("helper="))[0]
    assert helper.startswith("!")
    token = "fake-app-token-for-the-test"
    command = helper[1:] + " get"
    result = subprocess.run(
        ["sh", "-c", command], env={**os.environ, "APP_TOKEN": token}, capture_output=True, text=True, check=True
    )
    assert result.stdout == f"username=x-access-token\npassword={token}\n"
    assert token not in command
    other = subprocess.run(["sh", "-c", helper[1:] + " store"], env={**os.environ, "APP_TOKEN": token},
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert token not in other.stdout


def test_no_expression_inside_a_script() -> None:
    for step in steps():
        assert "${{" not in step.get("run", ""), step["name"]


def test_the_comment_job_runs_no_repository_code() -> None:
    comment = DOC["jobs"]["comment"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    assert not any(s.get("uses", "").startswith("actions/checkout@") for s in comment["steps"])
