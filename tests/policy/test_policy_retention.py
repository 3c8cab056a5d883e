"""backup-retention: the minimum per environment, its defaults, and policy config overriding it."""

from __future__ import annotations

import pytest
from policy_harness import DROP, UNKNOWN, analyze_each, flagged, in_process_pack, messages, neon_project, upstash_redis

from preflight.analyzer_host import PolicyConfigError

POLICY = "backup-retention"
DAY = 86_400


def fixtures():
    return [
        neon_project("days-7", historyRetentionSeconds=7 * DAY),
        neon_project("days-14", historyRetentionSeconds=14 * DAY),
        neon_project("days-30", historyRetentionSeconds=30 * DAY),
        neon_project("days-6.9", historyRetentionSeconds=7 * DAY - 1),
        neon_project("unset", historyRetentionSeconds=DROP),
        neon_project("unknown", historyRetentionSeconds=UNKNOWN),
        neon_project("not-a-number", historyRetentionSeconds="30 days"),
        neon_project("boolean", historyRetentionSeconds=True),
        upstash_redis("not-neon"),
    ]


ALWAYS_FAILING = {"days-6.9", "unset", "unknown", "not-a-number", "boolean"}


@pytest.mark.parametrize(
    ("stack_name", "passing"),
    [
        ("dev", {"days-7", "days-14", "days-30"}),
        ("dev-jane", {"days-7", "days-14", "days-30"}),
        ("staging", {"days-14", "days-30"}),
        ("prod", {"days-30"}),
        ("qa", {"days-30"}),  # unknown stacks get prod's minimum
    ],
)
def test_exactly_the_projects_below_the_environments_minimum_violate(stack, stack_name, passing):
    stack(stack_name)
    diagnostics = analyze_each(in_process_pack(), fixtures())
    neon = {r.name for r in fixtures() if r.type.startswith("neon:")}
    assert flagged(diagnostics, POLICY) == neon - passing
    assert flagged(diagnostics, POLICY) >= ALWAYS_FAILING
    assert {d.enforcement_level for d in diagnostics if d.policy_name == POLICY} == {"mandatory"}


def test_stack_config_cannot_lower_the_minimum(stack):
    stack("prod", environment="dev")
    assert flagged(in_process_pack().analyze(neon_project(historyRetentionSeconds=7 * DAY)), POLICY)


def test_message_names_found_and_required(stack):
    stack("staging")
    [message] = messages(in_process_pack().analyze(neon_project("db", historyRetentionSeconds=7 * DAY)), POLICY)
    assert 'neon:index/project:Project "db"' in message
    assert "historyRetentionSeconds is 604800 (7 days)" in message
    assert "staging" in message and "at least 1209600 (14 days)" in message


def test_policy_config_overrides_the_minimum(stack):
    stack("prod")
    stricter = in_process_pack({POLICY: {"prodMinimumDays": 35}})
    assert flagged(stricter.analyze(neon_project(historyRetentionSeconds=30 * DAY)), POLICY) == {"portal-db"}
    looser = in_process_pack({POLICY: {"prodMinimumDays": 7}})
    assert flagged(looser.analyze(neon_project(historyRetentionSeconds=7 * DAY)), POLICY) == set()


def test_policy_config_can_disable_the_policy_or_change_its_level(stack):
    stack("prod")
    short = neon_project(historyRetentionSeconds=DAY)
    assert flagged(in_process_pack({POLICY: "disabled"}).analyze(short), POLICY) == set()
    [advisory] = [
        d for d in in_process_pack({POLICY: {"enforcementLevel": "advisory"}}).analyze(short) if d.policy_name == POLICY
    ]
    assert advisory.enforcement_level == "advisory"


@pytest.mark.parametrize("bad", [{"prodMinimumDays": 0}, {"prodMinimumDays": "thirty"}, {"devMinimumDays": 7.5}])
def test_invalid_minimums_are_refused_like_the_engine_refuses_them(stack, bad):
    stack("prod")
    with pytest.raises(PolicyConfigError, match=POLICY):
        in_process_pack({POLICY: bad})
