"""monitoring-coverage and monitoring-coverage-dev: every site domain is watched, and prod tells its owner.

A Vercel site domain (`vercel:index/projectDomain:ProjectDomain`, its `domain`) is watched when an enabled
Grafana Synthetic Monitoring check (`grafana:syntheticMonitoring/check:Check`) targets that host and lists at
least one probe. In prod, the stack also needs a Grafana contact point with at least one integration, or an
alert reaches no one. Values unknown at preview prove nothing: a domain, target or probe list that is
unknown counts as not watched.

Like `sentry-alerting`, the rule is two policies declared by `environment.blocking_outside_dev`:
`monitoring-coverage` (mandatory) in staging, prod and anything unrecognised, `monitoring-coverage-dev`
(advisory) in dev.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import PolicyResource, ReportViolation, Severity, StackValidationArgs

from . import environment, tokens
from .props import UNKNOWN, UNSET, describe, get, is_number, plain, show

# A contact point's integrations: the list-valued inputs of grafana:alerting/contactPoint:ContactPoint.
CONTACT_INTEGRATIONS = (
    "alertmanagers",
    "dingdings",
    "discords",
    "emails",
    "googlechats",
    "jiras",
    "kafkas",
    "lines",
    "oncalls",
    "opsgenies",
    "pagerduties",
    "pushovers",
    "sensugos",
    "slacks",
    "sns",
    "teams",
    "telegrams",
    "threemas",
    "victorops",
    "webexes",
    "webhooks",
    "wecoms",
)


def _host(target: Any) -> Any:
    """The hostname a check's target names (`https://host/path`, or a bare host), UNKNOWN, or None."""
    if target is UNKNOWN:
        return UNKNOWN
    if not isinstance(target, str) or not target:
        return None
    try:
        host = urlsplit(target if "://" in target else f"https://{target}").hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def _probes(props: dict[str, Any]) -> Any:
    """The check's probe ids: a non-empty list of known numbers, or why not (UNSET, UNKNOWN or [])."""
    probes = get(props, "probes")
    if probes is UNSET or probes is UNKNOWN:
        return probes
    if not isinstance(probes, list) or UNKNOWN in probes:
        return UNKNOWN
    return [p for p in probes if is_number(p)]


class _Check:
    def __init__(self, resource: PolicyResource) -> None:
        props = plain(resource.props)
        self.name = resource.name
        self.host = _host(get(props, "target"))
        self.probes = _probes(props)
        self.enabled = get(props, "enabled")

    def why_not_watching(self) -> str | None:
        if self.enabled is False:
            return f'check "{self.name}" is disabled (enabled: false)'
        if self.enabled is UNKNOWN:
            return f'check "{self.name}" has enabled unknown at preview'
        if self.probes is UNSET or self.probes == []:
            return f'check "{self.name}" lists no probe ({show(self.probes) if self.probes is UNSET else "[]"})'
        if self.probes is UNKNOWN:
            return f'check "{self.name}" has probes unknown at preview, so it cannot be shown to run anywhere'
        return None


def _domain(resource: PolicyResource) -> Any:
    domain = get(plain(resource.props), "domain")
    return domain.rstrip(".").lower() if isinstance(domain, str) else domain


def _coverage(args: StackValidationArgs, report: ReportViolation) -> None:
    checks = [_Check(r) for r in args.resources if r.resource_type == tokens.GRAFANA_CHECK]
    unmatched = [c for c in checks if c.host is UNKNOWN]
    caveat = (
        f" ({len(unmatched)} check(s) have a target unknown at preview and cannot be matched: give target a value "
        f"known before deployment, such as https://<domain>/)"
        if unmatched
        else ""
    )
    fix = (
        f"Add a {tokens.GRAFANA_CHECK} with target='https://<domain>/' and probes=[<an Australian probe's id>] (the "
        f"GrafanaMonitoring component does this for every VercelSite domain)."
    )
    for resource in args.resources:
        if resource.resource_type != tokens.VERCEL_DOMAIN:
            continue
        subject = describe(resource.resource_type, resource.name)
        domain = _domain(resource)
        if domain is UNKNOWN or domain is UNSET:
            state = "unknown at preview" if domain is UNKNOWN else "unset"
            report(f"{subject}: domain is {state}, so no check can be shown to watch it. {fix}", resource.urn)
            continue
        targeting = [c for c in checks if c.host == domain]
        reasons = [c.why_not_watching() for c in targeting]
        if any(reason is None for reason in reasons):
            continue
        if targeting:
            found = "; ".join(r for r in reasons if r)
            report(f"{subject}: {domain!r} is not watched: {found}. {fix}", resource.urn)
        else:
            report(
                f"{subject}: no {tokens.GRAFANA_CHECK} targets {domain!r}{caveat}, so nobody is told when it is down "
                f"or its certificate expires. {fix}",
                resource.urn,
            )


def _contact_point(args: StackValidationArgs, report: ReportViolation) -> None:
    points = [r for r in args.resources if r.resource_type == tokens.GRAFANA_CONTACT_POINT]
    for point in points:
        props = plain(point.props)
        if any(_integrations(get(props, key)) for key in CONTACT_INTEGRATIONS):
            return
    found = (
        f"{len(points)} contact point(s), none with an integration that can be shown to reach someone"
        if points
        else "no contact point"
    )
    report(
        f"prod has {found}, so its alerts reach no one. Add a {tokens.GRAFANA_CONTACT_POINT} with "
        f"emails=[{{'addresses': [<the owner's address>]}}] (and a notification policy that routes to it)."
    )


def _integrations(value: Any) -> bool:
    """Whether an integration list holds one known entry (an `emails` entry needs a known address)."""
    if not isinstance(value, list):
        return False
    for entry in value:
        if not isinstance(entry, dict):
            continue
        addresses = entry.get("addresses")
        if "addresses" not in entry or (isinstance(addresses, list) and any(isinstance(a, str) for a in addresses)):
            return True
    return False


def _check(args: StackValidationArgs, report: ReportViolation, env: environment.Environment) -> None:
    _coverage(args, report)
    # Only a stack with something to watch needs someone to tell (the platform project has no sites).
    watched = {tokens.VERCEL_DOMAIN, tokens.GRAFANA_CHECK}
    if env.is_prod and any(r.resource_type in watched for r in args.resources):
        _contact_point(args, report)


DESCRIPTION = (
    "Every Vercel site domain has an enabled Grafana Synthetic Monitoring check with at least one probe, and prod "
    "has a Grafana contact point that reaches someone."
)
REMEDIATION = (
    "Give each site domain a grafana.syntheticmonitoring.Check (target https://<domain>/, probes from Australia) "
    "and, in prod, a grafana.alerting.ContactPoint with the owner's e-mail: the GrafanaMonitoring component does "
    "both from the stack's `grafana` settings."
)
URL = "https://grafana.com/docs/grafana-cloud/testing/synthetic-monitoring/"

monitoring_coverage, monitoring_coverage_dev = environment.blocking_outside_dev(
    "monitoring-coverage",
    display_name="Every site is watched and prod alerts its owner",
    dev_display_name="Every site is watched",  # no contact point is asked of dev
    description=DESCRIPTION,
    remediation=REMEDIATION,
    url=URL,
    severity=Severity.HIGH,
    check=_check,
)
