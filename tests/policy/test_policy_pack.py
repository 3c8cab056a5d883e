"""The pack as a whole: metadata every policy must carry, the entry point, the project file, the README."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from mm_policies import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, StackValidationPolicy

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"

EXPECTED_LEVELS = {
    "au-data-residency": EnforcementLevel.MANDATORY,
    "au-data-residency-exceptions": EnforcementLevel.ADVISORY,
    "required-tags": EnforcementLevel.MANDATORY,
    "required-tags-ancestry": EnforcementLevel.MANDATORY,
    "backup-retention": EnforcementLevel.MANDATORY,
    "backup-retention-upstash": EnforcementLevel.MANDATORY,
    "redis-no-eviction": EnforcementLevel.MANDATORY,
    "prod-data-protection": EnforcementLevel.MANDATORY,
    "secrets-are-sensitive": EnforcementLevel.MANDATORY,
    "sentry-alerting": EnforcementLevel.MANDATORY,
    "sentry-alerting-dev": EnforcementLevel.ADVISORY,
    "monitoring-coverage": EnforcementLevel.MANDATORY,
    "monitoring-coverage-dev": EnforcementLevel.ADVISORY,
    "plan-archive-lock": EnforcementLevel.MANDATORY,
    "production-approval": EnforcementLevel.MANDATORY,
    "main-branch-rules": EnforcementLevel.MANDATORY,
}


def test_the_policies_and_their_levels_are_the_public_interface():
    assert {p.name: p.enforcement_level for p in POLICIES} == EXPECTED_LEVELS
    assert len({p.name for p in POLICIES}) == len(POLICIES)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_is_documented(policy):
    assert policy.description and policy.display_name
    assert policy.remediation_steps and policy.url.startswith("https://")
    assert policy.severity is not None


@pytest.mark.parametrize("policy", [p for p in POLICIES if p.config_schema], ids=lambda p: p.name)
def test_config_schema_defaults_satisfy_the_schema(policy):
    schema = {"type": "object", "properties": policy.config_schema.properties}
    defaults = {key: value["default"] for key, value in policy.config_schema.properties.items()}
    assert defaults.keys() == policy.config_schema.properties.keys(), "every setting has a default"
    jsonschema.Draft7Validator(schema).validate(defaults)


def test_project_file_is_what_the_cli_and_publish_accept():
    project = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert project["description"]
    major, minor, patch = (int(part) for part in str(project["version"]).split("."))
    assert (major, minor, patch) >= (0, 1, 0)
    requirements = (POLICY_DIR / "requirements.txt").read_text()
    assert "pulumi-policy==" in requirements and "pulumi==" in requirements


def test_readme_documents_every_policy():
    readme = (POLICY_DIR / "README.md").read_text()
    assert PACK_NAME in readme
    for policy in POLICIES:
        assert f"`{policy.name}`" in readme
        for setting in policy.config_schema.properties if policy.config_schema else ():
            assert f"`{setting}`" in readme


def test_stack_policies_are_the_ones_that_need_the_whole_stack():
    stack_policies = {p.name for p in POLICIES if isinstance(p, StackValidationPolicy)}
    assert stack_policies == {
        "required-tags-ancestry",
        "backup-retention-upstash",
        "sentry-alerting",
        "sentry-alerting-dev",
        "monitoring-coverage",
        "monitoring-coverage-dev",
        "plan-archive-lock",
        "production-approval",
        "main-branch-rules",
    }
