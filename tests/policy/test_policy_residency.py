"""au-data-residency and au-data-residency-exceptions over a fixture set of passing, failing and unknown resources."""

from __future__ import annotations

import datetime

import pytest
from mm_policies.residency import DEFAULT_EXCEPTIONS, exception_for
from policy_harness import (
    DROP,
    UNKNOWN,
    analyze_each,
    flagged,
    in_process_pack,
    messages,
    neon_endpoint,
    neon_project,
    resource,
    sentry_issue_alert,
    sentry_project,
    upstash_redis,
    vercel_project,
)

RESIDENCY = "au-data-residency"
NOTES = "au-data-residency-exceptions"


def fixtures():
    return [
        # Neon projects
        neon_project("neon-ok"),
        neon_project("neon-region-unset", regionId=DROP),
        neon_project("neon-region-null", regionId=None),
        neon_project("neon-region-unknown", regionId=UNKNOWN),
        neon_project("neon-region-us", regionId="aws-us-east-2"),
        neon_project("neon-region-singapore", regionId="aws-ap-southeast-1"),
        # Neon endpoints: unset inherits the project's region
        neon_endpoint("endpoint-ok"),
        neon_endpoint("endpoint-region-unset", regionId=DROP),
        neon_endpoint("endpoint-region-us", regionId="aws-us-east-1"),
        neon_endpoint("endpoint-region-unknown", regionId=UNKNOWN),
        # Upstash
        upstash_redis("redis-ok"),
        upstash_redis("redis-read-regions-empty", readRegions=[]),
        upstash_redis("redis-region-singapore", region="ap-southeast-1"),
        upstash_redis("redis-region-unset", region=DROP),
        upstash_redis("redis-region-unknown", region=UNKNOWN),
        upstash_redis("redis-primary-singapore", primaryRegion="ap-southeast-1"),
        upstash_redis("redis-primary-unset", primaryRegion=DROP),
        upstash_redis("redis-primary-unknown", primaryRegion=UNKNOWN),
        upstash_redis("redis-read-region-us", readRegions=["us-east-1"]),
        upstash_redis("redis-read-region-singapore", readRegions=["ap-southeast-1"]),
        upstash_redis("redis-read-region-sydney-and-singapore", readRegions=["ap-southeast-2", "ap-southeast-1"]),
        upstash_redis("redis-read-region-sydney", readRegions=["ap-southeast-2"]),
        upstash_redis("redis-read-regions-unknown", readRegions=UNKNOWN),
        upstash_redis("redis-read-region-element-unknown", readRegions=[UNKNOWN]),
        # Vercel
        vercel_project("vercel-ok"),
        vercel_project("vercel-legacy-ok", resourceConfig=DROP, serverlessFunctionRegion="syd1"),
        vercel_project("vercel-both-ok", serverlessFunctionRegion="syd1"),
        vercel_project("vercel-no-region", resourceConfig=DROP),
        vercel_project("vercel-empty-regions", resourceConfig={"functionDefaultRegions": []}),
        vercel_project("vercel-iad1", resourceConfig={"functionDefaultRegions": ["iad1"]}),
        vercel_project("vercel-two-regions", resourceConfig={"functionDefaultRegions": ["syd1", "sin1"]}),
        vercel_project("vercel-legacy-disagrees", serverlessFunctionRegion="iad1"),
        vercel_project("vercel-legacy-only-iad1", resourceConfig=DROP, serverlessFunctionRegion="iad1"),
        vercel_project("vercel-regions-unknown", resourceConfig={"functionDefaultRegions": UNKNOWN}),
        vercel_project("vercel-resource-config-unknown", resourceConfig=UNKNOWN),
        vercel_project("vercel-failover", functionFailover=True),
        vercel_project("vercel-failover-unknown", functionFailover=UNKNOWN),
        vercel_project("vercel-failover-unset", functionFailover=DROP),
        # Anything else is not this policy's business
        resource("random:index/randomPassword:RandomPassword", "other", {"length": 32}),
    ]


PASSING = {
    "neon-ok",
    "endpoint-ok",
    "endpoint-region-unset",
    "redis-ok",
    "redis-read-regions-empty",
    "redis-read-region-sydney",
    "vercel-ok",
    "vercel-legacy-ok",
    "vercel-both-ok",
    "vercel-failover-unset",
    "other",
}


@pytest.fixture
def pack(stack):
    stack("prod")
    return in_process_pack()


