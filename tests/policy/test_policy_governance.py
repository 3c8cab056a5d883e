"""plan-archive-lock and production-approval over passing, failing and unknown platform resources, and AWS
residency (au-data-residency) for the platform's regional resources."""

from __future__ import annotations

import json

import pytest
from platform_fixtures import UNKNOWN, aws_provider, bucket, environment, lock, platform_resource
from policy_harness import DROP, analyze_each, flagged, in_process_pack, messages, resource

LOCK_POLICY = "plan-archive-lock"
APPROVAL = "production-approval"
RESIDENCY = "au-data-residency"


def stack_messages(resources, policy: str) -> list[str]:
    return messages(in_process_pack().analyze_stack(resources), policy)


def test_a_compliance_lock_of_731_days_passes(stack) -> None:
    stack("prod")
    archive = bucket()
    assert stack_messages([archive, lock("lock", archive), environment()], LOCK_POLICY) == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"defaultRetention": {"mode": "GOVERNANCE", "days": 731}}, "mode is 'GOVERNANCE'; required 'COMPLIANCE'"),
        ({"defaultRetention": {"mode": "COMPLIANCE", "days": 730}}, "the retention is 730 days; required at least 731"),
        ({"defaultRetention": {"mode": "COMPLIANCE", "years": 2}}, "the retention is 2 years; required at least 731"),
        ({"defaultRetention": {"mode": UNKNOWN, "days": 731}}, "mode is unknown at preview"),
        ({"defaultRetention": {"mode": "COMPLIANCE", "days": UNKNOWN}}, "the retention period is unknown at preview"),
        ({"defaultRetention": UNKNOWN}, "its default retention is unknown at preview"),
        ({"other": 1}, "it sets no default retention"),
    ],
)
def test_a_looser_lock_is_a_mandatory_violation(stack, rule, expected) -> None:
    stack("prod")
    archive = bucket()
    diagnostics = in_process_pack().analyze_stack([archive, lock("lock", archive, rule=rule), environment()])
    [message] = messages(diagnostics, LOCK_POLICY)
    assert 'aws:s3/bucket:Bucket "archive-bucket": aws:s3/bucketObjectLockConfiguration' in message
    assert expected in message
    assert {d.enforcement_level for d in diagnostics if d.policy_name == LOCK_POLICY} == {"mandatory"}


def test_three_years_pass(stack) -> None:
    stack("prod")
    archive = bucket()
    rule = {"defaultRetention": {"mode": "COMPLIANCE", "years": 3}}
    assert stack_messages([archive, lock("lock", archive, rule=rule), environment()], LOCK_POLICY) == []


def test_exactly_the_unlocked_buckets_violate(stack) -> None:
    stack("prod")
    locked, unlocked, disabled, unknown = bucket("locked"), bucket("unlocked"), bucket("disabled"), bucket("unknown")
    disabled = bucket("disabled", objectLockEnabled=False)
    unknown = bucket("unknown", objectLockEnabled=UNKNOWN)
    named = bucket("named")
    by_name = lock("by-name", None, bucket="mm-named")  # a known bucket name matches too
    resources = [locked, unlocked, disabled, unknown, named, by_name, lock("l1", locked), lock("l2", disabled)]
    resources += [lock("l3", unknown), environment()]
    diagnostics = in_process_pack().analyze_stack(resources)
    assert flagged(diagnostics, LOCK_POLICY) == {"unlocked", "disabled", "unknown"}
    text = "\n".join(messages(diagnostics, LOCK_POLICY))
    assert '"unlocked": no Object Lock configuration applies to it' in text
    assert '"disabled": objectLockEnabled is False; required true' in text


def test_a_platform_stack_without_its_archive_violates_and_other_projects_are_not_judged(stack) -> None:
    stack("prod")
    [missing] = stack_messages([environment()], LOCK_POLICY)
    assert "declares no S3 bucket" in missing
    portal_bucket = resource("aws:s3/bucket:Bucket", "portal-bucket", {"objectLockEnabled": False})
    assert stack_messages([portal_bucket], LOCK_POLICY) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"reviewers": DROP}, "it has no required reviewers; required at least one team or user"),
        ({"reviewers": [{"teams": [], "users": []}]}, "it has no required reviewers"),
        ({"reviewers": UNKNOWN}, "reviewers are unknown at preview"),
        ({"reviewers": [{"teams": [UNKNOWN]}]}, "reviewers are unknown at preview"),
        ({"preventSelfReview": DROP}, "preventSelfReview is unset (GitHub's default is false); required true"),
        ({"preventSelfReview": False}, "preventSelfReview is False (GitHub's default is false); required true"),
        ({"canAdminsBypass": DROP}, "canAdminsBypass is unset (GitHub's default is true); required false"),
        ({"canAdminsBypass": True}, "canAdminsBypass is True"),
        ({"deploymentBranchPolicy": DROP}, "deploymentBranchPolicy does not restrict branches; required: main only"),
        ({"deploymentBranchPolicy": UNKNOWN}, "deploymentBranchPolicy is unknown at preview"),
    ],
)
def test_a_looser_production_environment_is_a_mandatory_violation(stack, changes, expected) -> None:
    stack("prod")
    archive = bucket()
    diagnostics = in_process_pack().analyze_stack([archive, lock("lock", archive), environment(**changes)])
    [message] = messages(diagnostics, APPROVAL)
    assert "github:index/repositoryEnvironment:RepositoryEnvironment" in message and "('production')" in message
    assert expected in message
    assert {d.enforcement_level for d in diagnostics if d.policy_name == APPROVAL} == {"mandatory"}


