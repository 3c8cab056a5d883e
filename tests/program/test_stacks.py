"""The whole program, for each shipped stack, under Pulumi's mock monitor."""

from __future__ import annotations

from components.upstash_backup import TYPE_TOKEN as UPSTASH_DAILY_BACKUP
from preflight.monitor import ProgramRun
from preflight.registrations import SECRET_SIG, SIG_KEY, UNKNOWN_WIRE

RETENTION_DAYS = {"dev": 7, "staging": 14, "prod": 30}
TAG_KEYS = {"env", "owner", "data_class"}


def test_three_vercel_projects_run_functions_only_in_sydney(shipped_run: ProgramRun) -> None:
    projects = shipped_run.by_type("vercel:index/project:Project")
    assert sorted(p.inputs["name"] for p in projects) == sorted(
        f"mm-portal-{site}-{shipped_run.stack}" for site in ("admin", "agency", "guest")
    )
    for project in projects:
        assert project.inputs["resourceConfig"]["functionDefaultRegions"] == ["syd1"]
        assert project.inputs["functionFailover"] is False
        assert "serverlessFunctionRegion" not in project.inputs
        assert project.inputs["vercelAuthentication"]["deploymentType"] != "none"
        assert project.inputs["gitRepository"]["repo"] == "maverick/ai-system"


def test_each_site_has_domains_retention_and_variables(shipped_run: ProgramRun) -> None:
    for site in ("admin", "agency", "guest"):
        children = [r for r in shipped_run.registrations if r.parent.endswith(f"::{site}")]
        types = {r.type for r in children}
        assert "vercel:index/projectDomain:ProjectDomain" in types
        assert "vercel:index/projectDeploymentRetention:ProjectDeploymentRetention" in types
        keys = {
            r.inputs["key"]
            for r in children
            if r.type == "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
        }
        assert {"DATABASE_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"} <= keys
        assert "NEXT_PUBLIC_SENTRY_DSN" in keys
        assert any(k.startswith("NEXT_PUBLIC_FEATURE_") for k in keys)


def test_credentials_are_secret_and_sensitive(shipped_run: ProgramRun) -> None:
    variables = shipped_run.by_type("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")
    credentials = [v for v in variables if v.inputs["key"] in _CREDENTIALS]
    # three connection credentials per site, plus the third-party secrets: 6 on admin and agency, 3 on guest
    assert len(credentials) == 3 * 3 + 6 + 6 + 3
    for variable in credentials:
        assert variable.inputs["sensitive"] is True, variable.name
        assert variable.inputs["value"][SIG_KEY] == SECRET_SIG, variable.name
        assert "value" in variable.secret_inputs
    for variable in variables:
        assert isinstance(variable.inputs["sensitive"], bool), f"{variable.name}: sensitive must be explicit"
    outputs = shipped_run.stack_outputs
    assert outputs["database_connection_uri"][SIG_KEY] == SECRET_SIG


_CREDENTIALS = {"DATABASE_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"} | {
    "CLERK_SECRET_KEY",
    "MUX_TOKEN_ID",
    "MUX_TOKEN_SECRET",
    "MUX_SIGNING_KEY",
    "MUX_PRIVATE_KEY",
    "RESEND_API_KEY",
}


def test_neon_project_is_in_sydney_with_the_environments_restore_window(shipped_run: ProgramRun) -> None:
    (project,) = shipped_run.by_type("neon:index/project:Project")
    assert project.inputs["regionId"] == "aws-ap-southeast-2"
    assert project.inputs["historyRetentionSeconds"] == RETENTION_DAYS[shipped_run.stack] * 86400
    assert project.inputs["pgVersion"] == 17
    settings = project.inputs["defaultEndpointSettings"]
    assert settings["autoscalingLimitMinCu"] <= settings["autoscalingLimitMaxCu"]
    assert {"connectionUri", "databasePassword"} <= set(project.additional_secret_outputs)
    (role,) = shipped_run.by_type("neon:index/role:Role")
    assert "password" in role.additional_secret_outputs
    (database,) = shipped_run.by_type("neon:index/database:Database")
    assert database.inputs["name"] == "portal"
    assert database.inputs["ownerName"] == role.inputs["name"]


def test_neon_resources_register_through_the_parameterized_package(shipped_run: ProgramRun) -> None:
    (package,) = shipped_run.packages
    assert package["name"] == "terraform-provider"
    assert package["parameterized_name"] == "neon"
    assert '"url":"registry.opentofu.org/kislerdm/neon"' in package["parameter"]
    neon = [r for r in shipped_run.registrations if r.type.startswith("neon:")]
    assert {r.type for r in neon} == {
        "neon:index/project:Project",
        "neon:index/role:Role",
        "neon:index/database:Database",
    }
    assert all(r.package_ref for r in neon)


def test_upstash_is_global_with_a_sydney_primary_and_no_eviction(shipped_run: ProgramRun) -> None:
    (database,) = shipped_run.by_type("upstash:index/redisDatabase:RedisDatabase")
    assert database.inputs["region"] == "global"
    assert database.inputs["primaryRegion"] == "ap-southeast-2"
    assert not database.inputs.get("readRegions")
    assert database.inputs["eviction"] is False
    assert database.inputs["tls"] is True
    assert {"restToken", "password"} <= set(database.additional_secret_outputs)


