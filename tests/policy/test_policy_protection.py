"""prod-data-protection: protect on prod data stores; not applicable anywhere else."""

from __future__ import annotations

import pytest
from policy_harness import (
    analyze_each,
    flagged,
    in_process_pack,
    neon_branch,
    neon_database,
    neon_endpoint,
    neon_project,
    neon_role,
    upstash_redis,
)

POLICY = "prod-data-protection"


def fixtures():
    return [
        neon_project("neon-protected"),
        neon_project("neon-unprotected", protect=False),
        neon_database("database-protected"),
        neon_database("database-unprotected", protect=False),
        neon_branch("branch-protected"),
        neon_branch("branch-unprotected", protect=False),
        upstash_redis("redis-protected"),
        upstash_redis("redis-unprotected", protect=False),
        neon_endpoint("endpoint-not-a-store"),
        neon_role("role-not-a-store"),
    ]


@pytest.mark.parametrize(("stack_name", "config_env"), [("prod", None), ("dev", "prod"), ("sandbox", None)])
def test_exactly_the_unprotected_data_stores_violate_in_prod(stack, stack_name, config_env):
    stack(stack_name, environment=config_env)
    diagnostics = analyze_each(in_process_pack(), fixtures())
    assert flagged(diagnostics, POLICY) == {
        "neon-unprotected",
        "database-unprotected",
        "branch-unprotected",
        "redis-unprotected",
    }
    assert {d.enforcement_level for d in diagnostics if d.policy_name == POLICY} == {"mandatory"}
    [message] = [d.message for d in diagnostics if d.urn.endswith("::neon-unprotected")]
    assert 'neon:index/project:Project "neon-unprotected"' in message and "protect=True" in message
    [message] = [d.message for d in diagnostics if d.urn.endswith("::database-unprotected")]
    assert 'neon:index/database:Database "database-unprotected"' in message and "protect=True" in message


@pytest.mark.parametrize("stack_name", ["dev", "staging", "dev-jane"])
def test_does_not_apply_outside_prod(stack, stack_name):
    stack(stack_name)
    assert flagged(analyze_each(in_process_pack(), fixtures()), POLICY) == set()
