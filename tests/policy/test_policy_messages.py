"""What the pack tells the engine where two different situations would otherwise read alike: found unpinned by a
mutation run of the environment, retention and alerting rules (`make mutation`).

- how the environment was decided, when the configured environment is no environment at all;
- the "cannot be matched" caveat of a database without a daily backup, which must count only the backups that
  really cannot be matched;
- the reason a policy gives the engine for not applying in this environment (the Analyzer protocol's
  `not_applicable`, which the engine shows in its policy summary), naming the policy that does apply.
"""

from __future__ import annotations

import json

import pytest
from mm_policies import PACK_NAME, POLICIES, environment
from policy_harness import (
    UNKNOWN,
    InProcessStub,
    in_process_pack,
    messages,
    sentry_issue_alert,
    sentry_project,
    upstash_daily_backup,
    upstash_redis,
)
from pulumi_policy import EnforcementLevel

from preflight.analyzer_host import AnalyzerClient, build_analyze_stack_request
from sdk_internals import policy_servicer

KEY = "motion-mavericks-portal:environment"
UPSTASH_POLICY = "backup-retention-upstash"


# --- environment ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("configured", ["development", "Dev", "live", "production", "qa", ""])
def test_a_configured_environment_that_is_none_of_the_three_is_said_to_count_as_prod(configured):
    decided = environment.resolve("dev", json.dumps({KEY: configured}))
    assert decided.name == "prod"
    assert decided.how == (
        f"stack 'dev' and {KEY}={configured!r} (not dev/staging/prod: treated as prod) disagree; the stricter wins"
    )


@pytest.mark.parametrize("configured", ["dev", "staging", "prod"])
def test_a_configured_environment_that_is_one_of_the_three_carries_no_such_note(configured):
    decided = environment.resolve("prod", json.dumps({KEY: configured}))
    assert "treated as prod" not in decided.how


# --- backup-retention-upstash --------------------------------------------------------------------------------------


def test_backups_matched_to_other_databases_are_not_counted_as_unmatchable(stack):
    """`cache` has no backup; the two backups there are clearly another database's (one by the dependency on
    its output, one by its literal id), so the message must not blame unmatchable backups."""
    stack("prod")
    sessions = upstash_redis("sessions", databaseId="db-sessions")
    queue = upstash_redis("queue", databaseId="db-queue")
    resources = [
        upstash_redis("cache"),
        sessions,
        upstash_daily_backup("sessions-backup", for_database=sessions, database_id=UNKNOWN),
        queue,
        upstash_daily_backup("queue-backup", database_id="db-queue"),
    ]
    [message] = messages(in_process_pack().analyze_stack(resources), UPSTASH_POLICY)
    assert 'RedisDatabase "cache": no daily backup' in message
    assert "cannot be matched" not in message


def test_only_the_backups_that_cannot_be_matched_are_counted(stack):
    stack("prod")
    sessions = upstash_redis("sessions")
    resources = [
        upstash_redis("cache"),
        sessions,
        upstash_daily_backup("sessions-backup", for_database=sessions, database_id=UNKNOWN),
        upstash_daily_backup("orphan", database_id=UNKNOWN),
    ]
    [message] = messages(in_process_pack().analyze_stack(resources), UPSTASH_POLICY)
    assert "(1 daily-backup resource(s) have a database_id unknown at preview and no dependency" in message


# --- sentry-alerting / sentry-alerting-dev: which one applies ------------------------------------------------------


def _not_applicable(resources) -> dict[str, str]:
    """Policy name -> reason, from the AnalyzeStack response exactly as the engine receives it."""
    servicer = policy_servicer(PACK_NAME, "0.0.1", list(POLICIES), EnforcementLevel.ADVISORY)
    AnalyzerClient(InProcessStub(servicer)).configure(None)
    response = servicer.AnalyzeStack(build_analyze_stack_request(resources), None)
    return {item.policy_name: item.reason for item in response.not_applicable}


@pytest.mark.parametrize(
    ("stack_name", "skipped", "reason"),
    [
        ("dev", "sentry-alerting", "sentry-alerting-dev applies in dev (stack 'dev')"),
        ("staging", "sentry-alerting-dev", "sentry-alerting applies in staging (stack 'staging')"),
        ("prod", "sentry-alerting-dev", "sentry-alerting applies in prod (stack 'prod')"),
    ],
)
def test_the_alerting_policy_that_does_not_apply_names_the_one_that_does(stack, stack_name, skipped, reason):
    stack(stack_name)
    project = sentry_project("portal-admin")
    reasons = _not_applicable([project, sentry_issue_alert(for_project=project)])
    assert reasons.get(skipped) == reason
    assert ({"sentry-alerting", "sentry-alerting-dev"} - {skipped}).isdisjoint(reasons)
