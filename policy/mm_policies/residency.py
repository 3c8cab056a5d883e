"""au-data-residency and au-data-residency-exceptions: customer data stays in Australia.

A policy has one enforcement level, and a documented exception must be visible (advisory) while a missing
one blocks (mandatory), so the rule is two policies. The exception register is `au-data-residency`'s
config, its only home: that policy blocks every Sentry resource no active exception covers, and
`au-data-residency-exceptions` notes every Sentry project (where Sentry keeps the events) as data leaving
Australia under that exception, so nothing passes silently. Keys and alert rules hold configuration, not
events, so noting each of them again would only bury the note an auditor needs.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import tokens
from .props import UNKNOWN, UNKNOWN_HINT, UNSET, describe, fail_closed, get, plain, show
from .tokens import place

NEON_REGION = "aws-ap-southeast-2"
UPSTASH_REGION = "global"
UPSTASH_PRIMARY_REGION = "ap-southeast-2"
UPSTASH_AU_REGIONS = frozenset({"ap-southeast-2"})  # read regions inside Australia (none besides the primary)
VERCEL_REGION = "syd1"
VERCEL_DEFAULT_REGION = "iad1"
# Grafana Cloud's Australian regions (grafana.com/docs/grafana-cloud/security-and-account-management/
# region-url-formats/): a stack keeps its metrics, logs and dashboards in its region.
GRAFANA_AU_REGIONS = ("prod-au-southeast-0", "prod-au-southeast-1")
# The Australian Synthetic Monitoring API hosts (terraform-provider-grafana's SM installation resource).
GRAFANA_AU_SM_URL = re.compile(r"^https://synthetic-monitoring-api-au-southeast(-[0-9]+)?\.grafana\.net/?$")
AWS_REGION = "ap-southeast-2"  # the plan archive's region (platform/); the seed's Australian region

# Services that have no Australian region at all; only a documented exception lets them in.
NO_AU_REGION = {"sentry": "Sentry stores events only in the US or the EU (Frankfurt), fixed per organisation"}

DEFAULT_EXCEPTIONS = [
    {
        "service": "sentry",
        "justification": (
            "Error monitoring has no Australian-hosted option: Sentry stores events only in the US or the EU. "
            "Accepted for error and performance events only; the apps must not send customer records, "
            "request bodies or personal data to Sentry."
        ),
        "approvedBy": "security",
        "reference": "https://docs.sentry.io/organization/data-storage-location/",
    }
]

EXCEPTIONS_SCHEMA = {
    "type": "array",
    "description": "Documented residency exceptions, one per service that has no Australian region.",
    "items": {
        "type": "object",
        "properties": {
            "service": {"type": "string", "enum": sorted(NO_AU_REGION)},
            "justification": {"type": "string", "minLength": 20},
            "approvedBy": {"type": "string", "minLength": 1},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "reference": {"type": "string"},
        },
        "required": ["service", "justification", "approvedBy"],
    },
    "default": DEFAULT_EXCEPTIONS,
}

DOCS = "https://neon.com/docs/introduction/regions"


def exception_for(config: Mapping[str, Any], service: str, today: datetime.date | None = None) -> tuple[Any, str]:
    """The active exception for `service` from the policy config, or None and why there is none."""
    today = today or datetime.date.today()
    entries = [e for e in config.get("exceptions", DEFAULT_EXCEPTIONS) if e.get("service") == service]
    if not entries:
        return None, f"the au-data-residency policy config documents no exception for service {service!r}"
    for entry in entries:
        expires = entry.get("expires")
        if not expires or _date(expires) >= today:
            return entry, ""
    latest = max(entry["expires"] for entry in entries)
    return None, f"the documented exception for service {service!r} expired on {latest}"


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return datetime.date.min  # not a real date: an exception that cannot say when it ends has ended


def _neon_region(subject: str, props: dict[str, Any], field: str, report: ReportViolation, urn: str) -> None:
    region = get(props, field)
    if region == NEON_REGION:
        return
    if region is UNSET:
        found = f"{field} is unset, so Neon uses its default region, which is outside Australia"
    elif region is UNKNOWN:
        found = f"{field} is {UNKNOWN_HINT}"
    else:
        found = f"{field} is {show(region)}{place(region)}, outside Australia"
    report(
        f"{subject}: {found}; required {NEON_REGION!r} (Sydney). Set region_id={NEON_REGION!r}. A Neon "
        f"project's region is fixed at creation, so moving an existing project means a new project and a data "
        f"migration.",
        urn,
    )


def _upstash(subject: str, props: dict[str, Any], report: ReportViolation, urn: str) -> None:
    region = get(props, "region")
    if region != UPSTASH_REGION:
        detail = f"region is {UNKNOWN_HINT}" if region is UNKNOWN else f"region is {show(region)}{place(region)}"
        report(
            f"{subject}: {detail}; required {UPSTASH_REGION!r} with primary_region={UPSTASH_PRIMARY_REGION!r} "
            f"(Sydney). Upstash's regional databases are deprecated; a global database is placed by its primary "
            f"region.",
            urn,
        )
    primary = get(props, "primaryRegion")
    if primary != UPSTASH_PRIMARY_REGION:
        if primary is UNSET:
            detail = "primaryRegion is unset"
        elif primary is UNKNOWN:
            detail = f"primaryRegion is {UNKNOWN_HINT}"
        else:
            detail = f"primaryRegion is {show(primary)}{place(primary)}, outside Australia"
        report(f"{subject}: {detail}; required {UPSTASH_PRIMARY_REGION!r} (Sydney).", urn)
    reads = get(props, "readRegions")
    if reads is UNSET:
        return
    if reads is UNKNOWN or not isinstance(reads, list) or UNKNOWN in reads:
        report(f"{subject}: readRegions is {UNKNOWN_HINT}; leave read regions unset.", urn)
        return
    outside = [r for r in reads if r not in UPSTASH_AU_REGIONS]
    if outside:
        listed = ", ".join(show(r) + place(r) for r in outside)
        report(
            f"{subject}: readRegions include {listed}, outside Australia; required none (Upstash has no read "
            f"region in Australia besides the primary). Remove read_regions.",
            urn,
        )


def _vercel(subject: str, props: dict[str, Any], report: ReportViolation, urn: str) -> None:
    regions = get(props, "resourceConfig", "functionDefaultRegions")
    legacy = get(props, "serverlessFunctionRegion")
    fix = (
        f"Set resource_config={{'function_default_regions': [{VERCEL_REGION!r}]}} (serverless_function_region is "
        f"deprecated; if kept it must be {VERCEL_REGION!r} too)."
    )
    if regions is not UNSET and not isinstance(regions, list):
        regions = [regions]
    effective = ([] if regions in (UNSET, UNKNOWN) else regions) + ([] if legacy is UNSET else [legacy])
    if regions is UNKNOWN or UNKNOWN in effective:
        which = "serverlessFunctionRegion" if legacy is UNKNOWN else "resourceConfig.functionDefaultRegions"
        report(f"{subject}: {which} is {UNKNOWN_HINT}. {fix}", urn)
    else:
        if not effective:
            report(
                f"{subject}: no function region is set, so Vercel runs functions in its default "
                f"{VERCEL_DEFAULT_REGION!r}{place(VERCEL_DEFAULT_REGION)}; required exactly {VERCEL_REGION!r} "
                f"(Sydney). {fix}",
                urn,
            )
        else:
            outside = [r for r in effective if r != VERCEL_REGION]
            if outside:
                listed = ", ".join(show(r) + place(r) for r in outside)
                report(
                    f"{subject}: function regions include {listed}; required exactly {VERCEL_REGION!r} (Sydney). {fix}",
                    urn,
                )
    failover = get(props, "functionFailover")
    if failover is True or failover is UNKNOWN:
        detail = "functionFailover is true" if failover is True else f"functionFailover is {UNKNOWN_HINT}"
        report(
            f"{subject}: {detail}; failover moves functions to a region outside Australia when {VERCEL_REGION!r} is "
            f"degraded. Set function_failover=False.",
            urn,
        )


def _grafana_region(subject: str, region: Any, field: str, report: ReportViolation, urn: str) -> None:
    if region in GRAFANA_AU_REGIONS:
        return
    if region is UNSET:
        found = f"{field} is unset, so Grafana Cloud places the stack in its default region, outside Australia"
    elif region is UNKNOWN:
        found = f"{field} is {UNKNOWN_HINT}"
    else:
        found = f"{field} is {show(region)}{place(region)}, outside Australia"
    allowed = " or ".join(f"{r!r}{place(r)}" for r in GRAFANA_AU_REGIONS)
    report(
        f"{subject}: {found}; required {allowed}. Changing a stack's region replaces the stack: its metrics, logs "
        f"and dashboards do not move.",
        urn,
    )


def _grafana_provider(subject: str, props: dict[str, Any], report: ReportViolation, urn: str) -> None:
    url = get(props, "smUrl")
    if url is UNSET and get(props, "smAccessToken") is UNSET:
        return  # not a Synthetic Monitoring provider
    if isinstance(url, str) and GRAFANA_AU_SM_URL.match(url):
        return
    if url is UNSET:
        found = "smUrl is unset, so the provider talks to Synthetic Monitoring's default (US) API"
    elif url is UNKNOWN:
        found = f"smUrl is {UNKNOWN_HINT}"
    else:
        found = f"smUrl is {show(url)}, not an Australian Synthetic Monitoring API"
    report(
        f"{subject}: {found}; required https://synthetic-monitoring-api-au-southeast[-N].grafana.net, the API of "
        f"the stack's Australian region.",
        urn,
    )


def _sentry(subject: str, config: Mapping[str, Any], report: ReportViolation, urn: str) -> None:
    exception, why_not = exception_for(config, "sentry")
    if exception is None:
        report(
            f"{subject}: {NO_AU_REGION['sentry']}, and {why_not}. Security must document the exception (service, "
            f"justification, approvedBy) in the au-data-residency policy config `exceptions`, or the resource must "
            f"go.",
            urn,
        )


def _aws(subject: str, args: ResourceValidationArgs, report: ReportViolation) -> None:
    """A regional AWS resource is where its own `region` input says (pulumi-aws 7), else where its provider
    is; a region nobody can read before the update is a violation, so is a default provider's missing one."""
    region, source = get(plain(args.props), "region"), "its region input"
    if region is UNSET:
        provider = args.provider
        if provider is None:
            region, source = UNSET, "no provider is known for it"
        else:
            region = get(plain(provider.props), "region")
            source = f"its provider {provider.name!r} (region {'unset' if region is UNSET else 'input'})"
    if region == AWS_REGION:
        return
    if region is UNKNOWN:
        found = f"the region ({source}) is {UNKNOWN_HINT}"
    elif region is UNSET:
        found = f"the region is unknown ({source}), so AWS would use whatever region the credentials default to"
    else:
        found = f"the region ({source}) is {show(region)}{place(region)}"
    report(
        f"{subject}: {found}; required {AWS_REGION!r} (Sydney). Create it with an explicit aws.Provider whose "
        f"region is {AWS_REGION!r} (ResourceOptions(provider=...)), and set no other region on the resource.",
        args.urn,
    )


