"""required-tags and required-tags-ancestry: every resource is owned, classified and in the right environment.

A policy is either a resource or a stack policy, so this rule is two: `required-tags` checks each of our
components' `tags` input (Analyze sees inputs), and `required-tags-ancestry` checks that every custom
resource sits inside one of those components (only a stack policy sees parents). AnalyzeStack sees
outputs, which for a component are whatever it registered, so the tags themselves are judged by the
resource policy only.
"""

from __future__ import annotations

import json

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import environment, tokens
from .props import UNKNOWN, UNKNOWN_HINT, UNSET, describe, fail_closed, get, plain, show

REQUIRED_TAGS = ("env", "owner", "data_class")
DATA_CLASSES = ("public", "internal", "confidential", "restricted")


@fail_closed
def _validate_component_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type.startswith(tokens.COMPONENT_PREFIX):
        subject = describe(args.resource_type, args.name)
        _check_tags(subject, get(plain(args.props), "tags"), "input tags", "component", report, args.urn)
    elif args.resource_type in tokens.AWS_S3_BUCKETS:
        # AWS billing and AWS's own tools see the resource's tags, not our component's: the data store carries
        # them itself, from its `tags` input or its provider's `defaultTags`.
        subject = describe(args.resource_type, args.name)
        tags = _aws_tags(plain(args.props), plain(args.provider.props) if args.provider else {})
        _check_tags(subject, tags, "AWS tags (tags, or the provider's defaultTags)", "AWS data store", report, args.urn)


def _aws_tags(props: dict, provider: dict) -> object:
    """The tags AWS applies: the provider's `defaultTags.tags` (an object, or JSON text as provider inputs
    may be), overridden by the resource's `tags`."""
    defaults = get(provider, "defaultTags")
    if isinstance(defaults, str):
        try:
            defaults = json.loads(defaults)
        except ValueError:
            defaults = UNSET
    defaults = get(defaults, "tags") if isinstance(defaults, dict) else defaults
    own = get(props, "tags")
    if UNKNOWN in (defaults, own):
        return UNKNOWN
    merged = {**(defaults if isinstance(defaults, dict) else {}), **(own if isinstance(own, dict) else {})}
    return merged or UNSET


def _check_tags(subject: str, tags: object, what: str, kind: str, report: ReportViolation, urn: str) -> None:
    if tags is UNSET or tags is UNKNOWN or not isinstance(tags, dict):
        detail = f"{what} is {UNKNOWN_HINT}" if tags is UNKNOWN else f"{what} is {show(tags)}"
        report(f"{subject}: {detail}; required a map with {', '.join(REQUIRED_TAGS)}.", urn)
        return

    env = environment.current()
    for key in REQUIRED_TAGS:
        value = get(tags, key)
        if value is UNSET or value == "":
            report(f"{subject}: tag {key!r} is missing or empty; required on every {kind}.", urn)
        elif value is UNKNOWN:
            report(f"{subject}: tag {key!r} is {UNKNOWN_HINT}.", urn)
        elif not isinstance(value, str):
            report(f"{subject}: tag {key!r} is {show(value)}; required a string.", urn)
        elif key == "env" and value != env.name:
            report(
                f"{subject}: tag 'env' is {value!r}; required {env.name!r}, this stack's environment ({env.how}).", urn
            )
        elif key == "data_class" and value not in DATA_CLASSES:
            report(f"{subject}: tag 'data_class' is {value!r}; required one of {', '.join(DATA_CLASSES)}.", urn)


def _needs_component(resource_type: str) -> bool:
    return not resource_type.startswith((tokens.PROVIDER_PREFIX, tokens.ENGINE_PREFIX, tokens.COMPONENT_PREFIX))


def _outside_components(resource: PolicyResource) -> list[str] | None:
    """None if a motion-mavericks component is among the ancestors, else the ancestors' types."""
    chain: list[str] = []
    ancestor, seen = resource.parent, set()
    while ancestor is not None and ancestor.urn not in seen:
        if ancestor.resource_type.startswith(tokens.COMPONENT_PREFIX):
            return None
        seen.add(ancestor.urn)
        chain.append(ancestor.resource_type)
        ancestor = ancestor.parent
    return chain


@fail_closed
def _validate_ancestry(args: StackValidationArgs, report: ReportViolation) -> None:
    for resource in args.resources:
        if not _needs_component(resource.resource_type):
            continue
        chain = _outside_components(resource)
        if chain is not None:
            report(
                f"{describe(resource.resource_type, resource.name)}: not inside a motion-mavericks component "
                f"(ancestors: {' < '.join(chain) or 'none'}), so it carries no env/owner/data_class tags. Create it "
                f"inside VercelSite, NeonDatabase, UpstashRedis or SentryProject (ResourceOptions(parent=...)).",
                resource.urn,
            )


required_tags = ResourceValidationPolicy(
    name="required-tags",
    display_name="Components carry env, owner and data_class tags",
    description=(
        "Every motion-mavericks component has input tags env (this stack's environment), owner, and data_class "
        "(public, internal, confidential or restricted); so does every AWS S3 bucket, as AWS tags (its own or "
        "its provider's default tags)."
    ),
    validate=_validate_component_tags,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Pass tags={'env': <environment>, 'owner': <team>, 'data_class': <class>} to the component; the program "
        "derives them from the motion-mavericks-portal:tags and :environment stack config."
    ),
    url="https://www.pulumi.com/docs/iac/concepts/resources/components/",
)

required_tags_ancestry = StackValidationPolicy(
    name="required-tags-ancestry",
    display_name="Every resource lives inside a tagged component",
    description=(
        "Every custom resource (providers and the engine's own resources aside) has a motion-mavericks component "
        "among its ancestors, so it inherits that component's tags."
    ),
    validate=_validate_ancestry,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Create the resource with ResourceOptions(parent=<a motion-mavericks component>).",
    url="https://www.pulumi.com/docs/iac/concepts/options/parent/",
)