def test_users_count_as_reviewers_and_other_environments_are_not_judged(stack) -> None:
    stack("prod")
    archive = bucket()
    resources = [archive, lock("lock", archive), environment(reviewers=[{"users": [42]}])]
    resources.append(environment("preview-dev", reviewers=DROP, preventSelfReview=DROP, canAdminsBypass=DROP))
    assert stack_messages(resources, APPROVAL) == []


def test_a_platform_stack_without_production_violates(stack) -> None:
    stack("prod")
    archive = bucket()
    [message] = stack_messages([archive, lock("lock", archive), environment("dev")], APPROVAL)
    assert "declares no 'production' GitHub environment" in message


def test_regional_aws_resources_stay_in_sydney_and_an_unknown_region_is_a_violation(stack) -> None:
    stack("prod")
    resources = [
        bucket("sydney"),
        bucket("own-region-sydney", region="ap-southeast-2"),
        bucket("own-region-virginia", region="us-east-1"),
        bucket("provider-singapore", provider=aws_provider("aws-singapore", region="ap-southeast-1")),
        bucket("provider-melbourne", provider=aws_provider("aws-melbourne", region="ap-southeast-4")),
        bucket("provider-region-unset", provider=aws_provider("default_7_51_1", region=None)),
        bucket("provider-region-unknown", provider=aws_provider("aws-unknown", region=UNKNOWN)),
        platform_resource("aws:s3/bucket:Bucket", "no-provider", {"objectLockEnabled": True}),
        platform_resource("aws:iam/role:Role", "global-role", {"name": "writer"}),
    ]
    diagnostics = analyze_each(in_process_pack(), resources)
    assert flagged(diagnostics, RESIDENCY) == {
        "own-region-virginia",
        "provider-singapore",
        "provider-melbourne",
        "provider-region-unset",
        "provider-region-unknown",
        "no-provider",
    }
    text = "\n".join(messages(diagnostics, RESIDENCY))
    assert "the region (its region input) is 'us-east-1' (N. Virginia); required 'ap-southeast-2' (Sydney)" in text
    assert "its provider 'aws-singapore' (region input)) is 'ap-southeast-1' (Singapore)" in text
    assert "the region is unknown (no provider is known for it)" in text
    assert "the region is unknown (its provider 'default_7_51_1' (region unset))" in text


def test_the_archive_bucket_is_protected_in_prod(stack) -> None:
    stack("prod")
    unprotected = platform_resource(
        "aws:s3/bucket:Bucket", "unprotected", {"objectLockEnabled": True}, provider=aws_provider()
    )
    assert flagged(analyze_each(in_process_pack(), [bucket(), unprotected]), "prod-data-protection") == {"unprotected"}


def test_an_aws_data_store_carries_the_tags_itself_or_through_its_providers_defaults(stack) -> None:
    stack("prod")
    tags = {"env": "prod", "owner": "platform-engineering", "data_class": "confidential"}
    as_json = aws_provider("json-defaults", defaultTags=json.dumps({"tags": tags}))  # as provider inputs arrive
    as_object = aws_provider("object-defaults", defaultTags={"tags": {**tags, "env": "dev"}})
    resources = [
        bucket("own-tags"),
        bucket("no-tags", tags=DROP),
        bucket("provider-json", provider=as_json, tags=DROP),
        bucket("provider-object-overridden", provider=as_object, tags={"env": "prod"}),
        bucket("provider-object-wrong-env", provider=as_object, tags=DROP),
        bucket("tags-unknown", tags=UNKNOWN),
        bucket("owner-missing", tags={"env": "prod", "data_class": "confidential"}),
        platform_resource("aws:iam/role:Role", "roles-are-not-data-stores", {}),
    ]
    diagnostics = analyze_each(in_process_pack(), resources)
    assert flagged(diagnostics, "required-tags") == {
        "no-tags",
        "provider-object-wrong-env",
        "tags-unknown",
        "owner-missing",
    }
    text = "\n".join(messages(diagnostics, "required-tags"))
    assert '"no-tags": AWS tags (tags, or the provider\'s defaultTags) is unset; required a map with env' in text
    assert "\"provider-object-wrong-env\": tag 'env' is 'dev'; required 'prod'" in text
    assert "\"owner-missing\": tag 'owner' is missing or empty; required on every AWS data store" in text


