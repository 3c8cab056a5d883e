"""Which environment the pack judges: the stack name, stricter stack config, and prod when in doubt."""

from __future__ import annotations

import json

import pytest
from mm_policies import environment
from pulumi_policy import EnforcementLevel, Severity

KEY = "motion-mavericks-portal:environment"


def config(value: object) -> str:
    return json.dumps({KEY: value, "motion-mavericks-portal:tags": '{"owner": "x"}'})


@pytest.mark.parametrize(
    ("stack", "config_json", "expected"),
    [
        ("dev", None, "dev"),
        ("staging", None, "staging"),
        ("prod", None, "prod"),
        ("dev-jane", None, "dev"),
        ("staging-blue", None, "staging"),
        ("motion-mavericks/motion-mavericks-portal/dev", None, "dev"),
        ("acme/portal/prod-eu", None, "prod"),
        ("DEV", None, "dev"),
        # Unknown or missing stack names fail closed.
        ("test", None, "prod"),
        ("development", None, "prod"),
        ("", None, "prod"),
        (None, None, "prod"),
        # Stack config agreeing, disagreeing (the stricter wins either way), or unreadable.
        ("dev", config("dev"), "dev"),
        ("dev", config("prod"), "prod"),
        ("dev-jane", config("staging"), "staging"),
        ("prod", config("dev"), "prod"),
        ("staging", config("production"), "prod"),
        ("dev", "{not json", "prod"),
        ("dev", json.dumps({"other:key": "x"}), "dev"),
        ("test", config("dev"), "prod"),
    ],
)
def test_resolve(stack, config_json, expected):
    assert environment.resolve(stack, config_json).name == expected


def test_disagreement_is_explained():
    env = environment.resolve("dev", config("prod"))
    assert "stack 'dev'" in env.how and "'prod'" in env.how and "stricter" in env.how


def test_current_reads_what_the_engine_sets(stack):
    stack("staging-blue")
    assert environment.current().name == "staging"
    stack("dev", environment="prod")
    assert environment.current().name == "prod"


@pytest.mark.parametrize(
    ("stack_name", "is_prod"), [("prod", True), ("prod-eu", True), ("staging", False), ("dev", False)]
)
def test_only_prod_is_prod(stack_name, is_prod):
    assert environment.resolve(stack_name, None).is_prod is is_prod


@pytest.mark.parametrize(
    ("stack_name", "config_json", "how"),
    [
        ("dev", config("dev"), f"stack 'dev', {KEY}='dev'"),
        ("staging", config("prod"), f"stack 'staging' and {KEY}='prod' disagree; the stricter wins"),
        ("prod", config("dev"), f"stack 'prod' and {KEY}='dev' disagree; the stricter wins"),
        (
            "dev",
            config("production"),
            f"stack 'dev' and {KEY}='production' (not dev/staging/prod: treated as prod) disagree; the stricter wins",
        ),
        ("qa", None, "stack 'qa' (not dev/staging/prod: treated as prod)"),
        (None, None, "no stack name (treated as prod)"),
    ],
)
def test_how_the_environment_was_decided_is_said_exactly(stack_name, config_json, how):
    assert environment.resolve(stack_name, config_json).how == how


def test_a_decided_environment_cannot_be_changed_afterwards():
    decided = environment.resolve("dev", None)
    with pytest.raises(AttributeError):
        decided.name = "prod"  # type: ignore[misc]


def _split(**changes):
    declared = {
        "display_name": "Every thing is checked",
        "description": "Every thing is checked.",
        "remediation": "Check it.",
        "url": "https://example.com/check",
        "severity": Severity.HIGH,
        "check": lambda args, report, env: None,
        **changes,
    }
    return environment.blocking_outside_dev("thing-checked", **declared)


def _declared(policy) -> tuple:
    return (policy.name, policy.display_name, policy.description, policy.enforcement_level, policy.severity)


def test_a_rule_blocking_outside_dev_is_a_mandatory_policy_and_an_advisory_dev_one():
    """What the pack publishes for such a rule (how it behaves in each environment: blocking_outside_dev.py)."""
    mandatory, advisory = _split()
    assert _declared(mandatory) == (
        "thing-checked",
        "Every thing is checked (staging, prod)",
        "Every thing is checked. Blocks in staging and prod (and any stack not recognised as dev).",
        EnforcementLevel.MANDATORY,
        Severity.HIGH,
    )
    assert _declared(advisory) == (
        "thing-checked-dev",
        "Every thing is checked (dev)",
        "Every thing is checked. Advises in dev.",
        EnforcementLevel.ADVISORY,
        Severity.LOW,
    )
    assert {p.remediation_steps for p in (mandatory, advisory)} == {"Check it."}
    assert {p.url for p in (mandatory, advisory)} == {"https://example.com/check"}


def test_the_advisory_policy_can_have_its_own_title():
    mandatory, advisory = _split(dev_display_name="Some things are checked")
    assert mandatory.display_name == "Every thing is checked (staging, prod)"
    assert advisory.display_name == "Some things are checked (dev)"
