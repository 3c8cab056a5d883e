"""sentry-alerting and sentry-alerting-dev: every Sentry project tells someone when it sees a new issue.

The rule blocks outside dev and advises in dev, so it is two policies declared by
`environment.blocking_outside_dev`: `sentry-alerting` (mandatory) for staging, prod and anything
unrecognised, `sentry-alerting-dev` (advisory) for dev.

An issue alert belongs to a project when its `project` input depends on that project (the engine's
property dependencies: robust when the slug is an output, unknown at preview), or when its `project`
value equals the project's `slug` or `name` (for alerts written against a literal slug). Sharing a
parent component is not enough: one component may own several projects.
"""

from __future__ import annotations

import re

from pulumi_policy import PolicyResource, ReportViolation, Severity, StackValidationArgs

from . import environment, tokens
from .props import UNKNOWN, describe, get, plain


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")


def _identifiers(project: PolicyResource) -> set[str]:
    props = plain(project.props)
    names = {value for value in (get(props, "slug"), get(props, "name")) if isinstance(value, str)}
    return names | {_slugify(name) for name in names}


def _alerted(project: PolicyResource, alerts: list[PolicyResource]) -> bool:
    identifiers = _identifiers(project)
    for alert in alerts:
        if any(dep.urn == project.urn for dep in alert.property_dependencies.get("project", [])):
            return True
        if get(plain(alert.props), "project") in identifiers:
            return True
    return False


def _check(args: StackValidationArgs, report: ReportViolation, _env: environment.Environment) -> None:
    projects = [r for r in args.resources if r.resource_type == tokens.SENTRY_PROJECT]
    alerts = [r for r in args.resources if r.resource_type == tokens.SENTRY_ISSUE_ALERT]
    unmatched = [
        a for a in alerts if get(plain(a.props), "project") is UNKNOWN and not a.property_dependencies.get("project")
    ]
    for project in projects:
        if _alerted(project, alerts):
            continue
        caveat = (
            f" ({len(unmatched)} issue alert(s) have a project unknown at preview and no dependency on a project, "
            f"so they cannot be matched: pass the SentryProject's slug output as project=)"
            if unmatched
            else ""
        )
        report(
            f"{describe(project.resource_type, project.name)}: no sentry:index/sentryIssueAlert:SentryIssueAlert "
            f"targets it{caveat}, so a new error in this app notifies no one. Create a SentryIssueAlert with "
            f"project=<this project's slug output> and at least one action.",
            project.urn,
        )


DESCRIPTION = "Every Sentry project has at least one issue alert, so new errors reach a person."
REMEDIATION = (
    "Add a sentry.SentryIssueAlert with project=<the SentryProject's slug output>, conditions for new issues, and "
    "an action (e-mail or Slack) to the component that creates the project."
)
URL = "https://docs.sentry.io/product/alerts/alert-types/#issue-alerts"

sentry_alerting, sentry_alerting_dev = environment.blocking_outside_dev(
    "sentry-alerting",
    display_name="Sentry projects alert someone",
    description=DESCRIPTION,
    remediation=REMEDIATION,
    url=URL,
    severity=Severity.MEDIUM,
    check=_check,
)
