"""backup-retention: Neon's restore window is at least the environment's minimum.

The minimums are this policy's config, which security owns (policy config file or Pulumi Cloud policy
group); stack config, which developers own, cannot lower them.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import environment, tokens
from .props import UNKNOWN, UNKNOWN_HINT, UNSET, describe, fail_closed, get, is_number, plain, show

DAY = 86_400
DEFAULT_MINIMUM_DAYS = {"dev": 7, "staging": 14, "prod": 30}


def config_key(env: str) -> str:
    return f"{env}MinimumDays"


CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        config_key(env): {
            "type": "integer",
            "minimum": 1,
            "default": days,
            "description": f"Least Neon history retention (point-in-time restore window) in {env}, in days.",
        }
        for env, days in DEFAULT_MINIMUM_DAYS.items()
    }
)


def _days(seconds: float) -> str:
    days = seconds / DAY
    return f"{days:g} day{'' if days == 1 else 's'}"


@fail_closed
def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != tokens.NEON_PROJECT:
        return
    env = environment.current()
    minimum_days = int(args.get_config().get(config_key(env.name), DEFAULT_MINIMUM_DAYS[env.name]))
    required = minimum_days * DAY
    retention = get(plain(args.props), "historyRetentionSeconds")
    subject = describe(args.resource_type, args.name)
    need = f"{env.name} ({env.how}) requires at least {required} ({_days(required)})"
    if retention is UNSET:
        found = "historyRetentionSeconds is unset, so Neon's plan default applies (1 day or less)"
    elif retention is UNKNOWN:
        found = f"historyRetentionSeconds is {UNKNOWN_HINT}"
    elif not is_number(retention):
        found = f"historyRetentionSeconds is {show(retention)}, not a number"
    elif retention < required:
        found = f"historyRetentionSeconds is {show(retention)} ({_days(retention)})"
    else:
        return
    report(
        f"{subject}: {found}; {need}. Set history_retention_seconds={required} or more (Neon's plan maxima: "
        f"Launch 7 days, Scale 30 days).",
        args.urn,
    )


backup_retention = ResourceValidationPolicy(
    name="backup-retention",
    display_name="Neon restore window meets the environment's minimum",
    description=(
        "Every Neon project keeps history (point-in-time restore) for at least the environment's minimum: by "
        "default 7 days in dev, 14 in staging, 30 in prod."
    ),
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG_SCHEMA,
    severity=Severity.HIGH,
    remediation_steps=(
        "Set history_retention_seconds on the Neon project to at least the minimum (days x 86400); 30 days needs "
        "Neon's Scale plan."
    ),
    url="https://neon.com/docs/introduction/restore-window",
)
