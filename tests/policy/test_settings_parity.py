"""The rules the program's settings and the policy pack both hold agree: retention minimums, the allowed
regions and the environment a stack name stands for.

The pack stays self-contained (security owns it, and it judges resources from any source), so each rule is
written twice: once in `components/settings.py`, where a bad stack file fails early with a message naming
the key, and once in `policy/mm_policies/`, where the engine's view is judged. These tests compare the two
copies by behaviour, not by their tables: the same input goes to both and both must give the same answer.
"""

from __future__ import annotations

import copy
import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mm_policies import environment as pack_environment
from policy_harness import analyze_each, flagged, in_process_pack, neon_project, upstash_redis, vercel_project

from components.settings import SettingsError, parse_settings, settings_from_stack_config, stack_environment
from stack_config import Project
from tests.support.project import ROOT

DAY = 86_400
ENVIRONMENTS = ("dev", "staging", "prod")
# Every region code either side knows a place for, Australian or not, plus near misses.
REGIONS = (
    "syd1",
    "sin1",
    "iad1",
    "SYD1",
    "aws-ap-southeast-2",
    "aws-ap-southeast-1",
    "aws-us-east-1",
    "aws-eu-central-1",
    "ap-southeast-2",
    "ap-southeast-1",
    "ap-southeast-4",
    "us-east-1",
    "eu-west-1",
    "global",
    "",
)


def raw_settings(stack: str = "prod") -> dict:
    """The shipped stack's configuration as `parse_settings` takes it (a fresh copy each time)."""
    return copy.deepcopy(_shipped(stack))


@functools.cache
def _shipped(stack: str) -> dict:
    values = Project.load(ROOT).stack_config(stack).values
    settings = settings_from_stack_config(values, stack)
    return settings.model_dump(by_alias=True, exclude_none=True, mode="json")


def settings_accept(raw: dict, stack: str) -> bool:
    try:
        parse_settings(raw, stack)
    except SettingsError:
        return False
    return True


def pack_accepts(stack, stack_name: str, resource, policy: str) -> bool:
    stack(stack_name)
    return flagged(analyze_each(in_process_pack(), [resource]), policy) == set()


# --- retention minimums -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("days", [1, 6, 7, 8, 13, 14, 15, 29, 30])
def test_retention_minimums_agree(stack, env: str, days: int) -> None:
    raw = raw_settings("prod")
    raw["environment"] = env
    raw["neon"].update(plan="scale", backupRetentionDays=days)
    program = settings_accept(raw, env)
    pack = pack_accepts(stack, env, neon_project(historyRetentionSeconds=days * DAY), "backup-retention")
    assert program == pack, f"{env}, {days} days: settings {'accept' if program else 'refuse'}, the pack does not"


# --- allowed regions ---------------------------------------------------------------------------------------------


def _with(raw: dict, section: str, **changes) -> dict:
    changed = copy.deepcopy(raw)
    changed[section].update(changes)
    return changed


@pytest.mark.parametrize("region", REGIONS)
def test_vercel_regions_agree(stack, region: str) -> None:
    program = settings_accept(_with(raw_settings(), "vercel", region=region), "prod")
    resource = vercel_project(resourceConfig={"functionDefaultRegions": [region]})
    assert program == pack_accepts(stack, "prod", resource, "au-data-residency"), region


@pytest.mark.parametrize("region", REGIONS)
def test_neon_regions_agree(stack, region: str) -> None:
    program = settings_accept(_with(raw_settings(), "neon", region=region), "prod")
    assert program == pack_accepts(stack, "prod", neon_project(regionId=region), "au-data-residency"), region


@pytest.mark.parametrize("region", REGIONS)
def test_upstash_primary_regions_agree(stack, region: str) -> None:
    """The settings' `upstash.region` is the primary region of a `global` database (UpstashRedis)."""
    program = settings_accept(_with(raw_settings(), "upstash", region=region), "prod")
    resource = upstash_redis(region="global", primaryRegion=region)
    assert program == pack_accepts(stack, "prod", resource, "au-data-residency"), region


@pytest.mark.parametrize("region", REGIONS)
def test_an_upstash_read_region_is_allowed_only_where_a_primary_is(stack, region: str) -> None:
    """The program creates no read regions; the pack allows one only inside Australia, as the settings do."""
    program = settings_accept(_with(raw_settings(), "upstash", region=region), "prod")
    resource = upstash_redis(readRegions=[region])
    assert program == pack_accepts(stack, "prod", resource, "au-data-residency"), region


# --- the environment a stack name stands for ---------------------------------------------------------------------

NAMES = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzDEGIPRSTV-_/.0123456789", max_size=24),
    st.builds(
        lambda org, env, upper, suffix: f"{org}{env.upper() if upper else env}{suffix}",
        st.sampled_from(["", "acme/portal/", "org/"]),
        st.sampled_from([*ENVIRONMENTS, "qa", "production", "devx"]),
        st.booleans(),
        st.sampled_from(["", "-jane", "-", "_jane", "-prod"]),
    ),
)


@given(NAMES)
def test_the_environment_of_a_stack_name_agrees(name: str) -> None:
    assert stack_environment(name) == pack_environment.environment_of_stack(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Prod", "prod"), ("acme/portal/STAGING", "staging"), ("dev-jane", "dev"), ("qa", None), ("production", None)],
)
def test_both_sides_resolve_case_and_suffixes_alike(name: str, expected: str | None) -> None:
    assert stack_environment(name) == pack_environment.environment_of_stack(name) == expected


@pytest.mark.parametrize("name", ["Prod", "acme/portal/prod", "prod-hotfix", "qa", "staging"])
def test_a_stack_whose_settings_pass_is_judged_as_that_environment(name: str) -> None:
    """Settings accept `environment: prod` exactly for the stack names the pack treats as prod by name."""
    assert settings_accept(raw_settings("prod"), name) == (pack_environment.environment_of_stack(name) == "prod")


def test_a_stack_name_that_stands_for_no_environment_is_refused_by_name() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw_settings("prod"), "qa")
    assert (
        "motion-mavericks-portal:environment: found 'prod' in stack 'qa', whose name stands for no environment; "
        "allowed stack names: dev, staging, prod, or one of them followed by '-' and a suffix (dev-jane)"
    ) in str(caught.value)