@fail_closed
def _validate_residency(args: ResourceValidationArgs, report: ReportViolation) -> None:
    subject = describe(args.resource_type, args.name)
    resource_type = args.resource_type
    if resource_type == tokens.NEON_PROJECT:
        _neon_region(subject, plain(args.props), "regionId", report, args.urn)
    elif resource_type == tokens.NEON_ENDPOINT:
        props = plain(args.props)
        if get(props, "regionId") is not UNSET:  # unset: the endpoint lives in its project's region
            _neon_region(subject, props, "regionId", report, args.urn)
    elif resource_type == tokens.UPSTASH_REDIS:
        _upstash(subject, plain(args.props), report, args.urn)
    elif resource_type == tokens.VERCEL_PROJECT:
        _vercel(subject, plain(args.props), report, args.urn)
    elif resource_type.startswith(tokens.SENTRY_PREFIX):
        _sentry(subject, args.get_config(), report, args.urn)
    elif resource_type == tokens.GRAFANA_STACK:
        _grafana_region(subject, get(plain(args.props), "regionSlug"), "regionSlug", report, args.urn)
    elif resource_type == tokens.GRAFANA_MONITORING:
        # The declared region of the stack this environment uses, also when another stack file declares it.
        region = get(plain(args.props), "grafanaStack", "regionSlug")
        _grafana_region(subject, region, "grafanaStack.regionSlug", report, args.urn)
    elif resource_type == tokens.GRAFANA_PROVIDER:
        _grafana_provider(subject, plain(args.props), report, args.urn)
    elif resource_type.startswith(tokens.AWS_PREFIX) and not resource_type.startswith(tokens.AWS_GLOBAL_PREFIXES):
        _aws(subject, args, report)


