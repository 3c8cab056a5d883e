"""Platform-project resources for the pack's tests: a compliant archive and `production` environment, as
the engine describes them (URNs of project motion-mavericks-platform, wire property names), each changeable
one field at a time."""

from __future__ import annotations

from typing import Any

from policy_harness import UNKNOWN, _changed, resource

from preflight.analyzer_host import ProviderResource, Resource, make_urn

PLATFORM = "motion-mavericks-platform"
STACK = "test"  # the harness's stack name: the pack reads the environment from PULUMI_STACK
BUCKET = "aws:s3/bucket:Bucket"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
TAGS = {"env": "prod", "owner": "platform-engineering", "data_class": "confidential"}


def platform_resource(type_: str, name: str, props: dict[str, Any], **options: Any) -> Resource:
    return resource(type_, name, props, project=PLATFORM, **options)


def aws_provider(name: str = "aws-sydney", **props: Any) -> ProviderResource:
    return ProviderResource(
        type="pulumi:providers:aws",
        urn=make_urn(PLATFORM, STACK, "pulumi:providers:aws", name),
        name=name,
        properties={"region": "ap-southeast-2", **props},
    )


def archive_component() -> Resource:
    return platform_resource("motion-mavericks:index:PlanArchive", "plan-archive", {"tags": TAGS})


def bucket(name: str = "archive-bucket", provider: ProviderResource | None = None, **changes: Any) -> Resource:
    props = _changed({"bucket": f"mm-{name}", "objectLockEnabled": True, "tags": TAGS}, changes)
    return platform_resource(BUCKET, name, props, provider=provider or aws_provider(), protect=True)


def lock(name: str, for_bucket: Resource | None, *, rule: Any = None, **changes: Any) -> Resource:
    """A lock configuration whose `bucket` is `for_bucket`'s id (unknown at preview, as an output is)."""
    default_rule = {"defaultRetention": {"mode": "COMPLIANCE", "days": 731}}
    props = _changed({"bucket": UNKNOWN, "objectLockEnabled": "Enabled", "rule": rule or default_rule}, changes)
    return platform_resource(
        LOCK,
        name,
        props,
        provider=aws_provider(),
        property_dependencies={"bucket": [for_bucket.urn]} if for_bucket else {},
        dependencies=[for_bucket.urn] if for_bucket else [],
    )


def environment(name: str = "production", **changes: Any) -> Resource:
    props = _changed(
        {
            "repository": "portal-infra",
            "environment": name,
            "reviewers": [{"teams": [7000001]}],
            "preventSelfReview": True,
            "canAdminsBypass": False,
            "deploymentBranchPolicy": {"protectedBranches": False, "customBranchPolicies": True},
        },
        changes,
    )
    return platform_resource(ENVIRONMENT, f"env-{name}-{len(changes)}-{sorted(changes)}", props)
