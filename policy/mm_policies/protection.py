"""prod-data-protection: in prod, the resources that hold data cannot be deleted by a Pulumi operation."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import environment, tokens
from .props import describe, fail_closed

# A Neon database or branch is deleted on its own, inside a protected project: the Neon API's "Delete
# database" drops every object in it (neon.com/docs/reference/api/branches/delete-project-branch-database),
# "Delete branch" removes the branch and its data. So each is a data store in its own right.
DATA_STORES = (
    tokens.NEON_PROJECT,
    tokens.NEON_BRANCH,
    tokens.NEON_DATABASE,
    tokens.UPSTASH_REDIS,
    *tokens.AWS_S3_BUCKETS,
)


@fail_closed
def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in DATA_STORES:
        return
    env = environment.current()
    if not env.is_prod:
        args.not_applicable(f"applies in prod only; this stack's environment is {env.name} ({env.how})")
    if not args.opts.protect:
        report(
            f"{describe(args.resource_type, args.name)}: the protect resource option is not set; in prod "
            f"({env.how}) a data store must be protected so that a destroy, a replacement or a removed line of "
            f"code cannot delete its data. Pass opts=ResourceOptions(protect=True).",
            args.urn,
        )


prod_data_protection = ResourceValidationPolicy(
    name="prod-data-protection",
    display_name="Prod data stores are protected from deletion",
    description=(
        "In prod, every Neon project, Neon branch and Neon database, Upstash Redis database and S3 bucket (the "
        "plan archive) has the protect resource option."
    ),
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps=(
        "Create the resource with ResourceOptions(protect=True); to delete it on purpose, first unprotect it "
        "(`pulumi state unprotect`) in a reviewed change."
    ),
    url="https://www.pulumi.com/docs/iac/concepts/options/protect/",
)