def test_every_upstash_database_has_exactly_one_daily_backup_wired_to_it(shipped_run: ProgramRun) -> None:
    components = {r.urn: r for r in shipped_run.by_type("motion-mavericks:index:UpstashRedis")}
    backups = shipped_run.by_type(UPSTASH_DAILY_BACKUP)
    databases = shipped_run.by_type("upstash:index/redisDatabase:RedisDatabase")
    assert databases and len(backups) == len(databases)
    for database in databases:
        (backup,) = [b for b in backups if b.property_dependencies.get("database_id") == [database.urn]]
        assert backup.parent == database.parent and backup.parent in components, "inside the same UpstashRedis"
        assert backup.inputs["kind"] == "upstash-daily-backup"
        assert backup.inputs["database_id"] == UNKNOWN_WIRE, "the database's id output, unknown until it exists"
        assert (backup.protect, backup.retain_on_delete) == (database.protect, database.retain_on_delete)
        assert set(backup.inputs) == {"database_id", "kind", "__provider"}, "no credential among the inputs"
        assert backup.secret_inputs == ["__provider"]


def test_sentry_projects_have_keys_and_alerts(shipped_run: ProgramRun) -> None:
    projects = shipped_run.by_type("sentry:index/sentryProject:SentryProject")
    assert len(projects) == 3
    kinds = ("sentryKey:SentryKey", "sentryIssueAlert:SentryIssueAlert")
    kinds += ("sentryMetricAlert:SentryMetricAlert",)
    for kind in kinds:
        resources = shipped_run.by_type(f"sentry:index/{kind}")
        assert sorted(r.parent for r in resources) == sorted(p.parent for p in projects), kind
    (provider,) = shipped_run.by_type("pulumi:providers:sentry")
    assert provider.inputs["baseUrl"] in ("https://us.sentry.io/api/", "https://de.sentry.io/api/")
    for project in projects:
        assert project.provider.startswith(provider.urn)


def test_vercel_resources_use_the_stacks_one_provider_for_the_team_and_carry_no_team_id(
    shipped_run: ProgramRun,
) -> None:
    """Vercel's API takes `teamId` only as an id (`team_...`); the provider alone resolves a slug to it."""
    (provider,) = shipped_run.by_type("pulumi:providers:vercel")
    # prod in its own team; dev and staging in the non-prod one (account_isolation, docs/delivery.md)
    expected = "motion-mavericks" if shipped_run.stack == "prod" else "motion-mavericks-nonprod"
    assert provider.inputs["team"] == expected
    resources = [r for r in shipped_run.registrations if r.type.startswith("vercel:index/")]
    assert len(resources) > 3
    for resource in resources:
        assert "teamId" not in resource.inputs, resource.name
        assert resource.provider.startswith(provider.urn + "::"), resource.name


def test_every_neon_project_names_its_organisation(shipped_run: ProgramRun) -> None:
    (project,) = shipped_run.by_type("neon:index/project:Project")
    assert project.inputs["orgId"] == "org-motion-mavericks"


def test_every_resource_has_a_tagged_component_among_its_ancestors(shipped_run: ProgramRun) -> None:
    components = [r for r in shipped_run.registrations if r.type.startswith("motion-mavericks:index:")]
    assert {c.type.rsplit(":", 1)[-1] for c in components} == {
        "VercelSite",
        "NeonDatabase",
        "UpstashRedis",
        "SentryProject",
        "GrafanaMonitoring",
    }
    for component in components:
        assert component.inputs["tags"]["env"] == shipped_run.stack
        assert set(component.inputs["tags"]) == TAG_KEYS
    tagged = {c.urn for c in components}
    for resource in shipped_run.registrations:
        if not resource.custom or resource.type.startswith("pulumi:providers:"):
            continue
        assert resource.parent in tagged, f"{resource.name} ({resource.type}) is not under a tagged component"


def test_production_data_stores_are_protected_only_in_prod(shipped_run: ProgramRun) -> None:
    stores = shipped_run.by_type("neon:index/project:Project") + shipped_run.by_type(
        "upstash:index/redisDatabase:RedisDatabase"
    )
    stores += shipped_run.by_type("neon:index/database:Database")
    expected = shipped_run.stack == "prod"
    for store in stores:
        assert (store.protect, store.retain_on_delete) == (expected, expected), store.name
    (project,) = shipped_run.by_type("neon:index/project:Project")
    assert project.inputs["defaultBranchProtected"] is expected


def test_stack_outputs_users_need(shipped_run: ProgramRun) -> None:
    outputs = shipped_run.stack_outputs
    for site in ("admin", "agency", "guest"):
        assert outputs[f"{site}_url"].startswith("https://")
        assert f"{site}_sentry_dsn" in outputs
    assert {"database_host", "database_connection_uri", "redis_endpoint"} <= set(outputs)
