"""au-data-residency says which value is wrong and why, for the Upstash fields a mutation run found unpinned.

The fixture tests (`test_policy_residency.py`) show which resources are flagged; these pin what the message
tells the reviewer, where two different mistakes would otherwise read the same.
"""

from __future__ import annotations

import datetime

import pytest
from mm_policies.residency import DEFAULT_EXCEPTIONS, exception_for
from policy_harness import (
    DROP,
    UNKNOWN,
    analyze_each,
    flagged,
    grafana_provider,
    in_process_pack,
    messages,
    resource,
    upstash_redis,
)

RESIDENCY = "au-data-residency"


@pytest.fixture
def pack(stack):
    stack("prod")
    return in_process_pack()


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (upstash_redis("r", primaryRegion=DROP), "primaryRegion is unset; required 'ap-southeast-2' (Sydney)"),
        (upstash_redis("r", primaryRegion=None), "primaryRegion is unset; required 'ap-southeast-2' (Sydney)"),
        (
            upstash_redis("r", primaryRegion="us-east-1"),
            "primaryRegion is 'us-east-1' (N. Virginia), outside Australia; required 'ap-southeast-2'",
        ),
    ],
)
def test_an_upstash_primary_region_that_is_missing_reads_as_missing_not_as_a_place(pack, fixture, expected):
    [message] = messages(pack.analyze(fixture), RESIDENCY)
    assert expected in message


@pytest.mark.parametrize(
    "read_regions",
    [
        UNKNOWN,
        [UNKNOWN],
        ["ap-southeast-2", UNKNOWN],
        "ap-southeast-1",  # not a list: the provider's read_regions is a list of region names
        {"region": "ap-southeast-2"},
    ],
)
def test_upstash_read_regions_that_cannot_be_read_as_a_list_of_regions_are_named_unknown(pack, read_regions):
    [message] = messages(pack.analyze(upstash_redis("r", readRegions=read_regions)), RESIDENCY)
    assert "readRegions is unknown at preview" in message and "leave read regions unset" in message
    assert "readRegions include" not in message


def test_an_exception_documented_for_one_service_excuses_no_other():
    """Exceptions are per service: a register entry for another service (here a made-up `mux`, as if Mux were
    ever added to the services without an Australian region) says nothing about Sentry."""
    today = datetime.date(2026, 11, 25)
    other = {**DEFAULT_EXCEPTIONS[0], "service": "mux"}
    entry, why = exception_for({"exceptions": [other]}, "sentry", today)
    assert entry is None
    assert why == "the au-data-residency policy config documents no exception for service 'sentry'"
    assert exception_for({"exceptions": [other]}, "mux", today)[0] == other
    assert exception_for({"exceptions": [{**other, "service": "zendesk"}]}, "sentry", today)[0] is None


@pytest.mark.parametrize(
    ("sm_url", "expected"),
    [
        (UNKNOWN, "smUrl is unknown at preview"),
        (DROP, "smUrl is unset, so the provider talks to Synthetic Monitoring's default (US) API"),
        (
            "https://synthetic-monitoring-api.grafana.net",
            "smUrl is 'https://synthetic-monitoring-api.grafana.net', not an Australian Synthetic Monitoring API",
        ),
    ],
)
def test_a_grafana_provider_s_synthetic_monitoring_api_is_named_as_found(pack, sm_url, expected):
    [message] = messages(pack.analyze(grafana_provider("grafana", smUrl=sm_url)), RESIDENCY)
    assert f'pulumi:providers:grafana "grafana": {expected}' in message
    assert "; required https://synthetic-monitoring-api-au-southeast[-N].grafana.net" in message


def test_only_the_grafana_provider_is_judged_by_its_synthetic_monitoring_api(pack):
    """Dispatch is by the exact type token: another provider that happens to take an `smUrl` is not Grafana's."""
    other = resource(
        "pulumi:providers:pulumiservice", "cloud", {"smUrl": "https://synthetic-monitoring-api.grafana.net"}
    )
    assert flagged(analyze_each(pack, [other]), RESIDENCY) == set()
