"""Each component alone, under mocks that behave like `pulumi up` (outputs known after creation)."""

from __future__ import annotations

import pulumi
import pytest

from components import (
    NeonDatabase,
    SentryProject,
    SiteServices,
    UpstashRedis,
    VercelSite,
    sentry_provider,
    vercel_provider,
)
from components.settings import Settings, settings_from_stack_config
from components.tags import ResourceTags
from components.upstash_backup import TYPE_TOKEN as UPSTASH_DAILY_BACKUP
from preflight.monitor import ProgramRun, run_under_mocks
from preflight.registrations import SECRET_SIG, SIG_KEY
from stack_config import Project
from tests.support.project import ROOT

TAGS = ResourceTags(env="prod", owner="platform-engineering", data_class="confidential")

OWNER_PASSWORD = "owner-fake-password-0001"

# What each provider would report after creating the resource.
CREATED = {
    "neon:index/project:Project": {
        "databaseHost": "ep-calm-sea-123.ap-southeast-2.aws.neon.tech",
        # The owner role's password, which the provider writes into the Project's state.
        "databaseUser": "neondb_owner",
        "databasePassword": OWNER_PASSWORD,
        "connectionUri": f"postgres://neondb_owner:{OWNER_PASSWORD}@ep-calm-sea-123.ap-southeast-2.aws.neon.tech/neondb",
    },
    "neon:index/role:Role": {"password": "p@ss/word+1"},
    "upstash:index/redisDatabase:RedisDatabase": {
        "databaseId": "6gcefvfd-9627-2tz5-4l71-c5679g19d2g4",
        "endpoint": "mm-portal.upstash.io",
        "restToken": "upstash-token-for-tests",
    },
    "sentry:index/sentryKey:SentryKey": {"dsnPublic": "https://abc@o1.ingest.us.sentry.io/2"},
    "pulumi-python:dynamic/upstash:DailyBackup": {"daily_backup_enabled": True},
}


class UpMocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return f"{args.name}-id", {**args.inputs, **CREATED.get(args.typ, {})}

    def call(self, args: pulumi.runtime.MockCallArgs):
        raise AssertionError(f"unexpected invoke {args.token}")


def settings(stack: str = "prod") -> Settings:
    return settings_from_stack_config(Project.load(ROOT).stack_config(stack).values, stack)


def run(program, preview: bool = False) -> ProgramRun:
    project = "motion-mavericks-portal"
    return run_under_mocks(program, project, "prod", mock_provider=UpMocks(), preview=preview)


def secret_value(wire):
    assert wire[SIG_KEY] == SECRET_SIG, f"{wire!r} is not a secret"
    return wire["value"]


def test_neon_database_outputs_carry_no_password() -> None:
    """The mocks give the Role and the Project (owner role) real-looking passwords: none reaches an output."""

    def program():
        db = NeonDatabase("neon", settings().neon, TAGS, protect=True)
        pulumi.export("uri", db.connection_uri)
        pulumi.export("host", db.host)
        pulumi.export("project_id", db.project_id)

    result = run(program)
    uri = secret_value(result.stack_outputs["uri"])
    assert uri == "postgresql://portal_app@ep-calm-sea-123.ap-southeast-2.aws.neon.tech/portal?sslmode=require"
    shown = repr(result.stack_outputs)
    for password in ("p@ss/word+1", "p%40ss%2Fword%2B1", OWNER_PASSWORD, "neondb_owner"):
        assert password not in shown
    assert result.stack_outputs["host"] == "ep-calm-sea-123.ap-southeast-2.aws.neon.tech"
    (component,) = result.by_type("motion-mavericks:index:NeonDatabase")
    assert component.inputs == {"tags": TAGS.as_props()}
    children = [r for r in result.registrations if r.parent == component.urn]
    assert len(children) == 3


def test_neon_database_unprotected_outside_prod() -> None:
    result = run(lambda: NeonDatabase("neon", settings("dev").neon, TAGS, protect=False))
    (project,) = result.by_type("neon:index/project:Project")
    assert (project.protect, project.retain_on_delete) == (False, False)
    assert project.inputs["historyRetentionSeconds"] == 7 * 86400


def test_upstash_redis_exposes_rest_url_and_token_as_secrets() -> None:
    def program():
        redis = UpstashRedis("upstash", settings().upstash, TAGS, protect=True)
        pulumi.export("url", redis.rest_url)
        pulumi.export("token", redis.rest_token)
        pulumi.export("endpoint", redis.endpoint)

    result = run(program)
    assert secret_value(result.stack_outputs["url"]) == "https://mm-portal.upstash.io"
    assert secret_value(result.stack_outputs["token"]) == "upstash-token-for-tests"
    (database,) = result.by_type("upstash:index/redisDatabase:RedisDatabase")
    assert database.protect and database.retain_on_delete
    assert database.inputs["prodPack"] is True


