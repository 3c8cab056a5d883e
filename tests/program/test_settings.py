"""Bad stack configuration stops the program with one message naming key, value and what is allowed."""

from __future__ import annotations

import pulumi
import pytest

from components.errors import ConfigError
from components.settings import SettingsError, stack_environment
from preflight.monitor import run_program
from stack_config import Project
from tests.support.program import run_stack
from tests.support.project import DELETE, ROOT, stack_config


def config_error(stack: str, **overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        run_stack(stack, **overrides)
    return str(caught.value)


def test_config_error_is_a_run_error_so_the_cli_prints_no_traceback() -> None:
    assert issubclass(ConfigError, pulumi.RunError)
    # and a SettingsError, which is what the tools that read stack files without the program catch
    assert issubclass(ConfigError, SettingsError)


@pytest.mark.parametrize(
    ("stack", "overrides", "expected"),
    [
        # missing keys, top level and nested
        ("prod", {"neon": DELETE}, "motion-mavericks-portal:neon: missing"),
        ("dev", {"upstash": {"budget": DELETE}}, "motion-mavericks-portal:upstash.budget: missing"),
        ("staging", {"tags": {"owner": DELETE}}, "motion-mavericks-portal:tags.owner: missing"),
        # wrong types
        (
            "prod",
            {"neon": {"backupRetentionDays": "thirty"}},
            "motion-mavericks-portal:neon.backupRetentionDays: found 'thirty'; input should be a valid integer",
        ),
        ("dev", {"vercel": "syd1"}, "motion-mavericks-portal:vercel: found 'syd1'; input should be"),
        (
            "dev",
            {"upstash": {"prodPack": "sometimes"}},
            "motion-mavericks-portal:upstash.prodPack: found 'sometimes'",
        ),
        # unknown environment, and one that does not match the stack
        (
            "prod",
            {"environment": "production"},
            "motion-mavericks-portal:environment: found 'production'; allowed: 'dev', 'staging' or 'prod'",
        ),
        (
            "prod",
            {"environment": "staging", "neon": {"backupRetentionDays": 30}},
            "motion-mavericks-portal:environment: found 'staging' in stack 'prod'; allowed: 'prod'",
        ),
        # regions outside Australia (Upstash's ap-southeast-1 is Singapore)
        (
            "prod",
            {"vercel": {"region": "iad1"}},
            "motion-mavericks-portal:vercel.region: found 'iad1'; is outside Australia; allowed: syd1",
        ),
        (
            "staging",
            {"neon": {"region": "aws-us-east-1"}},
            "motion-mavericks-portal:neon.region: found 'aws-us-east-1'; is outside Australia; "
            "allowed: aws-ap-southeast-2",
        ),
        (
            "dev",
            {"upstash": {"region": "ap-southeast-1"}},
            "motion-mavericks-portal:upstash.region: found 'ap-southeast-1'; is outside Australia; "
            "allowed: ap-southeast-2",
        ),
        # retention below the environment's minimum, and above what the plan can keep
        (
            "prod",
            {"neon": {"backupRetentionDays": 14}},
            "motion-mavericks-portal:neon.backupRetentionDays: found 14; is below the prod minimum; "
            "allowed: at least 30 days",
        ),
        (
            "staging",
            {"neon": {"backupRetentionDays": 7}},
            "motion-mavericks-portal:neon.backupRetentionDays: found 7; is below the staging minimum; "
            "allowed: at least 14 days",
        ),
        (
            "dev",
            {"neon": {"backupRetentionDays": 14}},
            "motion-mavericks-portal:neon.backupRetentionDays: found 14; exceeds the Neon launch plan's "
            "restore window; allowed: at most 7 days",
        ),
        # unknown data_class
        (
            "dev",
            {"tags": {"data_class": "secret"}},
            "motion-mavericks-portal:tags.data_class: found 'secret'; allowed: 'public', 'internal', "
            "'confidential' or 'restricted'",
        ),
        # a typo is an unknown key, not a silently ignored one
        (
            "prod",
            {"neon": {"backupRetentionDay": 30}},
            "motion-mavericks-portal:neon.backupRetentionDay: unknown key",
        ),
        # inconsistent numbers
        (
            "prod",
            {"neon": {"autoscaling": {"minCu": 4, "maxCu": 2}}},
            "motion-mavericks-portal:neon.autoscaling: found {'minCu': 4, 'maxCu': 2}; minCu 4.0 is above maxCu 2.0; "
            "minCu must be <= maxCu",
        ),
        # Neon's autoscaling spread: at most 8 CU between minimum and maximum
        (
            "prod",
            {"neon": {"autoscaling": {"minCu": 0.25, "maxCu": 8.5}}},
            "motion-mavericks-portal:neon.autoscaling: found {'minCu': 0.25, 'maxCu': 8.5}; maxCu - minCu is 8.25; "
            "Neon allows a spread of at most 8 CU",
        ),
        (
            "prod",
            {"neon": {"autoscaling": {"minCu": 2, "maxCu": 56}}},
            "maxCu - minCu is 54; Neon allows a spread of at most 8 CU",
        ),
        # the Vercel team: an id (team_...) or a slug, nothing else
        (
            "prod",
            {"vercel": {"team": "Motion Mavericks"}},
            "motion-mavericks-portal:vercel.team: found 'Motion Mavericks'; is neither a Vercel team id nor a "
            "team slug; allowed: the team's id (team_ followed by letters and digits) or its slug",
        ),
        ("dev", {"vercel": {"team": "team_"}}, "motion-mavericks-portal:vercel.team: found 'team_'; is neither"),
        # the Neon organisation: required, an org-... id
        ("staging", {"neon": {"orgId": DELETE}}, "motion-mavericks-portal:neon.orgId: missing"),
        (
            "prod",
            {"neon": {"orgId": "motion-mavericks"}},
            "motion-mavericks-portal:neon.orgId: found 'motion-mavericks'; allowed: text matching ^org-",
        ),
        (
            "dev",
            {"sentry": {"dataStorage": "au"}},
            "motion-mavericks-portal:sentry.dataStorage: found 'au'; allowed: 'us' or 'de'",
        ),
    ],
)
def test_bad_configuration_is_refused_with_a_named_reason(stack, overrides, expected) -> None:
    message = config_error(stack, **overrides)
    assert expected in message
    assert message.startswith(f"stack {stack!r} has invalid configuration:")
    assert "Traceback" not in message


@pytest.mark.parametrize("team", ["motion-mavericks", "team_FAKEFIXTUREid0123456789", "a"])
def test_a_vercel_team_slug_or_id_is_accepted_and_configures_the_provider(team: str) -> None:
    (provider,) = run_stack("prod", vercel={"team": team}).by_type("pulumi:providers:vercel")
    assert provider.inputs["team"] == team


@pytest.mark.parametrize(("min_cu", "max_cu"), [(1, 9), (0.25, 8.25), (4, 4), (56, 56), (0.25, 0.25)])
def test_autoscaling_at_the_limits_is_accepted(min_cu: float, max_cu: float) -> None:
    """A spread of exactly 8 CU, and a fixed size (min = max), are what Neon allows."""
    (project,) = run_stack("prod", neon={"autoscaling": {"minCu": min_cu, "maxCu": max_cu}}).by_type(
        "neon:index/project:Project"
    )
    endpoint = project.inputs["defaultEndpointSettings"]
    assert (endpoint["autoscalingLimitMinCu"], endpoint["autoscalingLimitMaxCu"]) == (min_cu, max_cu)


def test_unknown_keys_list_the_allowed_ones() -> None:
    message = config_error("prod", upstash={"primaryRegion": "ap-southeast-2"})
    assert "allowed keys here: region, databaseName, prodPack, budget, autoScale" in message


def test_every_problem_is_reported_at_once() -> None:
    message = config_error(
        "prod", vercel={"region": "iad1"}, neon={"region": "aws-eu-central-1"}, tags={"data_class": "x"}
    )
    assert "vercel.region" in message and "neon.region" in message and "tags.data_class" in message


def test_a_personal_stack_takes_its_environment_from_the_prefix() -> None:
    assert stack_environment("dev-jane") == "dev"
    assert stack_environment("motion-mavericks/motion-mavericks-portal/prod") == "prod"
    project = Project.load(ROOT)
    values, secret_keys = stack_config("dev")
    run = run_program(project.main, project.name, "dev-jane", values, secret_keys)
    assert run.by_type("neon:index/project:Project")


def test_a_stack_without_any_configuration_names_every_missing_key() -> None:
    project = Project.load(ROOT)
    with pytest.raises(ConfigError) as caught:
        run_program(project.main, project.name, "prod", {})
    message = str(caught.value)
    for key in ("environment", "vercel", "neon", "upstash", "sentry"):
        assert f"motion-mavericks-portal:{key}: missing" in message
