"""The delivery workflows' promises, checked on the files: each rule runs on the shipped workflows and on
a small workflow that breaks it, so a rule that could never fail would show here.

GitHub's schema and zizmor's audit run in `make lint`; these are the project's own rules on top.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.support.project import ROOT
from tests.support.workflows import all_workflows, load, workflow

OURS = ("pull-request.yml", "deploy.yml", "drift.yml")
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
SHA_PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s*v\d+\.\d+\.\d+\s*$")
EXPRESSION = re.compile(r"\$\{\{")
SECRET = re.compile(r"\bsecrets\.(\w+)")


def steps(wf: dict[str, Any]):
    for job_id, job in wf["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


# --- the rules -------------------------------------------------------------------------------------


def unpinned_uses(text: str) -> list[str]:
    """Every `uses:` is a full commit SHA with its release in a comment (`# vX.Y.Z`)."""
    return [
        line.strip() for line in text.splitlines() if re.match(r"^\s*(-\s+)?uses:", line) and not SHA_PIN.match(line)
    ]


def inconsistent_pins(texts: list[str]) -> dict[str, set[str]]:
    """One action, one commit, across all workflows (so a bump cannot half-happen)."""
    pins: dict[str, set[str]] = {}
    for text in texts:
        for line in text.splitlines():
            m = SHA_PIN.match(line)
            if m:
                pins.setdefault(m.group(1), set()).add(m.group(2))
    return {action: shas for action, shas in pins.items() if len(shas) > 1}


def expressions_in_shell(wf: dict[str, Any]) -> list[str]:
    """No `${{ }}` in a `run:`: values reach the shell through `env:`, never pasted into the script."""
    return [
        f"{job}: {step.get('name', step['run'][:40])}"
        for job, step in steps(wf)
        if "run" in step and EXPRESSION.search(step["run"])
    ]


def permission_problems(wf: dict[str, Any]) -> list[str]:
    """Nothing granted at the top (at most `contents: read`); every job says what it needs."""
    problems = []
    top = wf.get("permissions")
    if top not in ({}, {"contents": "read"}):
        problems.append(f"top-level permissions {top!r}")
    for job_id, job in wf["jobs"].items():
        if "permissions" not in job:
            problems.append(f"{job_id}: no permissions")
        elif job["permissions"] in ("write-all", "read-all"):
            problems.append(f"{job_id}: {job['permissions']}")
    return problems


def persisted_credentials(wf: dict[str, Any]) -> list[str]:
    return [
        job
        for job, step in steps(wf)
        if str(step.get("uses", "")).startswith("actions/checkout@")
        and (step.get("with") or {}).get("persist-credentials") is not False
    ]


def secrets_outside_environments(wf: dict[str, Any]) -> list[str]:
    """A credential is read only by a job bound to an environment (where GitHub keeps it)."""
    return [
        job_id for job_id, job in wf["jobs"].items() if SECRET.search(yaml.safe_dump(job)) and "environment" not in job
    ]


def id_token_without_oidc(wf: dict[str, Any]) -> list[str]:
    """`id-token: write` only where a step exchanges it (the AWS archive role, or Pulumi's OIDC)."""
    exchangers = ("aws-actions/configure-aws-credentials@", "pulumi/auth-actions@")
    bad = []
    for job_id, job in wf["jobs"].items():
        grants = (job.get("permissions") or {}).get("id-token") == "write"
        if grants and not any(str(s.get("uses", "")).startswith(exchangers) for s in job.get("steps", [])):
            bad.append(job_id)
    return bad


def pulumi_runs_without_policy(wf: dict[str, Any]) -> list[str]:
    """`pulumi preview`/`up` only through `python -m delivery` (which adds the pack) or with the pack."""
    bad = []
    for job, step in steps(wf):
        for line in str(step.get("run", "")).splitlines():
            if re.search(r"\bpulumi (up|update|preview)\b", line) and "--policy-pack policy" not in line:
                bad.append(f"{job}: {line.strip()}")
    return bad


RULES = (expressions_in_shell, permission_problems, persisted_credentials, secrets_outside_environments,
         id_token_without_oidc, pulumi_runs_without_policy)  # fmt: skip


# --- every workflow in the directory, including ones added later ---------------------------------


@pytest.mark.parametrize("name", sorted(all_workflows()))
def test_every_action_is_pinned_to_a_commit(name: str) -> None:
    assert unpinned_uses(all_workflows()[name]) == []


def test_each_action_is_pinned_to_one_commit_everywhere() -> None:
    assert inconsistent_pins(list(all_workflows().values())) == {}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
@pytest.mark.parametrize("name", sorted(all_workflows()))
def test_workflow_rules(name: str, rule) -> None:
    assert rule(load(all_workflows()[name])) == []


def test_no_workflow_runs_pull_request_code_with_a_write_token() -> None:
    for name, text in all_workflows().items():
        assert "pull_request_target" not in load(text)["on"], name
        assert "workflow_run" not in load(text)["on"], name


# --- each rule can fail --------------------------------------------------------------------------

BAD = """
name: bad
on: pull_request
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-24.04
    permissions:
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97
      - uses: actions/setup-python@ece7cb06caefa5fff74198d8649806c4678c61a1 # v6.3.0
      - run: echo "${{ github.event.pull_request.title }}"
      - run: pulumi up --yes
        env:
          TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}
  b:
    runs-on: ubuntu-24.04
    steps: []
"""


def test_the_rules_catch_a_bad_workflow() -> None:
    wf = load(BAD)
    assert unpinned_uses(BAD) == [
        "- uses: actions/checkout@v4",
        "- uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97",
    ]
    shipped = all_workflows()["pull-request.yml"]
    assert "actions/setup-python" in inconsistent_pins([BAD, shipped])
    assert expressions_in_shell(wf) == ['a: echo "${{ github.event.pull_request.titl']
    assert permission_problems(wf) == ["top-level permissions 'write-all'", "b: no permissions"]
    assert persisted_credentials(wf) == ["a"]
    assert secrets_outside_environments(wf) == ["a"]
    assert id_token_without_oidc(wf) == ["a"]
    assert pulumi_runs_without_policy(wf) == ["a: pulumi up --yes"]


# --- pull requests -------------------------------------------------------------------------------


def test_pull_requests_get_checks_then_a_real_preview_of_every_non_prod_stack() -> None:
    """Prod is previewed offline here (the preflight covers every stack) and for real only after the merge."""
    wf = workflow("pull-request.yml")
    assert set(wf["on"]) == {"pull_request"}
    runs = [s.get("run", "") for job, s in steps(wf) if job == "checks"]
    assert "make lint" in runs and "make test" in runs
    assert any('make --silent preflight ARGS="--format markdown --json reports/preflight.json"' in r for r in runs)
    assert any("GITHUB_STEP_SUMMARY" in r and "preflight.md" in r for r in runs)

    preview = wf["jobs"]["preview"]
    assert preview["needs"] == "checks"
    assert sorted(preview["strategy"]["matrix"]["stack"]) == [s for s in STACKS if s != "prod"]
    assert preview["environment"] == "preview-${{ matrix.stack }}"
    assert any("python -m delivery preview" in s.get("run", "") for s in preview["steps"])
    uploads = [s for s in preview["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert uploads and uploads[0]["if"] == "${{ !cancelled() }}", "artefacts kept when the preview fails"


def test_forks_get_no_credentials_and_no_write_token() -> None:
    wf = workflow("pull-request.yml")
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    for job_id, job in wf["jobs"].items():
        credentialed = "environment" in job or SECRET.search(yaml.safe_dump(job))
        writes = any(v == "write" for v in (job.get("permissions") or {}).values())
        if credentialed or writes:
            assert same_repo in job.get("if", ""), f"{job_id} must be skipped for forks"
    comment = wf["jobs"]["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert not any(str(s.get("uses", "")).startswith("actions/checkout@") for s in comment["steps"]), (
        "the job holding a write token runs no pull-request code"
    )


# --- deploy --------------------------------------------------------------------------------------


def test_deploys_run_on_main_dev_then_staging_then_approved_prod() -> None:
    wf = workflow("deploy.yml")
    assert wf["on"] == {"push": {"branches": ["main"]}}
    jobs = wf["jobs"]
    assert jobs["up-staging"]["needs"] == "up-dev"
    assert jobs["preview-prod"]["needs"] == "up-staging"
    assert jobs["up-prod"]["needs"] == "preview-prod"
    assert jobs["up-prod"]["environment"] == "production"
    assert {jobs[j]["environment"] for j in ("up-dev", "up-staging")} == {"dev", "staging"}


def test_only_the_gated_job_holds_production() -> None:
    for name, text in all_workflows().items():
        for job_id, job in load(text)["jobs"].items():
            if job.get("environment") in ("production", {"name": "production"}):
                assert (name, job_id) == ("deploy.yml", "up-prod")


def test_every_up_runs_the_pack_in_its_own_never_cancelled_group() -> None:
    wf = workflow("deploy.yml")
    ups = {job_id: job for job_id, job in wf["jobs"].items() if job_id.startswith("up-")}
    assert set(ups) == {f"up-{s}" for s in STACKS}
    groups = set()
    for job_id, job in ups.items():
        stack = job_id.removeprefix("up-")
        assert job["concurrency"]["cancel-in-progress"] is False
        groups.add(job["concurrency"]["group"])
        runs = "\n".join(s.get("run", "") for s in job["steps"])
        assert f"python -m delivery up {stack}" in runs
    assert len(groups) == len(ups), "one group per stack"


def test_prod_applies_only_the_plan_the_approver_saw() -> None:
    job = workflow("deploy.yml")["jobs"]["up-prod"]
    script = next(s["run"] for s in job["steps"] if "python -m delivery up prod" in s.get("run", ""))
    lines = [line.strip() for line in script.splitlines() if line.strip()]
    assert lines.index(next(x for x in lines if x.startswith("python -m delivery compare"))) < lines.index(
        next(x for x in lines if x.startswith("python -m delivery up prod"))
    )
    summary = workflow("deploy.yml")["jobs"]["preview-prod"]["steps"]
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in summary)


def test_prod_plans_are_archived_in_sydney_through_oidc() -> None:
    job = workflow("deploy.yml")["jobs"]["archive-prod"]
    assert job["permissions"]["id-token"] == "write"
    assert "always()" in job["if"], "failed, rejected and cancelled prod updates are archived too"
    aws = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"))
    assert aws["with"]["aws-region"] == "ap-southeast-2"
    assert "aws-access-key-id" not in aws["with"], "no long-lived AWS key"


# --- drift ---------------------------------------------------------------------------------------


def test_drift_runs_weekly_and_on_demand_for_every_stack() -> None:
    wf = workflow("drift.yml")
    assert "workflow_dispatch" in wf["on"]
    (cron,) = [entry["cron"] for entry in wf["on"]["schedule"]]
    assert cron.split()[2:4] == ["*", "*"] and cron.split()[4] != "*", "weekly: one day of the week"
    detect, report = wf["jobs"]["detect"], wf["jobs"]["report"]
    assert sorted(detect["strategy"]["matrix"]["stack"]) == STACKS
    assert sorted(report["strategy"]["matrix"]["stack"]) == STACKS
    assert any('python -m delivery drift "$STACK"' in s.get("run", "") for s in detect["steps"])
    assert detect["permissions"] == {"contents": "read"}
    assert report["permissions"] == {"issues": "write"}
    script = next(s["run"] for s in report["steps"] if "run" in s)
    for needed in ('title="Drift detected: $STACK"', "gh issue close", "gh issue create", "gh issue edit"):
        assert needed in script
    assert "DRIFT_WEBHOOK_URL" in script and '[ -n "${DRIFT_WEBHOOK_URL:-}" ] || return 0' in script


# --- versions and dependency updates -------------------------------------------------------------


def test_the_ci_pulumi_cli_is_the_sdk_release() -> None:
    """Dependabot bumps the SDK pins but not .pulumi-version: this fails until both move together."""
    cli = (ROOT / ".pulumi-version").read_text().strip()
    for requirements in ("requirements.txt", "policy/requirements.txt"):
        pins = re.findall(r"^pulumi==(\S+)$", (ROOT / requirements).read_text(), re.MULTILINE)
        assert pins == [cli], f"{requirements} pins pulumi {pins}, .pulumi-version says {cli}"


def test_every_pulumi_step_installs_the_pinned_cli() -> None:
    for name, text in all_workflows().items():
        for job, step in steps(load(text)):
            if str(step.get("uses", "")).startswith("pulumi/actions@"):
                assert step["with"] == {"pulumi-version-file": ".pulumi-version"}, f"{name} {job}"


def test_dependabot_covers_the_program_the_pack_and_the_actions() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    covered = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert covered == {("pip", "/"), ("pip", "/policy"), ("pip", "/platform"), ("github-actions", "/")}


def test_no_workflow_saves_a_refresh() -> None:
    """Only `pulumi preview --refresh` (drift, kept nowhere) may refresh: `pulumi refresh` or `up --refresh`
    would write the Neon roles' current passwords into the state."""
    for name, text in all_workflows().items():
        for job, step in steps(load(text)):
            for line in str(step.get("run", "")).splitlines():
                assert not re.search(r"\bpulumi\s+refresh\b", line), f"{name} {job}: {line.strip()}"
                assert not re.search(r"\bpulumi\s+up\b.*--refresh", line), f"{name} {job}: {line.strip()}"