@fail_closed
def _note_exception(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == tokens.SENTRY_PROJECT:
        report(
            f"{describe(args.resource_type, args.name)}: data leaves Australia ({NO_AU_REGION['sentry']}). Allowed "
            f"only under the residency exception for service 'sentry' documented in the au-data-residency policy "
            f"config (`exceptions`: justification and approver); without an active one, au-data-residency blocks "
            f"this resource. Send Sentry no customer records or personal data.",
            args.urn,
        )


au_data_residency = ResourceValidationPolicy(
    name="au-data-residency",
    display_name="Customer data stays in Australia",
    description=(
        "Neon, Upstash, Vercel and AWS resources run in Sydney (Neon aws-ap-southeast-2; Upstash global with "
        "primary ap-southeast-2 and no read regions; Vercel functions only in syd1, no failover; every regional "
        "AWS resource in ap-southeast-2, an unknown region counting as outside); Grafana Cloud stacks (and the "
        "region each GrafanaMonitoring component declares) are in an Australian region (prod-au-southeast-0 or "
        "-1), and Synthetic Monitoring is reached at its Australian API; services with no Australian region "
        "(Sentry) need a documented, unexpired residency exception."
    ),
    validate=_validate_residency,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={"exceptions": EXCEPTIONS_SCHEMA}),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Neon: region_id='aws-ap-southeast-2' (fixed at creation: a new project). Upstash: region='global', "
        "primary_region='ap-southeast-2', no read_regions. Vercel: resource_config.function_default_regions="
        "['syd1'], function_failover=False. AWS: an explicit provider with region='ap-southeast-2'. Grafana: "
        "region_slug='prod-au-southeast-0' or 'prod-au-southeast-1' (a new stack), provider "
        "sm_url=https://synthetic-monitoring-api-au-southeast[-N].grafana.net. Sentry: "
        "security documents an exception in this policy's config."
    ),
    url=DOCS,
)

au_data_residency_exceptions = ResourceValidationPolicy(
    name="au-data-residency-exceptions",
    display_name="Data leaving Australia under a documented exception",
    description=(
        "Projects of services with no Australian region (Sentry projects, where the events are kept) are "
        "reported, so data leaving Australia under a residency exception is never silent."
    ),
    validate=_note_exception,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps=(
        "Nothing to fix while the exception in au-data-residency's config is current; keep personal data out of "
        "Sentry, and review the exception before it expires."
    ),
    url="https://docs.sentry.io/organization/data-storage-location/",
)
