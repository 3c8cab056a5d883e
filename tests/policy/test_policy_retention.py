"""backup-retention: the minimum per environment, its defaults, and policy config overriding it.
backup-retention-upstash: every Upstash database has exactly one daily-backup resource, matched robustly."""

from __future__ import annotations

import pytest
from policy_harness import (
    DROP,
    UNKNOWN,
    analyze_each,
    component,
    flagged,
    in_process_pack,
    messages,
    neon_project,
    resource,
    upstash_daily_backup,
    upstash_redis,
)

from preflight.analyzer_host import PolicyConfigError

POLICY = "backup-retention"
DAY = 86_400


def fixtures():
    return [
        neon_project("days-7", historyRetentionSeconds=7 * DAY),
        neon_project("days-14", historyRetentionSeconds=14 * DAY),
        neon_project("days-30", historyRetentionSeconds=30 * DAY),
        neon_project("days-6.9", historyRetentionSeconds=7 * DAY - 1),
        neon_project("unset", historyRetentionSeconds=DROP),
        neon_project("unknown", historyRetentionSeconds=UNKNOWN),
        neon_project("not-a-number", historyRetentionSeconds="30 days"),
        neon_project("boolean", historyRetentionSeconds=True),
        upstash_redis("not-neon"),
    ]


ALWAYS_FAILING = {"days-6.9", "unset", "unknown", "not-a-number", "boolean"}


@pytest.mark.parametrize(
    ("stack_name", "passing"),
    [
        ("dev", {"days-7", "days-14", "days-30"}),
        ("dev-jane", {"days-7", "days-14", "days-30"}),
        ("staging", {"days-14", "days-30"}),
        ("prod", {"days-30"}),
        ("qa", {"days-30"}),  # unknown stacks get prod's minimum
    ],
)
def test_exactly_the_projects_below_the_environments_minimum_violate(stack, stack_name, passing):
    stack(stack_name)
    diagnostics = analyze_each(in_process_pack(), fixtures())
    neon = {r.name for r in fixtures() if r.type.startswith("neon:")}
    assert flagged(diagnostics, POLICY) == neon - passing
    assert flagged(diagnostics, POLICY) >= ALWAYS_FAILING
    assert {d.enforcement_level for d in diagnostics if d.policy_name == POLICY} == {"mandatory"}


def test_stack_config_cannot_lower_the_minimum(stack):
    stack("prod", environment="dev")
    assert flagged(in_process_pack().analyze(neon_project(historyRetentionSeconds=7 * DAY)), POLICY)


def test_message_names_found_and_required(stack):
    stack("staging")
    [message] = messages(in_process_pack().analyze(neon_project("db", historyRetentionSeconds=7 * DAY)), POLICY)
    assert 'neon:index/project:Project "db"' in message
    assert "historyRetentionSeconds is 604800 (7 days)" in message
    assert "staging" in message and "at least 1209600 (14 days)" in message


def test_policy_config_overrides_the_minimum(stack):
    stack("prod")
    stricter = in_process_pack({POLICY: {"prodMinimumDays": 35}})
    assert flagged(stricter.analyze(neon_project(historyRetentionSeconds=30 * DAY)), POLICY) == {"portal-db"}
    looser = in_process_pack({POLICY: {"prodMinimumDays": 7}})
    assert flagged(looser.analyze(neon_project(historyRetentionSeconds=7 * DAY)), POLICY) == set()


def test_policy_config_can_disable_the_policy_or_change_its_level(stack):
    stack("prod")
    short = neon_project(historyRetentionSeconds=DAY)
    assert flagged(in_process_pack({POLICY: "disabled"}).analyze(short), POLICY) == set()
    [advisory] = [
        d for d in in_process_pack({POLICY: {"enforcementLevel": "advisory"}}).analyze(short) if d.policy_name == POLICY
    ]
    assert advisory.enforcement_level == "advisory"


@pytest.mark.parametrize("bad", [{"prodMinimumDays": 0}, {"prodMinimumDays": "thirty"}, {"devMinimumDays": 7.5}])
def test_invalid_minimums_are_refused_like_the_engine_refuses_them(stack, bad):
    stack("prod")
    with pytest.raises(PolicyConfigError, match=POLICY):
        in_process_pack({POLICY: bad})


UPSTASH_POLICY = "backup-retention-upstash"


def upstash_fixtures():
    """One database per case; the name says whether it is backed up."""
    parent = component("UpstashRedis", "redis")
    by_dependency = upstash_redis("ok-by-dependency", parent=parent)  # a real first preview: id unknown
    by_value = upstash_redis("ok-by-value", databaseId="db-literal")  # a literal id, no dependency
    known = upstash_redis("ok-known-and-dependent", databaseId="db-known")
    enabled = upstash_redis("ok-enabled-true")
    generic_type = upstash_redis("ok-generic-dynamic-type")
    disabled = upstash_redis("bad-backup-disabled")
    duplicated = upstash_redis("bad-two-backups")
    no_marker = upstash_redis("bad-backup-without-marker")
    not_dynamic = upstash_redis("bad-marker-on-a-non-dynamic-type")
    wrong_id = upstash_redis("bad-other-database-id", databaseId="db-a")
    sibling = upstash_redis("bad-sibling-under-the-same-component", parent=parent)
    return [
        parent,
        by_dependency,
        upstash_daily_backup("b1", parent=parent, for_database=by_dependency),
        by_value,
        upstash_daily_backup("b2", database_id="db-literal"),
        known,
        upstash_daily_backup("b3", for_database=known, database_id="db-known", daily_backup_enabled=True),
        enabled,
        upstash_daily_backup("b4", for_database=enabled, daily_backup_enabled=True),
        generic_type,
        upstash_daily_backup("b5", for_database=generic_type, type_="pulumi-python:dynamic:Resource"),
        disabled,
        upstash_daily_backup("b6", for_database=disabled, database_id="db-off", daily_backup_enabled=False),
        duplicated,
        upstash_daily_backup("b7", for_database=duplicated),
        upstash_daily_backup("b8", for_database=duplicated),
        no_marker,
        upstash_daily_backup("b9", for_database=no_marker, kind=DROP),
        not_dynamic,
        upstash_daily_backup("b10", for_database=not_dynamic, type_="motion-mavericks:index:UpstashRedis"),
        wrong_id,
        upstash_daily_backup("b11", database_id="db-b"),
        sibling,
        upstash_redis("bad-no-backup-at-all"),
    ]


