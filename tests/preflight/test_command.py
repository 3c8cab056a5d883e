"""`python -m preflight` as a user runs it: the shipped stacks, and copies of the project made wrong."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.support.commands import preflight
from tests.support.project import ROOT, edit, project_copy

__all__ = ["edit", "preflight", "project_copy"]  # tests/preflight/conftest.py and others import them from here

SCHEMA = json.loads((ROOT / "preflight" / "schema" / "report-v1.json").read_text())


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:
    report_path = tmp_path_factory.mktemp("report") / "preflight.json"
    result = preflight("--json", str(report_path))
    return result, json.loads(report_path.read_text())


def test_every_shipped_stack_passes(shipped) -> None:
    result, report = shipped
    assert result.returncode == 0, result.stdout + result.stderr
    assert [s["name"] for s in report["stacks"]] == ["dev", "prod", "staging"]
    assert all(s["status"] == "pass" for s in report["stacks"])
    assert report["summary"]["exitCode"] == 0
    assert "3 stacks: 3 passed, 0 failed" in result.stdout
    assert "\033[" not in result.stdout, "no colour when piped"


def test_the_json_report_validates_against_its_schema(shipped) -> None:
    _, report = shipped
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    assert report["policyPack"]["policies"], "the pack described itself over GetAnalyzerInfo"


def test_the_report_records_types_parents_and_secret_inputs(shipped) -> None:
    _, report = shipped
    prod = next(s for s in report["stacks"] if s["name"] == "prod")
    by_name = {r["name"]: r for r in prod["resources"]}
    project = by_name["neon-project"]
    assert project["type"] == "neon:index/project:Project"
    assert project["parent"] == by_name["neon"]["urn"]
    assert project["protect"] is True and project["retainOnDelete"] is True
    database_url = by_name["admin-env-database-url"]
    assert database_url["secretInputs"] == ["value"]
    assert database_url["inputs"]["value"] == "[secret]"
    assert prod["outputs"]["database_connection_uri"] == "[secret]"
    residency = {row["resource"]: row for row in prod["residency"]}
    assert residency["neon-project"]["verdict"] == "australian"
    assert residency["sentry-admin-project"]["verdict"] == "exception"


def test_the_text_preview_shows_the_tree_the_violations_and_the_residency_table(shipped) -> None:
    result, _ = shipped
    out = result.stdout
    assert "Stack prod" in out and "Would create:" in out
    assert "neon:index/project:Project  neon-project  region=aws-ap-southeast-2  retention=30d  protect" in out
    assert "eviction=off" in out
    assert "Residency:" in out and "Australian" in out and "EXCEPTION" in out


def test_markdown_for_the_pull_request_and_the_json_report_of_one_stack(tmp_path: Path) -> None:
    """As the workflows run it: markdown on stdout for the comment, the JSON report kept beside it. (JSON on
    stdout: test_a_second_run_with_packs_started_the_engines_way_gives_the_same_report.)"""
    markdown = preflight("--stack", "dev", "--format", "markdown", "--json", str(tmp_path / "report.json"))
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("## ✅ Preflight: motion-mavericks-portal")
    assert "| Service | Resource | Region | Residency |" in markdown.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert [s["name"] for s in report["stacks"]] == ["dev"]


def test_an_unknown_stack_is_a_usage_error() -> None:
    result = preflight("--stack", "production")
    assert result.returncode == 2
    assert "--stack production: no such stack; stacks shipped: dev, prod, staging" in result.stderr


# One mistake per stack, all judged in one run (each run costs seconds): the settings' own tests hold every
# message; this holds that the preflight shows each one on its stack, exit 2, without a traceback.
MISTAKES = {
    "dev": (
        "motion-mavericks-portal:environment: dev",
        "motion-mavericks-portal:environment: qa",
        "motion-mavericks-portal:environment: found 'qa'; allowed: 'dev', 'staging' or 'prod'",
    ),
    "staging": (
        "    region: aws-ap-southeast-2",
        "    region: aws-us-east-1",
        "motion-mavericks-portal:neon.region: found 'aws-us-east-1'; is outside Australia",
    ),
    "prod": (
        "    backupRetentionDays: 30",
        "    backupRetentionDays: 7",
        "motion-mavericks-portal:neon.backupRetentionDays: found 7; is below the prod minimum",
    ),
}


@pytest.fixture(scope="module")
def misconfigured(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:
    work = tmp_path_factory.mktemp("misconfigured")
    copy = project_copy(work)
    for stack, (old, new, _) in MISTAKES.items():
        edit(copy / f"Pulumi.{stack}.yaml", old, new)
    result = preflight("--json", str(work / "report.json"), cwd=copy)
    return result, json.loads((work / "report.json").read_text())


@pytest.mark.parametrize("stack", MISTAKES)
def test_bad_stack_configuration_exits_2_naming_the_problem(misconfigured, stack: str) -> None:
    result, report = misconfigured
    expected = MISTAKES[stack][2]
    assert result.returncode == 2, result.stdout
    errors = {s["name"]: s.get("error") or "" for s in report["stacks"]}
    assert expected in errors[stack], errors
    assert [name for name, error in errors.items() if expected in error] == [stack]
    assert expected in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_owner_tag_exits_2_naming_it(tmp_path: Path) -> None:
    copy = project_copy(tmp_path)
    edit(copy / "Pulumi.yaml", "      owner: platform-engineering\n", "")
    result = preflight("--stack", "staging", cwd=copy)
    assert result.returncode == 2
    assert "motion-mavericks-portal:tags.owner: missing" in result.stdout


@pytest.fixture(scope="module")
def bypassed(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], set[tuple[str, str]]]:
    """Hand edits to the program that bypass the settings layer, all in one copy and one run of prod (each
    run costs seconds): the pack must still stop every one of them, exit 1. Its mandatory diagnostics, as
    (policy, resource name)."""
    work = tmp_path_factory.mktemp("bypassed")
    copy = project_copy(work)
    edit(copy / "components" / "neon_database.py", "region_id=settings.region", 'region_id="aws-us-east-1"')
    edit(copy / "components" / "upstash_redis.py", "eviction=False,", "eviction=True,")
    edit(copy / "components" / "neon_database.py", "settings.backup_retention_days * SECONDS_PER_DAY", "86400")
    edit(copy / "components" / "tags.py", '"owner": self.owner, ', "")
    # The database inside the (still protected) Neon project loses its protection: deleting it drops its data.
    edit(
        copy / "components" / "neon_database.py",
        "owner_name=role.name,\n            opts=data_opts,",
        "owner_name=role.name,",
    )
    result = preflight("--stack", "prod", "--json", str(work / "r.json"), cwd=copy)
    assert result.returncode == 1, result.stdout + result.stderr
    (stack,) = json.loads((work / "r.json").read_text())["stacks"]
    mandatory = {
        (d["policy"], d["urn"].rsplit("::", 1)[-1])
        for d in stack["diagnostics"]
        if d["enforcementLevel"] == "mandatory"
    }
    return result, mandatory


def test_a_program_that_leaves_australia_is_stopped_by_the_pack(bypassed) -> None:
    result, mandatory = bypassed
    assert ("au-data-residency", "neon-project") in mandatory
    assert ("redis-no-eviction", "upstash-database") in mandatory
    assert "aws-us-east-1" in result.stdout
    assert "[mandatory] au-data-residency" in result.stdout


def test_a_program_below_retention_or_untagged_is_stopped_by_the_pack(bypassed) -> None:
    _, mandatory = bypassed
    assert ("backup-retention", "neon-project") in mandatory
    assert {"required-tags"} <= {policy for policy, _ in mandatory}


def test_a_prod_database_left_unprotected_inside_its_protected_project_is_stopped_by_the_pack(bypassed) -> None:
    _, mandatory = bypassed
    assert ("prod-data-protection", "neon-database") in mandatory
    assert ("prod-data-protection", "neon-project") not in mandatory


def test_the_daily_backup_shows_as_itself_not_as_pickled_code(shipped) -> None:
    result, report = shipped
    prod = next(s for s in report["stacks"] if s["name"] == "prod")
    backup = next(r for r in prod["resources"] if r["name"] == "upstash-daily-backup")
    assert backup["type"] == "pulumi-python:dynamic/upstash:DailyBackup"
    assert backup["inputs"] == {
        "kind": "upstash-daily-backup",
        "database_id": "[unknown]",
        "__provider": "[serialized dynamic provider]",
    }
    assert "pulumi-python:dynamic/upstash:DailyBackup  upstash-daily-backup  database_id=[unknown] (from " in (
        result.stdout
    )
    pickled = "gASV"  # how every base64 pickle of protocol 4 or later begins
    assert pickled not in result.stdout and pickled not in json.dumps(report)


def test_an_upstash_database_without_daily_backup_is_stopped_by_the_pack(tmp_path: Path) -> None:
    copy = project_copy(tmp_path)
    edit(
        copy / "components" / "upstash_redis.py",
        """        backup = UpstashDailyBackup(
            f"{name}-daily-backup",
            database_id=database.database_id,
            opts=self.child(protect=protect, retain_on_delete=protect),
        )
        self.daily_backup_enabled: pulumi.Output[bool] = backup.daily_backup_enabled""",
        "        self.daily_backup_enabled = pulumi.Output.from_input(False)",
    )
    result = preflight("--stack", "dev", "--json", str(tmp_path / "r.json"), cwd=copy)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    mandatory = {
        (d["policy"], d["urn"].rsplit("::", 1)[-1])
        for d in report["stacks"][0]["diagnostics"]
        if d["enforcementLevel"] == "mandatory"
    }
    assert mandatory == {("backup-retention-upstash", "upstash-database")}
    assert "[mandatory] backup-retention-upstash (1)" in result.stdout
    assert 'upstash-database: upstash:index/redisDatabase:RedisDatabase "upstash-database": no daily backup' in (
        result.stdout
    )


@pytest.fixture(scope="module")
def unresolvable(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Secrets the preflight cannot resolve offline, in one copy and one run (each run costs seconds): dev
    gains a `secure:` value, staging loses the ESC environment it imports."""
    work = tmp_path_factory.mktemp("unresolvable")
    copy = project_copy(work)
    with (copy / "Pulumi.dev.yaml").open("a") as stack_file:
        stack_file.write("  motion-mavericks-portal:resendApiKey:\n    secure: v1:AAAAdGVzdC1jaXBoZXJ0ZXh0\n")
    (copy / "esc" / "staging.yaml").unlink()
    result = preflight("--stack", "dev", "--stack", "staging", "--json", str(work / "report.json"), cwd=copy)
    return result, json.loads((work / "report.json").read_text())


