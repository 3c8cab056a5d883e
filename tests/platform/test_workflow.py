"""The platform workflow: previews on pull requests with read-only credentials, deploys from main behind its
own approval, checks drift weekly; no job a pull request starts reaches the environment that can deploy."""

from __future__ import annotations

import json

import yaml

from tests.support.platform import platform_config
from tests.support.project import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "platform.yml"


def load() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as a boolean
    return data


def environments() -> dict:
    return json.loads(platform_config()["motion-mavericks-platform:github"])["environments"]


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_it_runs_on_pull_requests_merges_and_weekly() -> None:
    on = load()["on"]
    assert on["pull_request"]["branches"] == ["main"] and on["push"]["branches"] == ["main"]
    assert "platform/**" in on["pull_request"]["paths"] and "policy/**" in on["pull_request"]["paths"]
    assert on["schedule"] and "workflow_dispatch" in on


def test_pull_requests_get_the_offline_preflight_and_main_a_read_only_preview() -> None:
    jobs = load()["jobs"]
    assert "--project platform" in runs(jobs["preflight"]) and "environment" not in jobs["preflight"]
    assert "pull_request" in jobs["preflight"]["if"] and "secrets." not in json.dumps(jobs["preflight"])
    preview = jobs["preview"]
    assert preview["environment"] == "platform-preview" and preview["needs"] == "preflight"
    assert preview["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert environments()["platform-preview"]["branches"] == ["main"], "GitHub refuses it to other branches"
    assert "python -m delivery preview prod --project platform" in runs(preview)
    assert "PLATFORM_GITHUB_READ_TOKEN" in json.dumps(preview) and "ADMIN" not in json.dumps(preview)


def test_only_a_merge_deploys_and_only_after_its_own_approval() -> None:
    jobs = load()["jobs"]
    up = jobs["up"]
    assert up["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert up["needs"] == "preview" and up["concurrency"] == {
        "group": "pulumi-up-platform",
        "cancel-in-progress": False,
    }
    gate = environments()[up["environment"]]
    assert gate["reviewers"] and gate["preventSelfReview"] is True and gate["branches"] == ["main"]
    assert "python -m delivery up prod --project platform" in runs(up)
    for name, job in jobs.items():
        if name != "up":
            assert "ADMIN" not in json.dumps(job) and "DEPLOY_ROLE" not in json.dumps(job), name


def test_every_environment_but_the_non_prod_previews_is_main_only() -> None:
    for name, spec in environments().items():
        if name not in ("preview-dev", "preview-staging"):
            assert spec.get("branches") == ["main"], name


def test_drift_is_checked_weekly_with_read_credentials_and_fails_loudly() -> None:
    drift = load()["jobs"]["drift"]
    assert drift["environment"] == "platform-preview"
    assert "python -m delivery drift prod --project platform" in runs(drift)
    assert drift["steps"][-1]["if"] == "steps.drift.outputs.status != 'clean'" and "exit 1" in drift["steps"][-1]["run"]