RULES = "main-branch-rules"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"


def ruleset(name: str = "main", **changes):
    """A compliant ruleset on main, as RepositoryGovernance declares it, with `changes` to its props or rules."""
    rules = {
        "deletion": True,
        "nonFastForward": True,
        "pullRequest": {"requiredApprovingReviewCount": 1, "requireCodeOwnerReview": True},
        "requiredStatusChecks": {"requiredChecks": [{"context": "Lint, tests and preflight"}]},
    }
    props = {
        "repository": "portal-infra",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"refName": {"includes": ["refs/heads/main"], "excludes": []}},
        "rules": rules,
    }
    for key, value in changes.items():
        if key in rules and value is DROP:
            rules.pop(key)
        elif key in rules:
            rules[key] = value
        elif value is DROP:
            props.pop(key, None)
        else:
            props[key] = value
    return platform_resource(RULESET, name, props)


def platform_stack(*extra):
    archive = bucket()
    return [archive, lock("lock", archive), environment(), *extra]


def test_a_compliant_ruleset_on_main_passes(stack) -> None:
    stack("prod")
    assert stack_messages(platform_stack(ruleset()), RULES) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"enforcement": "evaluate"}, "enforcement is 'evaluate'; required 'active'"),
        (
            {"bypassActors": [{"actorType": "OrganizationAdmin", "bypassMode": "always"}]},
            "bypassActors include ['OrganizationAdmin']; allowed only GitHub Apps",
        ),
        ({"bypassActors": UNKNOWN}, "bypassActors is unknown at preview"),
        ({"deletion": False}, "rules.deletion is False; required true (it forbids deleting main)"),
        ({"nonFastForward": DROP}, "rules.nonFastForward is"),
        ({"pullRequest": DROP}, "rules.pullRequest.requiredApprovingReviewCount is unset; required at least 1"),
        ({"pullRequest": {"requiredApprovingReviewCount": 0, "requireCodeOwnerReview": True}}, "is 0; required"),
        (
            {"pullRequest": {"requiredApprovingReviewCount": 1, "requireCodeOwnerReview": False}},
            "rules.pullRequest.requireCodeOwnerReview is False; required true",
        ),
        ({"requiredStatusChecks": {"requiredChecks": []}}, "rules.requiredStatusChecks.requiredChecks is []"),
        ({"pullRequest": UNKNOWN}, "rules.pullRequest.requiredApprovingReviewCount is unknown at preview"),
    ],
)
def test_a_looser_ruleset_on_main_is_a_mandatory_violation(stack, changes, expected) -> None:
    stack("prod")
    diagnostics = in_process_pack().analyze_stack(platform_stack(ruleset(**changes)))
    found = messages(diagnostics, RULES)
    assert found and all("repositoryRuleset:RepositoryRuleset \"main\" (on 'main')" in m for m in found)
    assert any(expected in m for m in found), found
    assert {d.enforcement_level for d in diagnostics if d.policy_name == RULES} == {"mandatory"}


def test_a_github_app_may_bypass_main_and_nobody_else(stack) -> None:
    stack("prod")
    app = {"actorType": "Integration", "actorId": 3000001, "bypassMode": "always"}
    assert stack_messages(platform_stack(ruleset(bypassActors=[app])), RULES) == []
    admin = {"actorType": "RepositoryRole", "actorId": 5, "bypassMode": "pull_request"}
    [message] = stack_messages(platform_stack(ruleset(bypassActors=[app, admin])), RULES)
    assert "bypassActors include ['RepositoryRole']" in message


def test_a_platform_stack_without_a_ruleset_on_main_violates(stack) -> None:
    stack("prod")
    other = ruleset("tags", conditions={"refName": {"includes": ["refs/tags/*"], "excludes": []}}, deletion=False)
    [message] = stack_messages(platform_stack(other), RULES)
    assert "declares no ruleset on 'main'" in message
    assert stack_messages([ruleset(enforcement="disabled")], RULES) != [], "judged wherever it is declared"