def test_secure_values_and_esc_keys_are_reported_not_resolved(unresolvable) -> None:
    result, report = unresolvable
    stack = next(s for s in report["stacks"] if s["name"] == "dev")
    assert stack["status"] == "pass", stack
    from_esc = "(from ESC environment 'motion-mavericks-portal/dev'; a [secret] placeholder offline)"
    assert stack["unresolved"] == [
        "motion-mavericks-portal:resendApiKey (secure value, not decrypted offline)",  # the stack file wins
        *(
            f"motion-mavericks-portal:{key} {from_esc}"
            for key in ("clerkSecretKey", "muxTokenId", "muxTokenSecret", "muxSigningKeyId", "muxSigningPrivateKey")
        ),
        *(
            f"motion-mavericks-portal:{key} {from_esc}"
            for key in ("grafanaCloudAccessPolicyToken", "grafanaStackServiceAccountToken", "grafanaSmAccessToken")
        ),
    ]
    assert "v1:AAAA" not in result.stdout + json.dumps(report)
    clerk = next(r for r in stack["resources"] if r["name"] == "guest-env-clerk-secret-key")
    assert clerk["inputs"]["value"] == "[secret]" and clerk["secretInputs"] == ["value"]


def test_an_esc_import_without_its_definition_is_named_and_the_missing_secrets_listed(unresolvable) -> None:
    result, report = unresolvable
    assert result.returncode == 2, result.stdout + result.stderr
    assert [s["status"] for s in report["stacks"]] == ["pass", "error"]
    assert (
        "not resolved offline: ESC environment 'motion-mavericks-portal/staging': no definition esc/staging.yaml "
        "in the repository" in result.stdout
    )
    assert "stack 'staging' is missing secret configuration:" in result.stdout
    assert "motion-mavericks-portal:clerkSecretKey: missing" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_second_run_with_packs_started_the_engines_way_gives_the_same_report(shipped) -> None:
    """Two things from one more run (each costs seconds of CPU). The default starts each pack forked from one
    SDK import; the verdict must be the engine's own. And the SDK registers concurrently; the plan artefact
    CI keeps and diffs must not depend on that: the whole report, JSON on stdout, is the first run's."""
    forked = {key: value for key, value in shipped[1].items() if key != "generatedAt"}
    spawned = preflight("--pack-start", "spawn", "--format", "json")
    assert spawned.returncode == 0, spawned.stderr
    engine_way = json.loads(spawned.stdout)
    engine_way.pop("generatedAt")
    assert [s["diagnostics"] for s in engine_way["stacks"]] == [s["diagnostics"] for s in forked["stacks"]]
    assert all(stack["diagnostics"] for stack in forked["stacks"]), "every stack has advisories to compare"
    assert engine_way == forked
