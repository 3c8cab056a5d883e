"""Every bound the settings put on a stack file, at its edge: the value just inside is accepted, the one just
outside is refused with a message naming the key. Read with `parse_settings` directly (no program run), so
these are also the quick first tests `make mutation` runs against the settings."""

from __future__ import annotations

import copy
import functools

import pytest

from components.settings import SettingsError, parse_settings, settings_from_stack_config, unknown_keys
from stack_config import Project
from tests.support.project import ROOT

KEY = "motion-mavericks-portal"


@functools.cache
def _shipped() -> dict:
    values = Project.load(ROOT).stack_config("prod").values
    return settings_from_stack_config(values, "prod").model_dump(by_alias=True, exclude_none=True, mode="json")


def prod_with(section: str, path: tuple[str, ...], value) -> dict:
    raw = copy.deepcopy(_shipped())
    node = raw[section]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return raw


def refusal(raw: dict, stack: str = "prod") -> str | None:
    try:
        parse_settings(raw, stack)
    except SettingsError as error:
        return str(error)
    return None


ALLOWED_WINDOWS = (1, 5, 10, 15, 30, 60, 120, 240, 1440)


@pytest.mark.parametrize(
    ("section", "path", "inside", "outside", "message"),
    [
        *(
            ("sentry", ("alerts", "errors", "timeWindowMinutes"), allowed, allowed + step, "timeWindowMinutes: found")
            for allowed in ALLOWED_WINDOWS
            for step in (-1, 1)
            if allowed + step not in ALLOWED_WINDOWS
        ),
        ("neon", ("postgresVersion",), 14, 13, "neon.postgresVersion: found 13; allowed: 14, 15, 16 or 17"),
        ("neon", ("postgresVersion",), 17, 18, "neon.postgresVersion: found 18; allowed: 14, 15, 16 or 17"),
        ("sentry", ("alerts", "issue", "events"), 1, 0, "sentry.alerts.issue.events: found 0; input should be greater"),
        ("sentry", ("alerts", "issue", "actionIntervalMinutes"), 5, 4, "actionIntervalMinutes: found 4"),
        ("sentry", ("alerts", "issue", "actionIntervalMinutes"), 43200, 43201, "actionIntervalMinutes: found 43201"),
        ("sentry", ("alerts", "errors", "warning"), 1, 0, "sentry.alerts.errors.warning: found 0"),
        ("upstash", ("budget",), 100_000, 100_001, "upstash.budget: found 100001"),
        ("upstash", ("budget",), 1, 0, "upstash.budget: found 0"),
        ("neon", ("suspendTimeoutSeconds",), -1, -2, "neon.suspendTimeoutSeconds: found -2"),
        ("neon", ("suspendTimeoutSeconds",), 604800, 604801, "neon.suspendTimeoutSeconds: found 604801"),
        (
            "neon",
            ("backupRetentionDays",),
            30,
            31,
            "neon.backupRetentionDays: found 31; input should be less than or equal to 30",
        ),
        ("neon", ("autoscaling", "minCu"), 0.25, 0.2, "neon.autoscaling.minCu: found 0.2"),
        ("neon", ("autoscaling", "maxCu"), 8, 56.5, "neon.autoscaling.maxCu: found 56.5"),
        ("vercel", ("sites", "admin", "git", "productionBranch"), "m", "", "git.productionBranch: found ''"),
        (
            "vercel",
            ("sites", "admin", "domains"),
            ["a." * 125 + "au"],
            ["a." * 126 + "au"],
            "domains[0]: found 'a.a.a.",
        ),
    ],
)
def test_each_bound_is_where_the_vendor_puts_it(section, path, inside, outside, message) -> None:
    assert refusal(prod_with(section, path, inside)) is None
    refused = refusal(prod_with(section, path, outside))
    assert refused is not None and f"{KEY}:{section}." in refused and message in refused, refused


def test_a_too_long_value_says_how_long_it_may_be_and_links_nowhere() -> None:
    refused = refusal(prod_with("vercel", ("sites", "admin", "domains"), ["a." * 126 + "au"]))
    assert refused is not None
    assert "string should have at most 253 characters" in refused
    assert "text matching" not in refused and "errors.pydantic.dev" not in refused


def test_a_warning_must_stay_below_critical() -> None:
    raw = prod_with("sentry", ("alerts", "errors", "warning"), 50)
    assert "warning 50 must be below critical 50" in (refusal(raw) or "")
    assert refusal(prod_with("sentry", ("alerts", "errors", "warning"), 49)) is None


def test_upstash_autoscaling_is_off_unless_asked_for() -> None:
    raw = copy.deepcopy(_shipped())
    raw["upstash"].pop("autoScale", None)
    assert parse_settings(raw, "prod").upstash.auto_scale is False


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([f"{KEY}:neon", "aws:region", "pulumi:disable-default-providers"], ["aws:region: unknown namespace 'aws'"]),
        ([f"{KEY}:neonn"], [f"{KEY}:neonn: unknown key (did you mean {KEY}:neon?)"]),
        ([f"{KEY}:zzz"], [f"{KEY}:zzz: unknown key; allowed: environment"]),
        (["vercell:team"], ["vercell:team: unknown namespace 'vercell' (did you mean vercel?)"]),
        (["zzz:x"], ["zzz:x: unknown namespace 'zzz'; allowed: motion-mavericks-portal (this project)"]),
        ([f"{KEY}:upstash", "upstash:apiKey", "sentry:baseUrl"], []),
    ],
)
def test_unknown_keys_are_named_with_the_closest_known_one(keys, expected) -> None:
    problems = unknown_keys(keys)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem


def test_an_unknown_key_inside_an_optional_section_lists_that_sections_keys() -> None:
    raw = copy.deepcopy(_shipped())
    raw["neon"]["previews"] = {"dta": "schema-only"}
    refused = refusal(raw) or ""
    assert (
        "neon.previews.dta: unknown key" in refused and "allowed keys here: parentBranch, data, expiryDays" in refused
    )
