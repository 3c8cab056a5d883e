"""The pack in-process, spoken to through the same client and wire encoding as the real subprocess.

`in_process_pack()` wraps the SDK's own servicer (what `PolicyPack` serves), so every test goes through
deserialisation, the unknown-checking proxies, enforcement levels and policy config exactly as the
engine's calls would; only the gRPC transport is skipped. Builders make a compliant resource of each type,
and a keyword changes one field (`DROP` removes it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mm_policies import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel

from preflight.analyzer_host import UNKNOWN, AnalyzeDiagnostic, AnalyzerClient, Resource, Secret, make_urn
from sdk_internals import policy_servicer

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
PROJECT = "motion-mavericks-portal"
STACK = "test"
DROP: Any = object()

__all__ = ["DROP", "UNKNOWN", "Secret"]


class InProcessStub:
    """An AnalyzerStub's interface over a servicer object."""

    def __init__(self, servicer: Any) -> None:
        self._servicer = servicer

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._servicer, method)
        return lambda request, timeout=None: call(request, None)


def in_process_pack(config: Mapping[str, Any] | None = None) -> AnalyzerClient:
    """The pack, configured the way the engine configures it (with `config` as a policy config file)."""
    servicer = policy_servicer(PACK_NAME, "0.0.1", list(POLICIES), EnforcementLevel.ADVISORY)
    client = AnalyzerClient(InProcessStub(servicer))
    client.configure(config)
    return client