def test_upstash_redis_enables_daily_backup_on_its_own_database_id() -> None:
    result = run(lambda: UpstashRedis("upstash", settings("dev").upstash, TAGS, protect=False))
    (component,) = result.by_type("motion-mavericks:index:UpstashRedis")
    (database,) = result.by_type("upstash:index/redisDatabase:RedisDatabase")
    (backup,) = result.by_type(UPSTASH_DAILY_BACKUP)
    assert backup.type == "pulumi-python:dynamic/upstash:DailyBackup" and backup.name == "upstash-daily-backup"
    assert backup.parent == component.urn
    assert backup.inputs["database_id"] == "6gcefvfd-9627-2tz5-4l71-c5679g19d2g4", "the database_id output"
    assert backup.property_dependencies["database_id"] == [database.urn]
    assert (backup.protect, backup.retain_on_delete) == (False, False), "outside prod deleting it disables backup"
    assert component.outputs["daily_backup_enabled"] is True


def test_sentry_project_uses_the_data_storage_host_and_exports_the_public_dsn() -> None:
    def program():
        s = settings().sentry
        opts = pulumi.ResourceOptions(providers=[sentry_provider(s)])
        project = SentryProject("sentry-guest", "mm-portal-guest-prod", "prod", s, TAGS, opts=opts)
        pulumi.export("dsn", project.dsn)

    result = run(program)
    assert result.stack_outputs["dsn"] == "https://abc@o1.ingest.us.sentry.io/2"
    (alert,) = result.by_type("sentry:index/sentryIssueAlert:SentryIssueAlert")
    conditions = alert.inputs["conditions"]
    assert {"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"} in conditions
    frequency = next(c for c in conditions if c["id"].endswith("EventFrequencyCondition"))
    assert frequency["value"] == "10" and frequency["interval"] == "1h"
    assert alert.inputs["environment"] == "prod"
    (metric,) = result.by_type("sentry:index/sentryMetricAlert:SentryMetricAlert")
    thresholds = {t["label"]: t["alertThreshold"] for t in metric.inputs["triggers"]}
    assert thresholds == {"critical": 50, "warning": 10}
    assert metric.inputs["timeWindow"] == 15


@pytest.mark.parametrize("preview", [True, False])
def test_vercel_site_marks_credentials_sensitive_and_everything_else_not(preview: bool) -> None:
    def program():
        s = settings()
        services = SiteServices(
            database_url=pulumi.Output.secret("postgresql://u:p@h/db"),
            redis_rest_url=pulumi.Output.secret("https://r.upstash.io"),
            redis_rest_token=pulumi.Output.secret("tok"),
            sentry_dsn=pulumi.Output.from_input("https://abc@o1.ingest.us.sentry.io/2"),
        )
        opts = pulumi.ResourceOptions(providers=[vercel_provider(s.vercel)])
        VercelSite("guest", s.vercel.sites.guest, s.vercel, "prod", services, TAGS, opts=opts)

    result = run(program, preview=preview)
    variables = {
        v.inputs["key"]: v for v in result.by_type("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")
    }
    sensitive = {key for key, v in variables.items() if v.inputs["sensitive"]}
    assert sensitive == {"DATABASE_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"}
    assert variables["NEXT_PUBLIC_FEATURE_AGENCY_INVITES"].inputs["value"]["value"] == "false"
    assert all(v.inputs["targets"] == ["production"] for v in variables.values())
    (domain,) = result.by_type("vercel:index/projectDomain:ProjectDomain")
    assert domain.inputs["domain"] == "share.portal.motionmavericks.com.au"
    (retention,) = result.by_type("vercel:index/projectDeploymentRetention:ProjectDeploymentRetention")
    assert retention.inputs["expirationProduction"] == "1y"


def test_a_vercel_site_without_the_stacks_team_provider_is_refused() -> None:
    """Without it every resource would go to the token's default scope instead of the team."""

    def program():
        s = settings()
        services = SiteServices(*(pulumi.Output.secret("x") for _ in range(4)))
        VercelSite("guest", s.vercel.sites.guest, s.vercel, "prod", services, TAGS)

    with pytest.raises(TypeError, match=r"VercelSite 'guest' needs the stack's Vercel provider"):
        run(program)
