"""plan-archive-lock, production-approval and main-branch-rules: the delivery system's own guard rails
(platform/) stay tight.

Both are stack policies, because each must notice what is missing as well as what is loosened: a platform
stack without its archive bucket or its `production` environment is a violation, not a silent pass. The
platform project is recognised by its name in the resources' URNs (`urn:pulumi:<stack>::<project>::...`).

Sources of the property names: pulumi-aws 7.51.1 (`objectLockEnabled` on the bucket;
`rule.defaultRetention.{mode,days,years}` on `BucketObjectLockConfiguration`) and pulumi-github 6.15.0
(`environment`, `reviewers[].{teams,users}`, `preventSelfReview`, `canAdminsBypass`,
`deploymentBranchPolicy` on `RepositoryEnvironment`; `target`, `enforcement`, `bypassActors`,
`conditions.refName.includes`, `rules.{deletion,nonFastForward,pullRequest,requiredStatusChecks}` on
`RepositoryRuleset`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import tokens
from .props import UNKNOWN, UNKNOWN_HINT, UNSET, describe, fail_closed, get, is_number, plain, show

ARCHIVE_MODE = "COMPLIANCE"
ARCHIVE_MINIMUM_DAYS = 731  # 24 months, a leap day included
DAYS_PER_YEAR = 365  # how S3 counts a retention given in years
PRODUCTION = "production"
PLATFORM_PROJECT = "motion-mavericks-platform"  # platform/Pulumi.yaml's name
MAIN = "main"


def project_of(resource: PolicyResource) -> str:
    parts = resource.urn.split("::")
    return parts[1] if len(parts) > 2 else ""


def _in_platform(resources: Iterable[PolicyResource]) -> bool:
    return any(project_of(r) == PLATFORM_PROJECT for r in resources)


def _targets(lock: PolicyResource, bucket: PolicyResource, bucket_props: dict[str, Any]) -> bool:
    """Whether a lock configuration is for this bucket: through its `bucket` input's dependency (the usual
    `bucket=bucket.id`), or by name when both are known."""
    if any(dep.urn == bucket.urn for dep in lock.property_dependencies.get("bucket", [])):
        return True
    target = get(plain(lock.props), "bucket")
    names = {get(bucket_props, "bucket"), get(bucket_props, "id")} - {UNSET, UNKNOWN}
    return isinstance(target, str) and target in names


def _retention_problem(rule: Any) -> str | None:
    """What is wrong with a `{defaultRetention: {mode, days|years}}` rule, or None."""
    retention = get(rule, "defaultRetention")
    if retention is UNKNOWN:
        return f"its default retention is {UNKNOWN_HINT}"
    if retention is UNSET:
        return "it sets no default retention, so objects are written unlocked"
    mode, days, years = get(retention, "mode"), get(retention, "days"), get(retention, "years")
    problems = []
    if mode is UNKNOWN:
        problems.append(f"mode is {UNKNOWN_HINT}")
    elif mode != ARCHIVE_MODE:
        problems.append(
            f"mode is {show(mode)}; required {ARCHIVE_MODE!r} (GOVERNANCE can be bypassed by a privileged user)"
        )
    if days is UNKNOWN or years is UNKNOWN:
        problems.append(f"the retention period is {UNKNOWN_HINT}")
    else:
        total = (days if is_number(days) else 0) + (years * DAYS_PER_YEAR if is_number(years) else 0)
        if total < ARCHIVE_MINIMUM_DAYS:
            given = show(days) + " days" if days is not UNSET else show(years) + " years"
            problems.append(f"the retention is {given}; required at least {ARCHIVE_MINIMUM_DAYS} days (24 months)")
    return "; ".join(problems) or None


@fail_closed
def _validate_archive_lock(args: StackValidationArgs, report: ReportViolation) -> None:
    if not _in_platform(args.resources):
        return
    buckets = [r for r in args.resources if r.resource_type in tokens.AWS_S3_BUCKETS]
    locks = [r for r in args.resources if r.resource_type in tokens.AWS_S3_OBJECT_LOCKS]
    if not buckets:
        report(
            f"the {PLATFORM_PROJECT} stack declares no S3 bucket, so prod's plans have no archive; declare "
            f"the PlanArchive component (platform/governance/plan_archive.py)."
        )
        return
    for bucket in buckets:
        subject = describe(bucket.resource_type, bucket.name)
        props = plain(bucket.props)
        enabled = get(props, "objectLockEnabled")
        if enabled is not True:
            detail = UNKNOWN_HINT if enabled is UNKNOWN else show(enabled)
            report(
                f"{subject}: objectLockEnabled is {detail}; required true (Object Lock can only be switched on "
                f"when the bucket is created). Every bucket of the platform project is part of the plan archive.",
                bucket.urn,
            )
        rules = [("its inline objectLockConfiguration", get(props, "objectLockConfiguration", "rule"))]
        rules = [(where, rule) for where, rule in rules if rule is not UNSET]
        rules += [
            (describe(lock.resource_type, lock.name), get(plain(lock.props), "rule"))
            for lock in locks
            if _targets(lock, bucket, props)
        ]
        if not rules:
            report(
                f"{subject}: no Object Lock configuration applies to it; required a "
                f"{tokens.AWS_S3_OBJECT_LOCK} with mode {ARCHIVE_MODE!r} for at least {ARCHIVE_MINIMUM_DAYS} days.",
                bucket.urn,
            )
        for where, rule in rules:
            problem = _retention_problem(rule)
            if problem:
                report(f"{subject}: {where}: {problem}.", bucket.urn)


def _reviewer_count(reviewers: Any) -> int | None:
    """How many teams and users are required reviewers; None if unknown at preview."""
    if reviewers is UNSET:
        return 0
    if reviewers is UNKNOWN or not isinstance(reviewers, list):
        return None
    count = 0
    for entry in reviewers:
        for kind in ("teams", "users"):
            ids = get(entry, kind)
            if ids is UNKNOWN or (isinstance(ids, list) and UNKNOWN in ids):
                return None
            count += len(ids) if isinstance(ids, list) else 0
    return count


def _production_problems(props: dict[str, Any]) -> list[str]:
    problems = []
    count = _reviewer_count(get(props, "reviewers"))
    if count is None:
        problems.append(f"reviewers are {UNKNOWN_HINT}")
    elif count == 0:
        problems.append("it has no required reviewers; required at least one team or user")
    self_review = get(props, "preventSelfReview")
    if self_review is not True:
        found = UNKNOWN_HINT if self_review is UNKNOWN else show(self_review) + " (GitHub's default is false)"
        problems.append(f"preventSelfReview is {found}; required true, so the author cannot approve")
    bypass = get(props, "canAdminsBypass")
    if bypass is not False:
        found = UNKNOWN_HINT if bypass is UNKNOWN else show(bypass) + " (GitHub's default is true)"
        problems.append(f"canAdminsBypass is {found}; required false, so nobody skips the approval")
    branches = get(props, "deploymentBranchPolicy")
    if branches is UNKNOWN:
        problems.append(f"deploymentBranchPolicy is {UNKNOWN_HINT}")
    elif branches is UNSET or not (
        get(branches, "customBranchPolicies") is True or get(branches, "protectedBranches") is True
    ):
        problems.append("deploymentBranchPolicy does not restrict branches; required: main only")
    return problems


@fail_closed
def _validate_production(args: StackValidationArgs, report: ReportViolation) -> None:
    environments = [r for r in args.resources if r.resource_type == tokens.GITHUB_ENVIRONMENT]
    production = [r for r in environments if get(plain(r.props), "environment") == PRODUCTION]
    if not production and _in_platform(args.resources):
        report(
            f"the {PLATFORM_PROJECT} stack declares no {PRODUCTION!r} GitHub environment, so prod's deploy "
            f"job would run without an approval gate; declare it (github.environments.{PRODUCTION})."
        )
    for environment in production:
        for problem in _production_problems(plain(environment.props)):
            report(
                f"{describe(environment.resource_type, environment.name)} ({PRODUCTION!r}): {problem}.",
                environment.urn,
            )


def _targets_main(ruleset: dict[str, Any]) -> bool:
    includes = get(ruleset, "conditions", "refName", "includes")
    return (
        get(ruleset, "target") == "branch"
        and isinstance(includes, list)
        and bool({f"refs/heads/{MAIN}", MAIN, "~DEFAULT_BRANCH", "~ALL"} & set(includes))
    )


def _ruleset_problems(props: dict[str, Any]) -> list[str]:
    problems = []
    enforcement = get(props, "enforcement")
    if enforcement != "active":
        problems.append(f"enforcement is {show(enforcement)}; required 'active'")
    bypass = get(props, "bypassActors")
    if bypass is UNKNOWN:
        problems.append(f"bypassActors is {UNKNOWN_HINT}")
    elif isinstance(bypass, list):
        people = [get(actor, "actorType") for actor in bypass if get(actor, "actorType") != "Integration"]
        if people:
            problems.append(
                f"bypassActors include {show(people)}; allowed only GitHub Apps (actorType 'Integration', such as the "
                f"compliance register's), so no person, team, role or administrator skips review"
            )
    rules = get(props, "rules")
    for flag, why in (("deletion", "deleting main"), ("nonFastForward", "force-pushing to main")):
        if get(rules, flag) is not True:
            problems.append(f"rules.{flag} is {show(get(rules, flag))}; required true (it forbids {why})")
    pull_request = get(rules, "pullRequest")
    approvals = get(pull_request, "requiredApprovingReviewCount")
    if not (is_number(approvals) and approvals >= 1):
        problems.append(f"rules.pullRequest.requiredApprovingReviewCount is {show(approvals)}; required at least 1")
    if get(pull_request, "requireCodeOwnerReview") is not True:
        found = show(get(pull_request, "requireCodeOwnerReview"))
        problems.append(f"rules.pullRequest.requireCodeOwnerReview is {found}; required true")
    checks = get(rules, "requiredStatusChecks", "requiredChecks")
    if checks is UNKNOWN or not isinstance(checks, list) or not checks:
        problems.append(f"rules.requiredStatusChecks.requiredChecks is {show(checks)}; required the workflows' checks")
    return problems


@fail_closed
def _validate_main(args: StackValidationArgs, report: ReportViolation) -> None:
    rulesets = [r for r in args.resources if r.resource_type == tokens.GITHUB_RULESET]
    on_main = [r for r in rulesets if _targets_main(plain(r.props))]
    if not on_main and _in_platform(args.resources):
        report(
            f"the {PLATFORM_PROJECT} stack declares no ruleset on {MAIN!r}, so a change could reach it without a "
            f"reviewed pull request; declare it (github.branchRules)."
        )
    for ruleset in on_main:
        for problem in _ruleset_problems(plain(ruleset.props)):
            report(f"{describe(ruleset.resource_type, ruleset.name)} (on {MAIN!r}): {problem}.", ruleset.urn)


plan_archive_lock = StackValidationPolicy(
    name="plan-archive-lock",
    display_name="The prod plan archive is locked in compliance mode for 24 months",
    description=(
        "In the platform project, there is an S3 bucket, and every S3 bucket has Object Lock enabled with a "
        "default retention in COMPLIANCE mode of at least 731 days."
    ),
    validate=_validate_archive_lock,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Keep the PlanArchive component: aws.s3.Bucket(object_lock_enabled=True) and "
        "aws.s3.BucketObjectLockConfiguration(rule={'default_retention': {'mode': 'COMPLIANCE', 'days': 731}}); "
        "archive.retentionDays in platform/Pulumi.prod.yaml may only grow."
    ),
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html",
)

production_approval = StackValidationPolicy(
    name="production-approval",
    display_name="Prod deploys wait for a reviewer who is not the author",
    description=(
        "The GitHub environment 'production' has required reviewers, prevents self-review, lets no admin "
        "bypass it and accepts deployments from restricted branches only; the platform project must declare it."
    ),
    validate=_validate_production,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "In platform/Pulumi.prod.yaml keep github.environments.production with reviewers, preventSelfReview: true, "
        "canAdminsBypass: false and branches: [main]."
    ),
    url="https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment",
)

main_branch_rules = StackValidationPolicy(
    name="main-branch-rules",
    display_name="Main takes reviewed, checked pull requests only",
    description=(
        "A GitHub ruleset on main is active, lets no person, team or role bypass it (GitHub Apps only), forbids "
        "deletion and force pushes, and "
        "requires a pull request with at least one approval, code-owner review and required status checks; the "
        "platform project must declare it."
    ),
    validate=_validate_main,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps=(
        "Keep github.branchRules in platform/Pulumi.prod.yaml (requiredApprovals at least 1, requiredChecks the "
        "pull-request workflow's job names); RepositoryGovernance sets the rest."
    ),
    url="https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/about-rulesets",
)
