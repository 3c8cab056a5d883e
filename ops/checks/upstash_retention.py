"""Upstash: the prod database's daily backups are kept 3 days, not Upstash's default 1.

How long Upstash keeps a daily backup (1 or 3 days; 3 needs the Prod Pack) is chosen in Upstash's console
and is in no API answer: the enable call takes no retention, the database shows only `daily_backup_enabled`
and `prod_pack_enabled`, and each backup only `daily_backup`, `state` and `creation_time` (Developer API,
`upstash/docs` `devops/developer-api/openapi.yml`). So this check reads the evidence the API does give: with
3 days, daily backups older than a day stay listed; with 1 day, none does once the database is old enough to
tell. API: `GET /v2/redis/databases`, `GET /v2/redis/list-backup/{id}` (basic auth: e-mail and API key).
"""

from __future__ import annotations

import time

from ops.checks.base import FAIL, PASS, SKIPPED, Check, Context, Result, UnexpectedAnswer, client, env, items

HINT = "UPSTASH_EMAIL and UPSTASH_API_KEY"
HOUR = 3600
# The registry's rule: 3 days in prod; elsewhere Upstash's default day is enough.
REQUIRED_DAYS = {"prod": 3}
# A daily backup still listed at this age outlived a 1-day retention (a margin over 24 h for the backup's run).
KEPT_PAST_ONE_DAY = 30 * HOUR
# Daily backups start a day after they are switched on; by this age a 3-day retention must show one that old.
OLD_ENOUGH_TO_TELL = KEPT_PAST_ONE_DAY + 30 * HOUR


def check_backup_retention(context: Context) -> Result:
    upstash, environment = context.settings.upstash, context.settings.environment
    api = client("Upstash", "https://api.upstash.com", HINT, auth=(env("UPSTASH_EMAIL"), env("UPSTASH_API_KEY")))
    databases = items(api.request("GET", "/v2/redis/databases"), "GET /v2/redis/databases")
    database = next((d for d in databases if d.get("database_name") == upstash.database_name), None)
    if database is None:
        return Result(FAIL, f"no database named {upstash.database_name} on the account (not deployed yet?)")
    name = upstash.database_name
    if database.get("daily_backup_enabled") is not True:
        return Result(FAIL, f"{name}: daily backup is off (`pulumi up` switches it back on: docs/upstash-backups.md)")
    days = REQUIRED_DAYS.get(environment)
    if days is None:
        return Result(PASS, f"{name}: daily backup on; {environment} needs no more than Upstash's 1-day retention")
    if database.get("prod_pack_enabled") is not True:
        return Result(FAIL, f"{name}: the Prod Pack is off, so Upstash keeps daily backups 1 day; {days} needed")
    database_id = database.get("database_id")
    if not isinstance(database_id, str) or not database_id:
        raise UnexpectedAnswer(f"GET /v2/redis/databases: {name} has no database_id; the API may have changed")
    now = time.time()
    path = f"/v2/redis/list-backup/{database_id}"
    backups = items(api.request("GET", path), f"GET {path}")
    daily = [
        b
        for b in backups
        if str(b.get("daily_backup")).lower() == "true"
        and b.get("state") == "completed"
        and isinstance(b.get("creation_time"), int)
    ]
    oldest = max((now - b["creation_time"] for b in daily), default=0.0)
    if oldest >= KEPT_PAST_ONE_DAY:
        return Result(
            PASS,
            f"{name}: a daily backup {oldest / HOUR:.0f} h old is still kept, so retention is over 1 day "
            f"(the {days}-day setting itself is not in Upstash's API)",
        )
    created = database.get("creation_time")
    age = now - created if isinstance(created, int) else None
    if age is None or age < OLD_ENOUGH_TO_TELL:
        return Result(
            SKIPPED,
            f"{name}: too young to tell ({'age unknown' if age is None else f'{age / HOUR:.0f} h old'}); a {days}-day "
            f"retention shows once the database is {OLD_ENOUGH_TO_TELL // HOUR} h old",
        )
    return Result(
        FAIL,
        f"{name}: no daily backup older than {KEPT_PAST_ONE_DAY // HOUR} h although the database is "
        f"{age / 86400:.0f} days old: Upstash keeps them 1 day; choose {days} days in the console (database > "
        f"Backups > Daily Backup)",
    )


CHECKS = (
    Check(
        "upstash-backup-retention",
        "upstash",
        "Reliability Partner",
        "daily backups are kept 3 days in prod",
        check_backup_retention,
    ),
)
