"""redis-no-eviction: eviction explicitly false, TLS never off, unknowns fail."""

from __future__ import annotations

from policy_harness import (
    DROP,
    UNKNOWN,
    analyze_each,
    flagged,
    in_process_pack,
    messages,
    neon_project,
    upstash_redis,
    vercel_project,
)

POLICY = "redis-no-eviction"


def fixtures():
    return [
        upstash_redis("ok"),
        upstash_redis("tls-unset", tls=DROP),
        upstash_redis("eviction-true", eviction=True),
        upstash_redis("eviction-unset", eviction=DROP),
        upstash_redis("eviction-null", eviction=None),
        upstash_redis("eviction-unknown", eviction=UNKNOWN),
        upstash_redis("tls-false", tls=False),
        upstash_redis("tls-unknown", tls=UNKNOWN),
        # other types, sorting before and after Upstash's: not this policy's business
        neon_project("not-redis"),
        vercel_project("not-redis-either"),
    ]


def test_exactly_the_evicting_or_unencrypted_databases_violate(stack):
    stack("dev")
    diagnostics = analyze_each(in_process_pack(), fixtures())
    assert flagged(diagnostics, POLICY) == {
        "eviction-true",
        "eviction-unset",
        "eviction-null",
        "eviction-unknown",
        "tls-false",
        "tls-unknown",
    }
    assert {d.enforcement_level for d in diagnostics if d.policy_name == POLICY} == {"mandatory"}


def test_messages(stack):
    stack("dev")
    [unset] = messages(in_process_pack().analyze(upstash_redis("r", eviction=DROP)), POLICY)
    assert 'upstash:index/redisDatabase:RedisDatabase "r"' in unset and "eviction is unset" in unset
    assert "eviction=False" in unset
    [tls] = messages(in_process_pack().analyze(upstash_redis("r", tls=False)), POLICY)
    assert "tls is false" in tls