@pytest.mark.parametrize("stack_name", ["dev", "staging", "prod", "qa"])
def test_exactly_the_databases_without_one_enabled_daily_backup_violate_in_every_environment(stack, stack_name):
    stack(stack_name)
    resources = upstash_fixtures()
    diagnostics = in_process_pack().analyze_stack(resources)
    databases = {r.name for r in resources if r.type == "upstash:index/redisDatabase:RedisDatabase"}
    assert flagged(diagnostics, UPSTASH_POLICY) == {name for name in databases if name.startswith("bad-")}
    assert {d.enforcement_level for d in diagnostics if d.policy_name == UPSTASH_POLICY} == {"mandatory"}


def test_a_database_without_a_backup_is_named_with_the_fix(stack):
    stack("prod")
    [message] = messages(in_process_pack().analyze_stack([upstash_redis("cache")]), UPSTASH_POLICY)
    assert 'upstash:index/redisDatabase:RedisDatabase "cache": no daily backup' in message
    assert "pulumi-python:dynamic/upstash:DailyBackup" in message and "'upstash-daily-backup'" in message
    assert "UpstashDailyBackup(<name>, database_id=<this RedisDatabase>.database_id)" in message
    assert "cannot be matched" not in message


def test_a_backup_that_cannot_be_matched_is_explained(stack):
    stack("prod")
    resources = [upstash_redis("cache"), upstash_daily_backup("orphan", database_id=UNKNOWN)]
    [message] = messages(in_process_pack().analyze_stack(resources), UPSTASH_POLICY)
    assert "1 daily-backup resource(s) have a database_id unknown at preview and no dependency" in message


def test_backup_disabled_by_drift_names_the_backup_and_the_fix(stack):
    stack("prod")
    database = upstash_redis("cache")
    backup = upstash_daily_backup("cache-daily-backup", for_database=database, daily_backup_enabled=False)
    [message] = messages(in_process_pack().analyze_stack([database, backup]), UPSTASH_POLICY)
    assert 'RedisDatabase "cache": daily backup is off' in message
    assert '"cache-daily-backup" has daily_backup_enabled false' in message and "pulumi up" in message


def test_two_backups_for_one_database_are_named(stack):
    stack("prod")
    database = upstash_redis("cache")
    resources = [database, *(upstash_daily_backup(n, for_database=database) for n in ("one", "two"))]
    [message] = messages(in_process_pack().analyze_stack(resources), UPSTASH_POLICY)
    assert "2 daily-backup resources target it ('one', 'two')" in message and "Keep exactly one" in message


@pytest.mark.parametrize("enabled", [True, UNKNOWN, DROP])
def test_a_backed_up_database_passes_whatever_the_output_says_short_of_false(stack, enabled):
    stack("prod")
    database = upstash_redis("cache")
    backup = upstash_daily_backup(for_database=database, daily_backup_enabled=enabled)
    assert flagged(in_process_pack().analyze_stack([database, backup]), UPSTASH_POLICY) == set()


def test_the_upstash_rule_can_be_made_advisory_in_policy_config(stack):
    stack("prod")
    pack = in_process_pack({UPSTASH_POLICY: "advisory"})
    [diagnostic] = [d for d in pack.analyze_stack([upstash_redis("cache")]) if d.policy_name == UPSTASH_POLICY]
    assert diagnostic.enforcement_level == "advisory"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(DAY, "86400 (1 day)"), (DAY // 2, "43200 (0.5 days)"), (2 * DAY, "172800 (2 days)")]
)
def test_the_retention_found_is_shown_in_days(stack, seconds, shown):
    stack("prod")
    [message] = messages(in_process_pack().analyze(neon_project("db", historyRetentionSeconds=seconds)), POLICY)
    assert f"historyRetentionSeconds is {shown}" in message


def test_other_types_sorting_before_or_after_neon_are_not_judged(stack):
    stack("prod")
    others = [resource("aws:s3/bucket:Bucket", "bucket", {}), resource("vercel:index/project:Project", "site", {})]
    assert flagged(analyze_each(in_process_pack(), others), POLICY) == set()
    assert flagged(in_process_pack().analyze_stack(others), UPSTASH_POLICY) == set()


@pytest.mark.parametrize(("days", "accepted"), [(1, True), (0, False)])
def test_a_minimum_of_one_day_is_the_least_policy_config_takes(stack, days, accepted):
    stack("prod")
    if accepted:
        in_process_pack({POLICY: {"prodMinimumDays": days}})
    else:
        with pytest.raises(PolicyConfigError, match=POLICY):
            in_process_pack({POLICY: {"prodMinimumDays": days}})
