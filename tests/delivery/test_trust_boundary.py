"""A pull request's code never reaches prod credentials: checked on the workflow files as GitHub would run them.

For every run that does not start from `main`'s reviewed code (a pull request, a manual run on another
branch, a push to another branch), every job that may run there (its `if:` evaluated for that run) is
held to the boundary in docs/delivery.md, "The trust boundary":
- a job a pull request can run uses at most the non-prod preview environments;
- no such run reaches an environment whose name says prod.
Each rule is also shown failing on a shipped workflow changed the way an attacker or a slip would.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.delivery import trust_boundary as tb
from tests.support.workflows import all_workflows, load

# The only environments a pull request's code may use: their tokens reach dev or staging, never prod.
PULL_REQUEST_ENVIRONMENTS = {"preview-dev", "preview-staging"}
KNOWN_TRIGGERS = {*tb.PULL_REQUEST_EVENTS, "push", "schedule", "workflow_dispatch"}


def is_prod(environment: str) -> bool:
    return "prod" in environment.lower()


def boundary_violations(workflows: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for name, wf in sorted(workflows.items()):
        unknown = set(wf["on"] if not isinstance(wf["on"], str) else [wf["on"]]) - KNOWN_TRIGGERS
        if unknown:
            found.append(f"{name}: trigger(s) {sorted(unknown)} not modelled; add them to trust_boundary.py")
        for run in tb.untrusted_runs(wf["on"]):
            for job_id, job in wf["jobs"].items():
                if not tb.may_run(job, run):
                    continue
                where = f"{name} {job_id} ({run.name})"
                if "uses" in job:
                    found.append(f"{where}: calls a reusable workflow, which this check cannot follow")
                for env in sorted(tb.environments(job)):
                    if "${{" in env:
                        found.append(f"{where}: environment {env} cannot be resolved from the file")
                    elif is_prod(env):
                        found.append(f"{where}: environment {env} holds prod credentials")
                    elif run.from_pull_request and env not in PULL_REQUEST_ENVIRONMENTS:
                        found.append(f"{where}: environment {env} is not one a pull request may use")
    return found


def shipped() -> dict[str, dict[str, Any]]:
    return {name: load(text) for name, text in all_workflows().items()}


def test_no_untrusted_run_reaches_prod_credentials() -> None:
    assert boundary_violations(shipped()) == []


def test_pull_requests_preview_only_dev_and_staging_for_real() -> None:
    wf = shipped()["pull-request.yml"]
    run = tb.untrusted_runs(wf["on"])[0]
    reachable = {env for job in wf["jobs"].values() if tb.may_run(job, run) for env in tb.environments(job)}
    assert reachable == PULL_REQUEST_ENVIRONMENTS


def test_prod_is_previewed_for_real_only_after_the_merge_from_main() -> None:
    deploy = shipped()["deploy.yml"]
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert tb.untrusted_runs(deploy["on"]) == []
    assert tb.environments(deploy["jobs"]["preview-prod"]) == {"preview-prod"}


def test_drift_of_prod_runs_only_from_main() -> None:
    drift = shipped()["drift.yml"]
    (manual,) = tb.untrusted_runs(drift["on"])
    assert "preview-prod" in tb.environments(drift["jobs"]["detect"])
    assert not tb.may_run(drift["jobs"]["detect"], manual)
    on_main = tb.Run("manual run on main", {**manual.context, "github.ref": "refs/heads/main"})
    assert tb.may_run(drift["jobs"]["detect"], on_main)


# --- each rule fails on a workflow that breaks it ----------------------------------------------------


def changed(name: str, change) -> dict[str, dict[str, Any]]:
    workflows = copy.deepcopy(shipped())
    change(workflows[name])
    return workflows


def test_a_pull_request_preview_of_prod_is_refused() -> None:
    def add_prod(wf):
        wf["jobs"]["preview"]["strategy"]["matrix"]["stack"].append("prod")

    assert boundary_violations(changed("pull-request.yml", add_prod)) == [
        "pull-request.yml preview (pull_request): environment preview-prod holds prod credentials"
    ]


def test_a_drift_check_startable_from_any_branch_is_refused() -> None:
    def drop_main_only(wf):
        del wf["jobs"]["detect"]["if"]

    assert boundary_violations(changed("drift.yml", drop_main_only)) == [
        "drift.yml detect (manual run on a branch): environment preview-prod holds prod credentials"
    ]


def test_a_deploy_from_any_branch_is_refused() -> None:
    def any_branch(wf):
        wf["on"] = {"push": {}}

    found = boundary_violations(changed("deploy.yml", any_branch))
    assert "deploy.yml up-prod (push to a branch): environment production holds prod credentials" in found
    assert "deploy.yml preview-prod (push to a branch): environment preview-prod holds prod credentials" in found


def test_a_pull_request_job_in_a_deploy_environment_is_refused() -> None:
    def register_on_pull_requests(wf):
        wf["jobs"]["register"]["if"] = "github.event_name == 'push' || github.event_name == 'pull_request'"

    assert boundary_violations(changed("compliance.yml", register_on_pull_requests)) == [
        "compliance.yml register (pull_request): environment compliance-register is not one a pull request may use"
    ]


def test_an_unmodelled_trigger_is_refused() -> None:
    def on_comment(wf):
        wf["on"]["repository_dispatch"] = None

    assert boundary_violations(changed("drift.yml", on_comment)) == [
        "drift.yml: trigger(s) ['repository_dispatch'] not modelled; add them to trust_boundary.py"
    ]


# --- the expression model ----------------------------------------------------------------------------

PR = tb.untrusted_runs({"pull_request": None})[0].context


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("github.event_name == 'push'", False),
        ("${{ github.event_name == 'PULL_REQUEST' }}", True),  # GitHub ignores case in string comparisons
        ("github.ref == 'refs/heads/main'", False),
        ("${{ !cancelled() && github.ref == 'refs/heads/main' }}", False),
        ("!cancelled()", tb.INDETERMINATE),
        ("always() || github.ref == 'refs/heads/main'", True),
        ("needs.preview-prod.outputs.has-changes == 'true'", tb.INDETERMINATE),
        ("github.event.pull_request.head.repo.full_name == github.repository", True),
        ("!(github.event_name != 'pull_request')", True),
        ("contains(github.ref, 'main') && false", False),
        # three-valued && and ||: the decisive value wins, else an indeterminate side makes the whole so
        ("!cancelled() || true", True),
        ("!cancelled() || false", tb.INDETERMINATE),
        ("!cancelled() && true", tb.INDETERMINATE),
        ("false || false", False),
        ("true && true", True),
    ],
)
def test_conditions_are_evaluated_as_github_does(expression: str, expected: Any) -> None:
    assert tb.evaluate(expression, PR) is expected


def test_an_unreadable_condition_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="cannot read"):
        tb.evaluate("github.ref == 'main' ]", PR)


def test_environments_are_expanded_over_the_matrix() -> None:
    job = {
        "environment": {"name": "preview-${{ matrix.stack }}"},
        "strategy": {"matrix": {"stack": ["dev"], "include": [{"stack": "prod"}]}},
    }
    assert tb.environments(job) == {"preview-dev", "preview-prod"}
    assert tb.environments({"environment": "${{ inputs.where }}"}) == {"${{ inputs.where }}"}


def test_an_environment_chosen_at_run_time_is_refused() -> None:
    def chosen_by_input(wf):
        wf["jobs"]["detect"]["environment"] = "${{ inputs.where }}"
        del wf["jobs"]["detect"]["if"]

    assert boundary_violations(changed("drift.yml", chosen_by_input)) == [
        "drift.yml detect (manual run on a branch): environment ${{ inputs.where }} cannot be resolved from the file"
    ]


# --- the credential guard runs first, from the base commit, in every pull-request job holding secrets -------


def guard_violations(workflows: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for name, wf in sorted(workflows.items()):
        for run in tb.untrusted_runs(wf["on"]):
            if not run.from_pull_request:
                continue
            for job_id, job in wf["jobs"].items():
                if tb.may_run(job, run) and tb.environments(job):
                    found += [f"{name} {job_id}: {problem}" for problem in tb.guard_problems(job)]
    return found


def test_every_pull_request_job_holding_secrets_runs_the_credential_guard_first_from_the_base_commit() -> None:
    workflows = shipped()
    assert guard_violations(workflows) == []
    guarded = {
        (name, job_id)
        for name, wf in workflows.items()
        for job_id, job in wf["jobs"].items()
        if any(tb.GUARD_COMMAND in str(step.get("run", "")) for step in job.get("steps", []))
    }
    assert guarded == {("pull-request.yml", "preview"), ("preview-env.yml", "environment")}


def _steps(wf: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return wf["jobs"][job]["steps"]


def _guard_index(wf: dict[str, Any], job: str) -> int:
    return next(i for i, s in enumerate(_steps(wf, job)) if tb.GUARD_COMMAND in str(s.get("run", "")))


def test_a_pull_request_job_without_the_guard_is_refused() -> None:
    def drop_guard(wf):
        del _steps(wf, "preview")[_guard_index(wf, "preview")]

    assert guard_violations(changed("pull-request.yml", drop_guard)) == [
        "pull-request.yml preview: step \"Install the program's and the policy pack's dependencies\" runs a command "
        "in '.' before the credential guard"
    ]
    # A job whose only steps are actions (no command at all) still has to run it.
    assert tb.guard_problems({"steps": [{"uses": "actions/setup-python@0"}]}) == [
        "no step runs the credential guard (python -m ops.credential_guard)"
    ]


def test_the_guard_after_the_branchs_code_has_run_is_refused() -> None:
    def guard_last(wf):
        steps = _steps(wf, "preview")
        steps.append(steps.pop(_guard_index(wf, "preview")))

    (problem,) = guard_violations(changed("pull-request.yml", guard_last))
    assert problem.startswith("pull-request.yml preview: step ")
    assert "before the credential guard" in problem


def test_the_guard_run_from_the_branchs_checkout_is_refused() -> None:
    def from_branch(wf):
        steps = _steps(wf, "preview")
        guard = steps.pop(_guard_index(wf, "preview"))
        del guard["working-directory"]  # the root: the branch's checkout
        steps.append(guard)
        for step in steps[:-1]:  # no other step may hold a secret or run in the branch before it, here
            if step.get("run"):
                step["working-directory"] = "base"
            step.pop("env", None)

    assert guard_violations(changed("pull-request.yml", from_branch)) == [
        "pull-request.yml preview: the credential guard runs in '.', which is not a checkout of the base commit "
        "(${{ github.event.pull_request.base.sha }})"
    ]


def test_a_credential_the_guard_is_not_handed_is_refused() -> None:
    def keep_sentry_from_guard(wf):
        del _steps(wf, "preview")[_guard_index(wf, "preview")]["env"]["SENTRY_AUTH_TOKEN"]

    assert guard_violations(changed("pull-request.yml", keep_sentry_from_guard)) == [
        "pull-request.yml preview: the credential guard is not handed SENTRY_AUTH_TOKEN, which later steps use"
    ]


def test_a_preview_database_job_on_the_branchs_code_is_refused() -> None:
    def branch_checkout(wf):
        del _steps(wf, "environment")[0]["with"]["ref"]

    (problem,) = guard_violations(changed("preview-env.yml", branch_checkout))
    assert problem.startswith("preview-env.yml environment: step ")
    assert "runs a command in '.' before the credential guard" in problem
