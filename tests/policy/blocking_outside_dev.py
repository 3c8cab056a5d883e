"""The tests every rule declared by `environment.blocking_outside_dev` shares: it blocks in staging, prod and
any stack not recognised as dev, and only advises in dev, over the same fixtures with the same verdict.

A rule's test module binds them to its own names and fixtures:

    test_blocks_outside_dev, test_advises_in_dev = environment_split_tests(MANDATORY, ADVISORY, fixtures, FLAGGED)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from policy_harness import flagged, in_process_pack

OUTSIDE_DEV = [("prod", None), ("staging", None), ("dev", "staging"), ("qa", None)]  # (stack, configured env)
DEV_STACKS = ["dev", "dev-jane", "org/portal/dev"]


def environment_split_tests(
    mandatory: str, advisory: str, fixtures: Callable[[], list], expected: set[str]
) -> tuple[Callable[..., None], Callable[..., None]]:
    """Two parametrised tests: `fixtures()` gives exactly `expected` flagged by `mandatory` outside dev, and by
    `advisory` in dev, each at its own enforcement level and the other policy silent."""

    @pytest.mark.parametrize(("stack_name", "config_env"), OUTSIDE_DEV)
    def test_blocks_outside_dev(stack, stack_name, config_env):
        stack(stack_name, environment=config_env)
        diagnostics = in_process_pack().analyze_stack(fixtures())
        assert flagged(diagnostics, mandatory) == expected
        assert flagged(diagnostics, advisory) == set()
        assert {d.enforcement_level for d in diagnostics if d.policy_name == mandatory} == {"mandatory"}

    @pytest.mark.parametrize("stack_name", DEV_STACKS)
    def test_advises_in_dev(stack, stack_name):
        stack(stack_name)
        diagnostics = in_process_pack().analyze_stack(fixtures())
        assert flagged(diagnostics, advisory) == expected
        assert flagged(diagnostics, mandatory) == set()
        assert {d.enforcement_level for d in diagnostics if d.policy_name == advisory} == {"advisory"}

    return test_blocks_outside_dev, test_advises_in_dev