def test_exactly_the_non_australian_and_unprovable_resources_violate(pack):
    diagnostics = analyze_each(pack, fixtures())
    assert flagged(diagnostics, RESIDENCY) == {r.name for r in fixtures()} - PASSING
    assert {d.enforcement_level for d in diagnostics if d.policy_name == RESIDENCY} == {"mandatory"}
    assert flagged(diagnostics, NOTES) == set()


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (neon_project("db", regionId="aws-us-east-2"), ["'aws-us-east-2' (Ohio)", "required 'aws-ap-southeast-2'"]),
        (neon_project("db", regionId=DROP), ["regionId is unset", "Neon uses its default region"]),
        (neon_project("db", regionId=UNKNOWN), ["regionId is unknown at preview", "cannot be proven"]),
        (upstash_redis("r", region="ap-southeast-1"), ["region is 'ap-southeast-1' (Singapore)", "required 'global'"]),
        (upstash_redis("r", readRegions=["us-east-1"]), ["'us-east-1' (N. Virginia)", "Remove read_regions"]),
        (
            upstash_redis("r", readRegions=["ap-southeast-2", "ap-southeast-1"]),
            ["readRegions include 'ap-southeast-1' (Singapore), outside Australia"],
        ),
        (vercel_project("v", resourceConfig=DROP), ["no function region is set", "'iad1' (Washington, D.C.)"]),
        (vercel_project("v", functionFailover=True), ["functionFailover is true", "function_failover=False"]),
    ],
)
def test_messages_name_the_resource_the_value_found_and_the_value_required(pack, fixture, expected):
    [message] = messages(pack.analyze(fixture), RESIDENCY)
    assert f'{fixture.type} "{fixture.name}"' in message
    for text in expected:
        assert text in message


def test_sentry_under_the_default_exception_is_noted_not_blocked(pack):
    project = sentry_project("portal-admin")
    diagnostics = analyze_each(pack, [project, sentry_issue_alert(for_project=project)])
    assert flagged(diagnostics, RESIDENCY) == set()
    assert flagged(diagnostics, NOTES) == {"portal-admin"}  # the project keeps the events; its alert does not
    assert {d.enforcement_level for d in diagnostics} == {"advisory"}
    assert all("exception for service 'sentry'" in m for m in messages(diagnostics, NOTES))


def test_sentry_without_a_documented_exception_is_blocked(stack):
    stack("prod")
    pack = in_process_pack({RESIDENCY: {"exceptions": []}})
    diagnostics = pack.analyze(sentry_project("portal-admin"))
    [blocked] = [d for d in diagnostics if d.policy_name == RESIDENCY]
    assert blocked.enforcement_level == "mandatory"
    assert "documents no exception for service 'sentry'" in blocked.message
    assert flagged(diagnostics, NOTES) == {"portal-admin"}  # still noted: never silent


def test_an_expired_exception_is_no_exception(stack):
    stack("prod")
    expired = [{**DEFAULT_EXCEPTIONS[0], "expires": "2001-01-31"}]
    diagnostics = in_process_pack({RESIDENCY: {"exceptions": expired}}).analyze(sentry_project())
    assert any("expired on 2001-01-31" in m for m in messages(diagnostics, RESIDENCY))


def test_exception_dates():
    today = datetime.date(2026, 11, 25)
    current = {**DEFAULT_EXCEPTIONS[0], "expires": "2026-11-25"}
    assert exception_for({"exceptions": [current]}, "sentry", today)[0] == current
    assert exception_for({"exceptions": [{**current, "expires": "2026-11-24"}]}, "sentry", today)[0] is None
    assert exception_for({"exceptions": [{**current, "expires": "2026-02-31"}]}, "sentry", today)[0] is None
    assert exception_for({}, "sentry", today)[0] == DEFAULT_EXCEPTIONS[0]


def test_the_exception_register_is_schema_checked(stack):
    from preflight.analyzer_host import PolicyConfigError

    stack("prod")
    with pytest.raises(PolicyConfigError, match="au-data-residency"):
        in_process_pack(
            {RESIDENCY: {"exceptions": [{"service": "neon", "justification": "x" * 30, "approvedBy": "me"}]}}
        )
    with pytest.raises(PolicyConfigError, match="justification"):
        in_process_pack({RESIDENCY: {"exceptions": [{"service": "sentry", "approvedBy": "me"}]}})
