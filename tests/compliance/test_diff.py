"""`python -m compliance diff` as a user runs it: two reports in, classified changes out."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from compliance.classification import CLASSES, RULES, classify
from tests.support.compliance import Reports, compliance, load
from tests.support.project import ROOT

DIFF_SCHEMA = json.loads((ROOT / "compliance" / "schema" / "diff-v1.json").read_text())


def prod(diff: dict) -> dict:
    return next(s for s in diff["stacks"] if s["name"] == "prod")


def changed(stack: dict) -> dict[str, dict]:
    return {r["name"]: r for r in stack["resources"]["changed"]}


def test_region_retention_and_protect_changes_are_classified(prod_reports: Reports) -> None:
    stack = prod(load(prod_reports.diff))
    assert stack["change"] == "changed"
    assert stack["resources"]["added"] == [] and stack["resources"]["removed"] == []
    resources = changed(stack)
    tagged = {"neon", "upstash", "admin", "agency", "guest", "sentry-admin", "sentry-agency", "sentry-guest", "grafana"}
    # Matched by URN: the Sentry resources' provider ids differ between the two runs and are not a change.
    assert set(resources) == {"neon-project", "upstash-database", "grafana-stack"} | tagged
    (labels,) = resources["grafana-stack"]["properties"]  # the Grafana stack's labels are its cost tags
    assert (labels["path"], labels["head"], labels["classes"]) == ("inputs.labels.data_class", "restricted", ["cost"])

    project = {p["path"]: p for p in resources["neon-project"]["properties"]}
    assert set(project) == {"inputs.regionId", "inputs.historyRetentionSeconds"}
    region = project["inputs.regionId"]
    assert (region["base"], region["head"], region["classes"]) == ("aws-ap-southeast-2", "aws-us-east-1", ["residency"])
    retention = project["inputs.historyRetentionSeconds"]
    assert (retention["base"], retention["head"], retention["classes"]) == (30 * 86400, 35 * 86400, ["backup"])

    database = resources["upstash-database"]
    assert database["options"] == [
        {"option": "protect", "base": True, "head": False, "classes": ["security", "backup"]}
    ]
    assert database["properties"] == [{"path": "inputs.budget", "base": 200, "head": 300, "classes": ["cost"]}]
    for name in tagged:
        (tag,) = resources[name]["properties"]
        assert tag["path"] == "inputs.tags.data_class" and tag["classes"] == ["security", "cost"]

    new = {(p["policy"], p["resource"], p["enforcementLevel"]): p["classes"] for p in stack["policies"]["new"]}
    assert new == {
        ("au-data-residency", "neon-project", "mandatory"): ["residency"],
        ("prod-data-protection", "upstash-database", "mandatory"): ["security", "backup"],
    }
    assert stack["policies"]["cleared"] == []
    assert len(stack["impacts"]) == 4 + len(tagged) + 1 + 2


def test_the_markdown_names_each_change_and_its_classes(prod_reports: Reports) -> None:
    markdown = prod_reports.markdown
    assert markdown.startswith("## Preflight diff: motion-mavericks-portal")
    assert "| `prod` | changed | 0 | 0 | 12 | 2 | 0 | 16 |" in markdown
    assert (
        "| residency | `neon-project` (neon:index/project:Project): `regionId` aws-ap-southeast-2 → aws-us-east-1 |"
        in (markdown)
    )
    assert "| backup | `neon-project` (neon:index/project:Project): `historyRetentionSeconds`" in markdown
    protect = "option `protect` true → false"
    assert (
        f"| security, backup | `upstash-database` (upstash:index/redisDatabase:RedisDatabase): {protect} |" in markdown
    )
    assert "new mandatory `au-data-residency` result on `neon-project`" in markdown


def test_the_json_diff_validates_against_its_schema(prod_reports: Reports) -> None:
    jsonschema.Draft202012Validator.check_schema(DIFF_SCHEMA)
    diff = load(prod_reports.diff)
    jsonschema.Draft202012Validator(DIFF_SCHEMA).validate(diff)
    assert diff["summary"]["byClass"] == {"residency": 2, "security": 11, "backup": 3, "cost": 11}
    printed = compliance("diff", str(prod_reports.base), str(prod_reports.head), "--format", "json")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["stacks"] == diff["stacks"]


def test_a_report_against_itself_changes_nothing(prod_reports: Reports) -> None:
    result = compliance("diff", str(prod_reports.base), str(prod_reports.base), "--format", "json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert [s["change"] for s in diff["stacks"]] == ["unchanged"]
    assert diff["summary"]["impacts"] == 0


def test_stacks_in_only_one_report_are_added_or_removed(prod_reports: Reports, tmp_path: Path) -> None:
    empty = load(prod_reports.base)
    empty["stacks"] = []
    (tmp_path / "empty.json").write_text(json.dumps(empty))
    for base, head, change in (
        (tmp_path / "empty.json", prod_reports.base, "added"),
        (prod_reports.base, tmp_path / "empty.json", "removed"),
    ):
        result = compliance("diff", str(base), str(head), "--format", "json")
        assert result.returncode == 0, result.stderr
        (stack,) = json.loads(result.stdout)["stacks"]
        assert stack["change"] == change
        count = len(load(prod_reports.base)["stacks"][0]["resources"])
        assert len(stack["resources"][change]) == count
        (impact,) = stack["impacts"]
        assert impact["change"].startswith(f"stack prod {change} ({count} resources")
        assert impact["classes"] == list(CLASSES)


def test_a_stack_that_could_not_be_evaluated_is_not_compared(prod_reports: Reports, tmp_path: Path) -> None:
    broken = load(prod_reports.head)
    stack = broken["stacks"][0]
    stack.update(status="error", error="stack 'prod' has invalid configuration:\n  - ...", resources=[], diagnostics=[])
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    result = compliance("diff", str(prod_reports.base), str(tmp_path / "broken.json"), "--format", "json")
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)["stacks"]
    assert entry["change"] == "not-comparable"
    assert entry["note"] == "could not be evaluated in head: stack 'prod' has invalid configuration:"
    assert entry["resources"]["removed"] == [], "an unevaluated stack is not a deleted one"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "base report {path}: no such file"),
        ("{not json", "base report {path}: not JSON"),
        ('{"schemaVersion": 2}', "base report {path}: schemaVersion: found 2; allowed: 1 (report-v1.json)"),
        ('["a list"]', "base report {path}: found a JSON list; expected a preflight report object"),
        (
            '{"schemaVersion": 1, "project": "p"}',
            "base report {path}: (top level): 'generatedAt' is a required property",
        ),
    ],
)
def test_an_unusable_report_exits_2_naming_the_reason(
    prod_reports: Reports, tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "base.json"
    if content is not None:
        path.write_text(content)
    result = compliance("diff", str(path), str(prod_reports.head))
    assert result.returncode == 2
    assert expected.format(path=path) in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_report_missing_a_field_names_where(prod_reports: Reports, tmp_path: Path) -> None:
    report = load(prod_reports.head)
    del report["stacks"][0]["resources"][3]["urn"]
    (tmp_path / "head.json").write_text(json.dumps(report))
    result = compliance("diff", str(prod_reports.base), str(tmp_path / "head.json"))
    assert result.returncode == 2
    assert (
        f"head report {tmp_path / 'head.json'}: stacks[0].resources[3]: 'urn' is a required property" in result.stderr
    )


def test_one_report_only_is_a_usage_error(prod_reports: Reports) -> None:
    result = compliance("diff", str(prod_reports.base))
    assert result.returncode == 2
    assert "two reports are needed: BASE.json HEAD.json" in result.stderr


def test_the_rules_table_is_printed_and_covers_every_class() -> None:
    result = compliance("diff", "--rules")
    assert result.returncode == 0
    assert result.stdout.startswith("| Resource types | Change paths | Classes | Why |")
    assert len(result.stdout.splitlines()) == len(RULES) + 2
    assert {c for rule in RULES for c in rule.classes} == set(CLASSES)


@pytest.mark.parametrize(
    ("kind", "path", "classes"),
    [
        ("vercel:index/project:Project", "inputs.resourceConfig.functionDefaultRegions", ["residency"]),
        ("vercel:index/project:Project", "inputs.functionFailover", ["residency"]),
        ("upstash:index/redisDatabase:RedisDatabase", "inputs.readRegions", ["residency"]),
        ("pulumi:providers:sentry", "inputs.baseUrl", ["residency"]),
        ("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "inputs.sensitive", ["security"]),
        ("vercel:index/project:Project", "inputs.vercelAuthentication.deploymentType", ["security"]),
        ("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "secret.value", ["security"]),
        ("neon:index/project:Project", "options.retainOnDelete", ["security", "backup"]),
        ("vercel:index/projectDomain:ProjectDomain", "options.protect", ["security"]),
        (
            "vercel:index/projectDeploymentRetention:ProjectDeploymentRetention",
            "inputs.expirationProduction",
            ["backup"],
        ),
        ("upstash:index/redisDatabase:RedisDatabase", "inputs.prodPack", ["backup", "cost"]),
        ("neon:index/project:Project", "inputs.defaultEndpointSettings.autoscalingLimitMaxCu", ["cost"]),
        ("motion-mavericks:index:NeonDatabase", "inputs.tags.owner", ["cost"]),
        ("neon:index/database:Database", "options.parent", ["cost"]),
        ("", "policy.required-tags-ancestry", ["cost"]),
        ("", "policy.backup-retention-upstash", ["backup"]),
        ("pulumi-python:dynamic/upstash:DailyBackup", "resource", ["backup"]),
        ("pulumi-python:dynamic/upstash:DailyBackup", "options.protect", ["security", "backup"]),
        ("sentry:index/sentryIssueAlert:SentryIssueAlert", "policy.sentry-alerting", []),
        ("vercel:index/projectDomain:ProjectDomain", "inputs.domain", []),
        # the platform project's guard rails
        ("github:index/repositoryEnvironment:RepositoryEnvironment", "inputs.preventSelfReview", ["security"]),
        ("github:index/repositoryRuleset:RepositoryRuleset", "inputs.rules.pullRequest", ["security"]),
        (
            "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
            "resource",
            ["security"],
        ),
        (
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "inputs.rule.defaultRetention",
            ["security", "backup"],
        ),
        ("aws:iam/rolePolicy:RolePolicy", "inputs.policy", ["security"]),
        ("aws:s3/bucket:Bucket", "resource", ["backup"]),
        ("aws:s3/bucket:Bucket", "inputs.region", ["residency"]),
        ("aws:s3/bucket:Bucket", "inputs.tags.owner", ["cost"]),
        ("pulumiservice:index:StackTag", "inputs.value", ["cost"]),
        ("pulumiservice:index:PolicyGroup", "inputs.policyPacks", ["security"]),
        ("", "policy.production-approval", ["security"]),
        ("", "policy.plan-archive-lock", ["security"]),
    ],
)
def test_the_classification_table(kind: str, path: str, classes: list[str]) -> None:
    assert classify(kind, path) == classes