def _changed(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    props = dict(base)
    for key, value in changes.items():
        if value is DROP:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def resource(
    type_: str,
    name: str,
    props: Mapping[str, Any],
    *,
    parent: Resource | None = None,
    project: str = PROJECT,
    **options: Any,
) -> Resource:
    parent_urn = parent.urn if parent else ""
    return Resource(
        type=type_,
        name=name,
        urn=make_urn(project, STACK, type_, name, parent_urn),
        properties=props,
        parent=parent_urn,
        **options,
    )


COMPONENT_TAGS = {"env": "prod", "owner": "platform-engineering", "data_class": "confidential"}

NEON_PROJECT = {
    "name": "portal",
    "regionId": "aws-ap-southeast-2",
    "historyRetentionSeconds": 30 * 86400,
    "pgVersion": 17,
    "orgId": "org-motion-mavericks",
    "defaultEndpointSettings": {
        "autoscalingLimitMinCu": 0.25,
        "autoscalingLimitMaxCu": 2,
        "suspendTimeoutSeconds": 300,
    },
}
NEON_ENDPOINT = {"projectId": UNKNOWN, "branchId": UNKNOWN, "regionId": "aws-ap-southeast-2", "type": "read_write"}
UPSTASH_REDIS = {
    "databaseName": "portal",
    "region": "global",
    "primaryRegion": "ap-southeast-2",
    "eviction": False,
    "tls": True,
    "prodPack": True,
    "budget": 50,
    "autoScale": False,
}
UPSTASH_DAILY_BACKUP_TYPE = "pulumi-python:dynamic/upstash:DailyBackup"
UPSTASH_DAILY_BACKUP = {
    "kind": "upstash-daily-backup",
    "database_id": UNKNOWN,  # the database's database_id output: unknown until the database exists
    "__provider": Secret("gASVPwAAAAAAAACMGWNvbXBvbmVudHMudXBzdGFzaF9iYWNrdXCU"),  # a pickle prefix, as sent
}
VERCEL_PROJECT = {
    "name": "portal-admin",
    "framework": "nextjs",
    "rootDirectory": "apps/admin",
    "gitRepository": {"type": "github", "repo": "motion-mavericks/portal", "productionBranch": "main"},
    "resourceConfig": {"functionDefaultRegions": ["syd1"]},
    "functionFailover": False,
    "teamId": "team_motion",
    "vercelAuthentication": {"deploymentType": "standard_protection"},
}
VERCEL_ENV_VAR = {
    "projectId": UNKNOWN,
    "key": "DATABASE_URL",
    "value": Secret("postgres://portal:hunter2-not-real@ep-x.ap-southeast-2.aws.neon.tech/portal"),
    "sensitive": True,
    "targets": ["production", "preview"],
    "teamId": "team_motion",
}
SENTRY_PROJECT = {
    "organization": "motion-mavericks",
    "teams": ["platform"],
    "name": "portal-admin",
    "slug": "portal-admin",
    "platform": "javascript-nextjs",
}
SENTRY_ISSUE_ALERT = {
    "organization": "motion-mavericks",
    "project": "portal-admin",
    "name": "New issues in portal-admin",
    "actionMatch": "any",
    "frequency": 30,
    "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
    "actions": [{"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners"}],
}

VERCEL_DOMAIN = {"projectId": UNKNOWN, "domain": "admin.portal.example.com.au", "teamId": "team_motion"}
GRAFANA_STACK = {
    "name": "mmportalprod",
    "slug": "mmportalprod",
    "regionSlug": "prod-au-southeast-1",
    "labels": {"env": "prod", "owner": "platform-engineering", "data_class": "confidential"},
}
GRAFANA_CHECK = {
    "job": "mm-portal-prod-admin",
    "target": "https://admin.portal.example.com.au/",
    "probes": [43],
    "frequency": 60000,
    "enabled": True,
    "settings": {"http": {"failIfNotSsl": True, "validStatusCodes": [200]}},
}
GRAFANA_CONTACT_POINT = {"name": "mm-portal-prod-owner", "emails": [{"addresses": ["owner@example.com.au"]}]}
GRAFANA_STACK_PROVIDER = {
    "url": UNKNOWN,
    "auth": Secret("fake-service-account-token-for-tests"),
    "smUrl": "https://synthetic-monitoring-api-au-southeast-1.grafana.net",
    "smAccessToken": Secret("fake-sm-token-for-tests"),
}


def component(kind: str, name: str, tags: Any = COMPONENT_TAGS, *, parent: Resource | None = None) -> Resource:
    """One of our components, with `tags` as its tags input (`DROP`: none)."""
    props = {} if tags is DROP else {"tags": tags}
    return resource(f"motion-mavericks:index:{kind}", name, props, parent=parent)


def neon_project(
    resource_name: str = "portal-db", *, parent: Resource | None = None, protect: bool = True, **changes: Any
):
    return resource(
        "neon:index/project:Project", resource_name, _changed(NEON_PROJECT, changes), parent=parent, protect=protect
    )


def neon_endpoint(resource_name: str = "portal-ep", *, parent: Resource | None = None, **changes: Any) -> Resource:
    return resource("neon:index/endpoint:Endpoint", resource_name, _changed(NEON_ENDPOINT, changes), parent=parent)


def neon_database(resource_name: str = "portal-database", *, protect: bool = True) -> Resource:
    inputs = {"projectId": UNKNOWN, "branchId": UNKNOWN, "name": "portal", "ownerName": UNKNOWN}
    return resource("neon:index/database:Database", resource_name, inputs, protect=protect)


def neon_branch(resource_name: str = "portal-branch", *, protect: bool = True) -> Resource:
    inputs = {"projectId": UNKNOWN, "name": "reporting"}
    return resource("neon:index/branch:Branch", resource_name, inputs, protect=protect)


def neon_role(resource_name: str = "portal-app-role") -> Resource:
    inputs = {"projectId": UNKNOWN, "branchId": UNKNOWN, "name": "portal_app"}
    return resource("neon:index/role:Role", resource_name, inputs)


def upstash_redis(
    resource_name: str = "portal-redis", *, parent: Resource | None = None, protect: bool = True, **changes: Any
):
    props = _changed(UPSTASH_REDIS, changes)
    return resource("upstash:index/redisDatabase:RedisDatabase", resource_name, props, parent=parent, protect=protect)


def upstash_daily_backup(
    resource_name: str = "portal-redis-daily-backup",
    *,
    parent: Resource | None = None,
    for_database: Resource | None = None,
    type_: str = UPSTASH_DAILY_BACKUP_TYPE,
    **changes: Any,
) -> Resource:
    """A daily-backup resource; `for_database` makes its `database_id` depend on that database, as the
    database's `database_id` output would."""
    return resource(
        type_,
        resource_name,
        _changed(UPSTASH_DAILY_BACKUP, changes),
        parent=parent,
        property_dependencies={"database_id": [for_database.urn]} if for_database else {},
        dependencies=[for_database.urn] if for_database else [],
    )


def vercel_project(resource_name: str = "portal-admin", *, parent: Resource | None = None, **changes: Any) -> Resource:
    return resource("vercel:index/project:Project", resource_name, _changed(VERCEL_PROJECT, changes), parent=parent)


def vercel_env_var(
    resource_name: str = "admin-database-url", *, parent: Resource | None = None, **changes: Any
) -> Resource:
    props = _changed(VERCEL_ENV_VAR, changes)
    return resource(
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", resource_name, props, parent=parent
    )


def sentry_project(resource_name: str = "portal-admin", *, parent: Resource | None = None, **changes: Any) -> Resource:
    return resource(
        "sentry:index/sentryProject:SentryProject", resource_name, _changed(SENTRY_PROJECT, changes), parent=parent
    )


def sentry_issue_alert(
    resource_name: str = "portal-admin-alert",
    *,
    parent: Resource | None = None,
    for_project: Resource | None = None,
    **changes: Any,
) -> Resource:
    """An issue alert; `for_project` makes its `project` input depend on that project, as an output would."""
    props = _changed(SENTRY_ISSUE_ALERT, changes)
    return resource(
        "sentry:index/sentryIssueAlert:SentryIssueAlert",
        resource_name,
        props,
        parent=parent,
        property_dependencies={"project": [for_project.urn]} if for_project else {},
        dependencies=[for_project.urn] if for_project else [],
    )


def vercel_domain(resource_name: str = "admin-domain", *, parent: Resource | None = None, **changes: Any) -> Resource:
    props = _changed(VERCEL_DOMAIN, changes)
    return resource("vercel:index/projectDomain:ProjectDomain", resource_name, props, parent=parent)


def grafana_stack(resource_name: str = "grafana-stack", *, parent: Resource | None = None, **changes: Any) -> Resource:
    return resource("grafana:cloud/stack:Stack", resource_name, _changed(GRAFANA_STACK, changes), parent=parent)


def grafana_check(resource_name: str = "admin-check", *, parent: Resource | None = None, **changes: Any) -> Resource:
    props = _changed(GRAFANA_CHECK, changes)
    return resource("grafana:syntheticMonitoring/check:Check", resource_name, props, parent=parent)


def grafana_contact_point(
    resource_name: str = "grafana-contact", *, parent: Resource | None = None, **changes: Any
) -> Resource:
    props = _changed(GRAFANA_CONTACT_POINT, changes)
    return resource("grafana:alerting/contactPoint:ContactPoint", resource_name, props, parent=parent)


def grafana_provider(resource_name: str = "grafana-stack", *, parent: Resource | None = None, **changes: Any):
    props = _changed(GRAFANA_STACK_PROVIDER, changes)
    return resource("pulumi:providers:grafana", resource_name, props, parent=parent)


def grafana_monitoring(name: str = "grafana", region: Any = "prod-au-southeast-1", **changes: Any) -> Resource:
    """The GrafanaMonitoring component with its declared stack (`region` DROP: no `grafanaStack` at all)."""
    stack = {"slug": "mmportalprod", "regionSlug": region, "declaredBy": "this stack"}
    props = {"tags": COMPONENT_TAGS, **({} if region is DROP else {"grafanaStack": stack})}
    return resource("motion-mavericks:index:GrafanaMonitoring", name, _changed(props, changes))


def analyze_each(pack: AnalyzerClient, resources: Iterable[Resource]) -> list[AnalyzeDiagnostic]:
    return [diagnostic for r in resources for diagnostic in pack.analyze(r)]


def flagged(diagnostics: Iterable[AnalyzeDiagnostic], policy: str) -> set[str]:
    """The names (last URN segment) of the resources `policy` reported."""
    return {d.urn.rsplit("::", 1)[-1] for d in diagnostics if d.policy_name == policy}


def messages(diagnostics: Iterable[AnalyzeDiagnostic], policy: str) -> list[str]:
    return [d.message for d in diagnostics if d.policy_name == policy]
