"""Which environment (dev, staging, prod) the engine is previewing, from the process the engine started.

The engine starts the pack with `PULUMI_STACK` (the stack name, possibly `org/project/stack`) and
`PULUMI_CONFIG` (the stack's config as JSON). Stack names are `dev`, `staging`, `prod`, or those with a
suffix (`dev-jane`). The stack config's `motion-mavericks-portal:environment` is developer-owned, so it can
make the verdict stricter but never weaker: when the two disagree the stricter wins, and anything
unrecognised counts as prod.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

ENVIRONMENTS = ("dev", "staging", "prod")  # least to most strict
STRICTEST = ENVIRONMENTS[-1]
CONFIG_KEY = "motion-mavericks-portal:environment"


@dataclass(frozen=True)
class Environment:
    name: str  # one of ENVIRONMENTS
    how: str  # how it was decided, for messages

    def __str__(self) -> str:
        return self.name

    @property
    def is_prod(self) -> bool:
        return self.name == "prod"


def _stricter(a: str, b: str) -> str:
    return max(a, b, key=ENVIRONMENTS.index)


def environment_of_stack(stack: str) -> str | None:
    """`dev`, `dev-jane`, `acme/portal/dev` give `dev`; anything else gives None."""
    base = stack.rpartition("/")[2].partition("-")[0].lower()
    return base if base in ENVIRONMENTS else None


def resolve(stack: str | None, config_json: str | None) -> Environment:
    if not stack:
        from_stack, stack_note = STRICTEST, "no stack name (treated as prod)"
    else:
        found = environment_of_stack(stack)
        from_stack = found or STRICTEST
        stack_note = f"stack {stack!r}" + ("" if found else " (not dev/staging/prod: treated as prod)")

    configured = _configured_environment(config_json)
    if configured is None:
        return Environment(from_stack, stack_note)
    value, from_config = configured
    config_note = f"{CONFIG_KEY}={value!r}" + (
        "" if value == from_config else " (not dev/staging/prod: treated as prod)"
    )
    name = _stricter(from_stack, from_config)
    if from_config == from_stack:
        return Environment(name, f"{stack_note}, {config_note}")
    return Environment(name, f"{stack_note} and {config_note} disagree; the stricter wins")


def _configured_environment(config_json: str | None) -> tuple[str, str] | None:
    if not config_json:
        return None
    try:
        config = json.loads(config_json)
    except ValueError:
        return "<unreadable PULUMI_CONFIG>", STRICTEST
    if not isinstance(config, Mapping) or CONFIG_KEY not in config:
        return None
    value = str(config[CONFIG_KEY])
    return value, value if value in ENVIRONMENTS else STRICTEST


def current() -> Environment:
    """The environment of the stack this pack process was started for (read at validation time)."""
    return resolve(os.environ.get("PULUMI_STACK"), os.environ.get("PULUMI_CONFIG"))
