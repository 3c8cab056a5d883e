"""The 24-month plan archive as specified in docs/plan-archive.cloudformation.yaml, and the deploy job that
writes to it: the retention, the region and the narrow writer are promises an auditor relies on."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

TEMPLATE = ROOT / "docs" / "plan-archive.cloudformation.yaml"
TWENTY_FOUR_MONTHS = 731  # days, a leap day included


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE.read_text())["Resources"]


def by_type(resources: dict[str, Any], type_: str) -> dict[str, Any]:
    (found,) = [r for r in resources.values() if r["Type"] == type_]
    return found


def test_plans_are_locked_for_24_months_and_then_expire(resources) -> None:
    bucket = by_type(resources, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["ObjectLockEnabled"] is True and props["VersioningConfiguration"] == {"Status": "Enabled"}
    retention = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE", "GOVERNANCE could be bypassed by a privileged user"
    assert retention["Days"] >= TWENTY_FOUR_MONTHS
    expiry = [r["ExpirationInDays"] for r in props["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r]
    assert expiry and min(expiry) > retention["Days"], "the lifecycle never tries to delete a locked object"
    assert bucket["DeletionPolicy"] == "Retain"


def test_the_archive_stays_in_sydney_and_private(resources) -> None:
    template = yaml.safe_load(TEMPLATE.read_text())
    (rule,) = template["Rules"]["DataStaysInSydney"]["Assertions"]
    assert rule["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "ap-southeast-2"]}
    props = by_type(resources, "AWS::S3::Bucket")["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert set(props["PublicAccessBlockConfiguration"]) == {
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    }


def test_only_the_archive_environment_may_write_and_only_add(resources) -> None:
    role = by_type(resources, "AWS::IAM::Role")["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    conditions = trust["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert conditions["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "repo:${GitHubRepository}:environment:plan-archive"
    }
    (policy,) = role["Policies"]
    actions = [s["Action"] for s in policy["PolicyDocument"]["Statement"]]
    assert actions == ["s3:PutObject"], "the writer cannot read, list, delete or change retention"


def test_the_deploy_job_writes_where_the_role_trusts() -> None:
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    job = wf["jobs"]["archive-prod"]
    assert job["environment"] == "plan-archive"
    scripts = "\n".join(s.get("run", "") for s in job["steps"])
    assert 'prefix="prod/' in scripts, "the role may write under prod/ only"
    assert "SHA256SUMS" in scripts and "approvals" in scripts
