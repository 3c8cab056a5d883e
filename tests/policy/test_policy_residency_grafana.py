"""au-data-residency for Grafana: Cloud stacks, the region each GrafanaMonitoring component declares, and the
Synthetic Monitoring API a provider talks to, over passing, failing, unset and unknown fixtures."""

from __future__ import annotations

import pytest
from policy_harness import (
    DROP,
    UNKNOWN,
    analyze_each,
    flagged,
    grafana_monitoring,
    grafana_provider,
    grafana_stack,
    in_process_pack,
    messages,
    resource,
)

RESIDENCY = "au-data-residency"


def fixtures():
    return [
        grafana_stack("stack-au-aws"),
        grafana_stack("stack-au-gcp", regionSlug="prod-au-southeast-0"),
        grafana_stack("stack-singapore", regionSlug="prod-ap-southeast-1"),
        grafana_stack("stack-us", regionSlug="prod-us-central-0"),
        grafana_stack("stack-legacy-alias", regionSlug="au"),  # an alias, not a documented slug: refused
        grafana_stack("stack-region-unset", regionSlug=DROP),
        grafana_stack("stack-region-null", regionSlug=None),
        grafana_stack("stack-region-unknown", regionSlug=UNKNOWN),
        grafana_monitoring("monitoring-au"),
        grafana_monitoring("monitoring-shared-au", declaredBy="the staging stack file"),
        grafana_monitoring("monitoring-eu", region="prod-eu-west-2"),
        grafana_monitoring("monitoring-no-stack", region=DROP),
        grafana_monitoring("monitoring-region-unknown", region=UNKNOWN),
        grafana_provider("provider-sm-au"),
        grafana_provider("provider-sm-au-legacy", smUrl="https://synthetic-monitoring-api-au-southeast.grafana.net"),
        grafana_provider("provider-cloud-only", url=DROP, auth=DROP, smUrl=DROP, smAccessToken=DROP),
        grafana_provider("provider-sm-us", smUrl="https://synthetic-monitoring-api.grafana.net"),
        grafana_provider(
            "provider-sm-lookalike", smUrl="https://synthetic-monitoring-api-au-southeast.grafana.net.evil.example"
        ),
        grafana_provider("provider-sm-url-unset", smUrl=DROP),
        grafana_provider("provider-sm-url-unknown", smUrl=UNKNOWN),
        resource("grafana:oss/folder:Folder", "folder", {"title": "Portal"}),  # holds no placement: not judged
    ]


VIOLATIONS = {
    "stack-singapore",
    "stack-us",
    "stack-legacy-alias",
    "stack-region-unset",
    "stack-region-null",
    "stack-region-unknown",
    "monitoring-eu",
    "monitoring-no-stack",
    "monitoring-region-unknown",
    "provider-sm-us",
    "provider-sm-lookalike",
    "provider-sm-url-unset",
    "provider-sm-url-unknown",
}


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_only_australian_grafana_passes_in_every_environment(stack, stack_name):
    stack(stack_name)
    diagnostics = analyze_each(in_process_pack(), fixtures())
    assert flagged(diagnostics, RESIDENCY) == VIOLATIONS
    assert {d.enforcement_level for d in diagnostics if d.policy_name == RESIDENCY} == {"mandatory"}


def test_messages_name_the_region_found_where_it_is_and_what_is_allowed(stack):
    stack("prod")
    pack = in_process_pack()
    [us] = messages(pack.analyze(grafana_stack("s", regionSlug="prod-us-central-0")), RESIDENCY)
    assert "grafana:cloud/stack:Stack \"s\": regionSlug is 'prod-us-central-0' (US Central), outside Australia" in us
    assert "'prod-au-southeast-0' (Australia) or 'prod-au-southeast-1' (Australia)" in us
    assert "replaces the stack" in us
    [unset] = messages(pack.analyze(grafana_stack("s", regionSlug=DROP)), RESIDENCY)
    assert "regionSlug is unset, so Grafana Cloud places the stack in its default region" in unset
    [unknown] = messages(pack.analyze(grafana_stack("s", regionSlug=UNKNOWN)), RESIDENCY)
    assert "unknown at preview, so compliance cannot be proven" in unknown
    [shared] = messages(pack.analyze(grafana_monitoring("g", region=DROP)), RESIDENCY)
    assert "grafanaStack.regionSlug is unset" in shared
    [sm] = messages(pack.analyze(grafana_provider("p", smUrl=DROP)), RESIDENCY)
    assert "smUrl is unset, so the provider talks to Synthetic Monitoring's default (US) API" in sm


def test_no_token_value_ever_reaches_a_message(stack):
    stack("prod")
    diagnostics = analyze_each(in_process_pack(), fixtures())
    assert all("fake-sm-token" not in d.message and "fake-service-account" not in d.message for d in diagnostics)
