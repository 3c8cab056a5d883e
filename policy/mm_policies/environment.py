"""Which environment (dev, staging, prod) the engine is previewing, from the process the engine started.

The engine starts the pack with `PULUMI_STACK` (the stack name, possibly `org/project/stack`) and
`PULUMI_CONFIG` (the stack's config as JSON). Stack names are `dev`, `staging`, `prod`, or those with a
suffix (`dev-jane`). The stack config's `motion-mavericks-portal:environment` is developer-owned, so it can
make the verdict stricter but never weaker: when the two disagree the stricter wins, and anything
unrecognised counts as prod.

`blocking_outside_dev` declares a rule that blocks everywhere but dev and only advises in dev: as two
policies, since a policy's enforcement level is fixed when the pack describes itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .props import fail_closed

ENVIRONMENTS = ("dev", "staging", "prod")  # least to most strict
ADVISORY_ENVIRONMENTS = frozenset({"dev"})  # where a rule declared by blocking_outside_dev only advises
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


StackCheck = Callable[[StackValidationArgs, ReportViolation, Environment], None]


def blocking_outside_dev(
    name: str,
    *,
    display_name: str,
    dev_display_name: str | None = None,
    description: str,
    remediation: str,
    url: str,
    severity: Severity,
    check: StackCheck,
) -> tuple[StackValidationPolicy, StackValidationPolicy]:
    """One stack rule as two policies with the same check and disjoint environments: `name` (mandatory, at
    `severity`) in staging, prod and any stack not recognised as dev, and `<name>-dev` (advisory, low) in dev.

    A policy has one enforcement level, fixed when the pack describes itself (and published with it), so a
    rule that blocks outside dev and advises in dev is two policies, each reporting not-applicable in the
    other's environments. Either level can still be changed in policy config like any other policy's.
    `check` is called with the environment, for rules that ask more of prod (`dev_display_name`: the advisory
    policy's title when that extra part does not apply in dev).
    """
    dev_name = f"{name}-dev"

    def declare(advisory: bool, title: str, where: str, level_severity: Severity) -> StackValidationPolicy:
        @fail_closed
        def validate(args: StackValidationArgs, report: ReportViolation) -> None:
            env = current()
            if (env.name in ADVISORY_ENVIRONMENTS) != advisory:
                other = name if advisory else dev_name
                args.not_applicable(f"{other} applies in {env.name} ({env.how})")  # raises: the check never runs
            check(args, report, env)

        return StackValidationPolicy(
            name=dev_name if advisory else name,
            display_name=title,
            description=f"{description} {where}",
            validate=validate,
            enforcement_level=EnforcementLevel.ADVISORY if advisory else EnforcementLevel.MANDATORY,
            severity=level_severity,
            remediation_steps=remediation,
            url=url,
        )

    blocking = "Blocks in staging and prod (and any stack not recognised as dev)."
    return (
        declare(advisory=False, title=f"{display_name} (staging, prod)", where=blocking, level_severity=severity),
        declare(
            advisory=True,
            title=f"{dev_display_name or display_name} (dev)",
            where="Advises in dev.",
            level_severity=Severity.LOW,
        ),
    )
