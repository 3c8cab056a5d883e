"""sentry-alerting (mandatory outside dev) and sentry-alerting-dev (advisory in dev)."""

from __future__ import annotations

from blocking_outside_dev import environment_split_tests
from policy_harness import (
    UNKNOWN,
    flagged,
    in_process_pack,
    resource,
    sentry_issue_alert,
    sentry_project,
    vercel_project,
)

MANDATORY = "sentry-alerting"
ADVISORY = "sentry-alerting-dev"


def fixtures():
    by_dependency = sentry_project("by-dependency", slug=UNKNOWN)
    by_slug = sentry_project("by-slug", slug="portal-guest", name="Portal Guest")
    by_name = sentry_project("by-name", slug=UNKNOWN, name="portal-agency")
    # matched only by the slug: the name, even slugified ("guest-portal"), is not what the alert names
    by_slug_only = sentry_project("by-slug-only", slug="portal-share", name="Guest Portal")
    # matched only by the slugified name: the slug is an output, unknown at preview
    by_slugified_name = sentry_project("by-slugified-name", slug=UNKNOWN, name="Portal Admin (AU)")
    unalerted = sentry_project("unalerted", slug="portal-unalerted", name="portal-unalerted")
    unprovable = sentry_project("unprovable", slug=UNKNOWN, name=UNKNOWN)
    return [
        by_dependency,
        sentry_issue_alert("alert-by-dependency", for_project=by_dependency, project=UNKNOWN),
        by_slug,
        sentry_issue_alert("alert-by-slug", project="portal-guest"),
        by_name,
        sentry_issue_alert("alert-by-name", project="portal-agency"),
        by_slug_only,
        sentry_issue_alert("alert-by-slug-only", project="portal-share"),
        by_slugified_name,
        sentry_issue_alert("alert-by-slugified-name", project="portal-admin-au"),
        # names a project by something close to, but not, its slug or name: matches nothing
        sentry_project("near-miss", slug="portal-near", name="Portal Near"),
        sentry_issue_alert("alert-near-miss", project="portal-near-miss"),
        unalerted,
        unprovable,
        sentry_issue_alert("alert-for-another-project", project="someone-else"),
        sentry_issue_alert("alert-unmatchable", project=UNKNOWN),
        sentry_issue_alert("alert-unmatchable-too", project=UNKNOWN),
        # sorts before every other project: an alert bound to one project never counts for another
        sentry_project("aaa-unalerted", slug="portal-aaa", name="portal-aaa"),
        # not issue alerts, whatever their `project` says: a metric alert, another provider's alert policy
        resource("sentry:index/sentryMetricAlert:SentryMetricAlert", "metric-alert", {"project": "portal-unalerted"}),
        resource("gcp:monitoring/alertPolicy:AlertPolicy", "gcp-alert", {"project": "portal-aaa"}),
        # not Sentry projects, so never reported here
        vercel_project("a-vercel-site"),
    ]


UNALERTED = {"unalerted", "unprovable", "near-miss", "aaa-unalerted"}


test_blocks_outside_dev, test_advises_in_dev = environment_split_tests(MANDATORY, ADVISORY, fixtures, UNALERTED)


def test_message_names_the_project_and_the_fix(stack):
    stack("prod")
    diagnostics = in_process_pack().analyze_stack(fixtures())
    [message] = [d.message for d in diagnostics if d.policy_name == MANDATORY and d.urn.endswith("::unprovable")]
    assert 'sentry:index/sentryProject:SentryProject "unprovable"' in message
    assert "2 issue alert(s) have a project unknown at preview" in message
    assert "SentryIssueAlert" in message


def test_a_project_with_its_alert_passes(stack):
    stack("prod")
    project = sentry_project()
    diagnostics = in_process_pack().analyze_stack([project, sentry_issue_alert(for_project=project)])
    assert flagged(diagnostics, MANDATORY) | flagged(diagnostics, ADVISORY) == set()
