"""Which environment the pack judges: the stack name, stricter stack config, and prod when in doubt."""

from __future__ import annotations

import json

import pytest
from mm_policies import environment

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
