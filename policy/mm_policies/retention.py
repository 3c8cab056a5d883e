"""backup-retention and backup-retention-upstash: the data stores keep the backups the portal promises.

`backup-retention` (resource policy): Neon's restore window is at least the environment's minimum. The
minimums are this policy's config, which security owns (policy config file or Pulumi Cloud policy group);
stack config, which developers own, cannot lower them.

`backup-retention-upstash` (stack policy, since only AnalyzeStack sees other resources and their
dependencies): every Upstash Redis database has Upstash's daily backup enabled by the program's
daily-backup resource. Upstash's provider has no backup setting, so that resource is a Pulumi dynamic
resource (type `pulumi-python:dynamic...`) marked by its input `kind: "upstash-daily-backup"`. It targets
a database when its `database_id` input depends on that database (the engine's property dependencies:
present in every preview, even on first create when the id is still unknown) or when its `database_id`
value equals the database's `databaseId` (a literal id, e.g. for a database created elsewhere). Sharing a
parent is not enough: a component may own several databases. Its `daily_backup_enabled` output only ever
disproves: explicitly false means Upstash has daily backup off (drift that a refresh found).
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
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


def _is_daily_backup(resource: PolicyResource) -> bool:
    return (
        resource.resource_type.startswith(tokens.DYNAMIC_PREFIX)
        and get(plain(resource.props), "kind") == tokens.UPSTASH_DAILY_BACKUP_KIND
    )


def _targets(backup: PolicyResource, database: PolicyResource) -> bool:
    if any(dep.urn == database.urn for dep in backup.property_dependencies.get("database_id", [])):
        return True
    target = get(plain(backup.props), "database_id")
    return isinstance(target, str) and target == get(plain(database.props), "databaseId")


@fail_closed
def _validate_upstash_backups(args: StackValidationArgs, report: ReportViolation) -> None:
    databases = [r for r in args.resources if r.resource_type == tokens.UPSTASH_REDIS]
    backups = [r for r in args.resources if _is_daily_backup(r)]
    unmatchable = [
        b
        for b in backups
        if not isinstance(get(plain(b.props), "database_id"), str) and not b.property_dependencies.get("database_id")
    ]
    for database in databases:
        subject = describe(database.resource_type, database.name)
        mine = [b for b in backups if _targets(b, database)]
        if not mine:
            caveat = (
                f" ({len(unmatchable)} daily-backup resource(s) have a database_id unknown at preview and no "
                f"dependency on a database, so they cannot be matched: pass the database's database_id output)"
                if unmatchable
                else ""
            )
            report(
                f"{subject}: no daily backup: no {tokens.UPSTASH_DAILY_BACKUP} resource (input kind "
                f"{tokens.UPSTASH_DAILY_BACKUP_KIND!r}) has database_id = this database{caveat}, so Upstash takes "
                f"no daily snapshot of it. Create components.upstash_backup.UpstashDailyBackup(<name>, "
                f"database_id=<this RedisDatabase>.database_id) beside it (UpstashRedis does).",
                database.urn,
            )
            continue
        for backup in mine:
            if get(plain(backup.props), "daily_backup_enabled") is False:
                report(
                    f"{subject}: daily backup is off: {describe(backup.resource_type, backup.name)} has "
                    f"daily_backup_enabled false (Upstash reported it off at the last refresh: changed outside "
                    f"Pulumi); required true. `pulumi up` re-enables it.",
                    database.urn,
                )
        if len(mine) > 1:
            names = ", ".join(repr(b.name) for b in mine)
            report(
                f"{subject}: {len(mine)} daily-backup resources target it ({names}); deleting any one disables "
                f"daily backup for the database while the others still claim it is on. Keep exactly one.",
                database.urn,
            )


backup_retention_upstash = StackValidationPolicy(
    name="backup-retention-upstash",
    display_name="Upstash Redis databases are backed up daily",
    description=(
        "Every Upstash Redis database has Upstash's daily backup enabled by a daily-backup resource "
        f"({tokens.UPSTASH_DAILY_BACKUP}, input kind {tokens.UPSTASH_DAILY_BACKUP_KIND!r}) whose database_id is "
        "that database, and exactly one."
    ),
    validate=_validate_upstash_backups,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps=(
        "Create components.upstash_backup.UpstashDailyBackup(<name>, database_id=<RedisDatabase>.database_id) for "
        "the database (the UpstashRedis component does). If refresh found daily backup off, run `pulumi up`."
    ),
    url="https://upstash.com/docs/redis/features/backup",
)
