"""The one catalog of the resource types the portal uses: what each one means, for every tool that reads it.

For each type token, as the engine sends it (the providers' schemas): its service, whether it holds the
portal's data, which wire inputs decide where it stores or processes data, how the residency report names
it, and which resource backs it up. Region codes and data-storage hosts have their place names here too.

Who reads it: the preflight's rendering and report (`preflight/render.py`, `preflight/report.py`: the
preview's inline properties and the residency rows), and the compliance evidence (`compliance/`: the
classification of changes and the residency report). It imports nothing but the standard library, so the
evidence tools never load the Pulumi SDK through it.

The policy pack keeps its own copy of what it needs (`policy/mm_policies/tokens.py`; the pack is
self-contained and owned by security). `tests/test_catalog.py` fails when the two disagree.

Adding a service (or a resource type): add its `Service` to SERVICES, one `ResourceType` per type to TYPES,
any new region code to REGIONS; then the same in the pack's `tokens.py` where the pack judges it (residency,
data protection), and `make test` says what is missing (a type the shipped stacks register that is not
here, or a disagreement with the pack). Nothing else needs an edit: rendering, residency and classification
follow from these tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# --- places -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    short: str  # what the pack's messages say, e.g. "Sydney"
    country: str

    @property
    def name(self) -> str:
        """For a reader of the evidence, e.g. "Sydney, Australia"."""
        return self.short if self.short == self.country else f"{self.short}, {self.country}"


# Region codes the program uses, and a few a mistake would show, so a message says where a code is. The pack's
# tokens.PLACES maps the same codes to each place's `short` name.
REGIONS: dict[str, Place] = {
    "aws-ap-southeast-2": Place("Sydney", "Australia"),  # Neon
    "aws-ap-southeast-1": Place("Singapore", "Singapore"),
    "aws-us-east-1": Place("N. Virginia", "USA"),
    "aws-us-east-2": Place("Ohio", "USA"),
    "aws-us-west-2": Place("Oregon", "USA"),
    "aws-eu-central-1": Place("Frankfurt", "Germany"),
    "ap-southeast-2": Place("Sydney", "Australia"),  # Upstash
    "ap-southeast-1": Place("Singapore", "Singapore"),
    "ap-southeast-4": Place("Melbourne", "Australia"),  # AWS: Australian, but not the archive's region
    "us-east-1": Place("N. Virginia", "USA"),
    "eu-west-1": Place("Ireland", "Ireland"),
    "syd1": Place("Sydney", "Australia"),  # Vercel
    "sin1": Place("Singapore", "Singapore"),
    "iad1": Place("Washington, D.C.", "USA"),
    # Grafana Cloud region slugs (grafana.com/docs/grafana-cloud/security-and-account-management/region-url-formats/)
    "prod-au-southeast-0": Place("Australia", "Australia"),  # GCP
    "prod-au-southeast-1": Place("Australia", "Australia"),  # AWS
    "prod-ap-southeast-0": Place("Singapore", "Singapore"),
    "prod-ap-southeast-1": Place("Singapore", "Singapore"),
    "prod-us-central-0": Place("US Central", "USA"),
    "prod-us-east-0": Place("Ohio", "USA"),
    "prod-eu-west-2": Place("Germany", "Germany"),
}

# Data-storage hosts: where a service without regions keeps its data (Sentry: per organisation).
HOSTS: dict[str, str] = {
    # Synthetic Monitoring's APIs: the Australian ones (the Grafana provider's SM installation resource)
    "synthetic-monitoring-api-au-southeast.grafana.net": "Australia",
    "synthetic-monitoring-api-au-southeast-0.grafana.net": "Australia",
    "synthetic-monitoring-api-au-southeast-1.grafana.net": "Australia",
    "synthetic-monitoring-api.grafana.net": "United States (Synthetic Monitoring default)",
    "us.sentry.io": "United States",
    "de.sentry.io": "Frankfurt, Germany (EU)",
    "https://sentry.io/api/": "United States (sentry.io default)",
}


def place_name(code: str) -> str | None:
    """Where a region code or data-storage host is, for a reader; None if the catalog does not know it."""
    if code in REGIONS:
        return REGIONS[code].name
    return HOSTS.get(code)


def places_in(text: str) -> list[str]:
    """The places named by the region codes and hosts a residency text mentions, in catalog order, once each."""
    tokens = text.replace(",", " ").replace("(", " ").replace(")", " ").split()
    found = []
    for code in [*REGIONS, *HOSTS]:
        if code in tokens or any(code in t for t in tokens if "://" in t):
            found.append(place_name(code) or code)
    return list(dict.fromkeys(found))


# --- services and types ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    key: str  # the provider package in the type token: "neon" for neon:index/project:Project
    name: str  # for a reader
    # No region in Australia at all: every resource is data leaving Australia, allowed only under a residency
    # exception documented in the pack's config (the pack's residency.NO_AU_REGION names the same services).
    no_au_region: bool = False


SERVICES: dict[str, Service] = {
    s.key: s
    for s in (
        Service("vercel", "Vercel"),
        Service("neon", "Neon"),
        Service("upstash", "Upstash"),
        Service("sentry", "Sentry", no_au_region=True),
        Service("grafana", "Grafana Cloud"),
        # The platform project (platform/): the delivery system's own guard rails.
        Service("aws", "AWS"),
        Service("github", "GitHub"),
        Service("pulumiservice", "Pulumi Cloud"),
    )
}


@dataclass(frozen=True)
class Residency:
    """A row of the residency table: the resource says where it keeps or processes the portal's data."""

    label: str  # the service as the report names it; `{site}` is the component's site (Admin, Agency, Guest)
    data: str  # what it keeps or handles
    # Where, in words, from its wire inputs and (for a service placed by its provider) its provider's inputs;
    # None: no row (e.g. an endpoint that lives wherever its project is).
    where: Callable[[Mapping[str, Any], Mapping[str, Any] | None], str | None]


@dataclass(frozen=True)
class ResourceType:
    token: str
    service: str  # a SERVICES key
    holds_data: bool = False  # the portal's data lives in it: deleting it loses data (backup-relevant)
    # Wire inputs (dotted paths) that decide where data is stored or processed, each with its short label for
    # the preview; a change to one is residency-impacting.
    region_inputs: tuple[tuple[str, str], ...] = ()
    region_why: str = ""  # why a change to them matters, for the classification table
    # Other wire inputs a reviewer wants to see inline in the preview (path, label).
    shown_inputs: tuple[tuple[str, str], ...] = ()
    retention_input: str | None = None  # seconds of point-in-time history kept in the resource itself
    backs_up: str | None = None  # the token of the data-holding type whose data this resource backs up
    backup_link: str | None = None  # the input that names the backed-up resource
    residency: Residency | None = None
    # A Pulumi dynamic resource is recognised by this `kind` input (its type token is not guaranteed).
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise ValueError(f"catalog: {self.token}: service {self.service!r} is not in SERVICES")


def _neon_where(inputs: Mapping[str, Any], _provider: Mapping[str, Any] | None) -> str:
    return str(inputs.get("regionId", "unset (provider default)"))


def _neon_endpoint_where(inputs: Mapping[str, Any], _provider: Mapping[str, Any] | None) -> str | None:
    return str(inputs["regionId"]) if "regionId" in inputs else None  # unset: it lives in its project's region


def _upstash_where(inputs: Mapping[str, Any], _provider: Mapping[str, Any] | None) -> str:
    regions = [str(inputs.get("primaryRegion", inputs.get("region", "unset")))]
    regions += [f"read {x}" for x in inputs.get("readRegions") or []]
    return ", ".join(regions)


def _vercel_where(inputs: Mapping[str, Any], _provider: Mapping[str, Any] | None) -> str:
    functions = (inputs.get("resourceConfig") or {}).get("functionDefaultRegions")
    legacy = inputs.get("serverlessFunctionRegion")
    regions = list(functions or []) + ([legacy] if legacy else [])
    where = "functions " + ", ".join(map(str, regions)) if regions else f"unset (Vercel default {VERCEL_DEFAULT})"
    return where + (", failover on" if inputs.get("functionFailover") else "")


def _sentry_where(_inputs: Mapping[str, Any], provider: Mapping[str, Any] | None) -> str:
    url = str(provider.get("baseUrl", SENTRY_DEFAULT_URL)) if provider is not None else "sentry.io"
    return f"Sentry data storage ({url})"


def _grafana_stack_where(inputs: Mapping[str, Any], _provider: Mapping[str, Any] | None) -> str:
    return str(inputs.get("regionSlug", "unset (Grafana Cloud's default region)"))


def _grafana_shared_where(inputs: Mapping[str, Any], _provider: Mapping[str, Any] | None) -> str | None:
    """The region a GrafanaMonitoring component declares for a stack another environment declares (a declared
    stack has its own row: the Stack)."""
    stack = inputs.get("grafanaStack")
    if not isinstance(stack, Mapping):
        return "no Grafana stack region declared"
    if stack.get("declaredBy") == "this stack":
        return None
    return f"{stack.get('regionSlug', 'unset')} (stack {stack.get('slug')}, declared by {stack.get('declaredBy')})"


def _aws_where(inputs: Mapping[str, Any], provider: Mapping[str, Any] | None) -> str:
    """pulumi-aws 7: a resource's own `region` input, else its provider's `region`."""
    if inputs.get("region"):
        return str(inputs["region"])
    if provider is not None and provider.get("region"):
        return str(provider["region"])
    return "unknown (no explicit provider region)"


VERCEL_DEFAULT = "iad1"  # where Vercel runs functions when no region is set
SENTRY_DEFAULT_URL = "https://sentry.io/api/"  # the Sentry provider's base URL when none is set

NEON_PROJECT = "neon:index/project:Project"
NEON_ENDPOINT = "neon:index/endpoint:Endpoint"
NEON_BRANCH = "neon:index/branch:Branch"
NEON_DATABASE = "neon:index/database:Database"
NEON_ROLE = "neon:index/role:Role"
UPSTASH_REDIS = "upstash:index/redisDatabase:RedisDatabase"
UPSTASH_DAILY_BACKUP = "pulumi-python:dynamic/upstash:DailyBackup"
UPSTASH_DAILY_BACKUP_KIND = "upstash-daily-backup"  # its `kind` input: what marks a dynamic resource as one
VERCEL_PROJECT = "vercel:index/project:Project"
VERCEL_ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_ENV_VARS = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"
VERCEL_SHARED_ENV_VAR = "vercel:index/sharedEnvironmentVariable:SharedEnvironmentVariable"
VERCEL_DOMAIN = "vercel:index/projectDomain:ProjectDomain"
VERCEL_DEPLOYMENT_RETENTION = "vercel:index/projectDeploymentRetention:ProjectDeploymentRetention"
VERCEL_PROVIDER = "pulumi:providers:vercel"  # the stack's one, configured with the team
SENTRY_PROVIDER = "pulumi:providers:sentry"
SENTRY_PROJECT = "sentry:index/sentryProject:SentryProject"
SENTRY_KEY = "sentry:index/sentryKey:SentryKey"
SENTRY_ISSUE_ALERT = "sentry:index/sentryIssueAlert:SentryIssueAlert"
SENTRY_METRIC_ALERT = "sentry:index/sentryMetricAlert:SentryMetricAlert"
# pulumiverse-grafana 2.44.0
GRAFANA_PROVIDER = "pulumi:providers:grafana"
GRAFANA_STACK = "grafana:cloud/stack:Stack"
GRAFANA_CHECK = "grafana:syntheticMonitoring/check:Check"
GRAFANA_RULE_GROUP = "grafana:alerting/ruleGroup:RuleGroup"
GRAFANA_CONTACT_POINT = "grafana:alerting/contactPoint:ContactPoint"
GRAFANA_NOTIFICATION_POLICY = "grafana:alerting/notificationPolicy:NotificationPolicy"
GRAFANA_FOLDER = "grafana:oss/folder:Folder"
GRAFANA_DASHBOARD = "grafana:oss/dashboard:Dashboard"
# Our component that declares the Grafana stack's region in its input `grafanaStack`, also for a shared stack.
GRAFANA_MONITORING = "motion-mavericks:index:GrafanaMonitoring"

# The platform project's (platform/): pulumi-aws 7.51.1, pulumi-github 6.15.0, pulumi-pulumiservice 1.5.0.
AWS_S3_BUCKET = "aws:s3/bucket:Bucket"
AWS_S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"  # deprecated in pulumi-aws 7, still a bucket
AWS_S3_OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
AWS_S3_OBJECT_LOCK_V2 = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
AWS_S3_BUCKET_SETTINGS = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
)
AWS_IAM_TYPES = (
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
)
GITHUB_ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
GITHUB_RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
GITHUB_TYPES = (
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions",
    "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions",
)
PULUMI_CLOUD_TYPES = (
    "pulumiservice:index:StackTag",
    "pulumiservice:index:TeamStackPermission",
    "pulumiservice:index:PolicyGroup",
)
AWS_PREFIX = "aws:"  # every regional AWS resource (IAM aside) must be in ap-southeast-2

# Tokens that are not types of their own: our components, providers, the engine's own, dynamic resources.
SENTRY_PREFIX = "sentry:"  # every Sentry resource: Sentry has no Australian region
COMPONENT_PREFIX = "motion-mavericks:"  # motion-mavericks:index:VercelSite, ...
PROVIDER_PREFIX = "pulumi:providers:"
ENGINE_PREFIX = "pulumi:pulumi:"  # the root Stack and StackReference
DYNAMIC_PREFIX = "pulumi-python:dynamic"  # `pulumi-python:dynamic:Resource`, or `.../<module>:<name>` when named

_NEON_REGION = (("regionId", "region"),)
_AWS_REGION = (("region", "region"),)

TYPES: dict[str, ResourceType] = {
    t.token: t
    for t in (
        ResourceType(
            NEON_PROJECT,
            "neon",
            holds_data=True,
            region_inputs=_NEON_REGION,
            retention_input="historyRetentionSeconds",
            region_why="Neon region: where Postgres data is stored",
            residency=Residency(
                "Neon Postgres",
                "the portal's database and its point-in-time history",
                _neon_where,
            ),
        ),
        ResourceType(
            NEON_ENDPOINT,
            "neon",
            region_inputs=_NEON_REGION,
            region_why="Neon endpoint region: where queries on the portal's data run",
            residency=Residency(
                "Neon Postgres endpoint",
                "compute serving the portal's database",
                _neon_endpoint_where,
            ),
        ),
        ResourceType(NEON_BRANCH, "neon", holds_data=True),
        ResourceType(NEON_DATABASE, "neon", holds_data=True),
        ResourceType(NEON_ROLE, "neon"),
        ResourceType(
            UPSTASH_REDIS,
            "upstash",
            holds_data=True,
            region_inputs=(("region", "region"), ("primaryRegion", "primaryRegion"), ("readRegions", "readRegions")),
            shown_inputs=(("eviction", "eviction"), ("tls", "tls")),
            region_why="Upstash placement: primary and read regions hold copies of the data",
            residency=Residency(
                "Upstash Redis",
                "share tokens and rate-limit counters",
                _upstash_where,
            ),
        ),
        ResourceType(
            UPSTASH_DAILY_BACKUP,
            "upstash",
            backs_up=UPSTASH_REDIS,
            backup_link="database_id",
            kind=UPSTASH_DAILY_BACKUP_KIND,
        ),
        ResourceType(
            VERCEL_PROJECT,
            "vercel",
            region_inputs=(
                ("resourceConfig.functionDefaultRegions", "functions"),
                ("serverlessFunctionRegion", "serverlessFunctionRegion"),
                ("functionFailover", "functionFailover"),
            ),
            region_why="where Vercel functions run, i.e. where requests and their data are processed",
            residency=Residency(
                "Vercel {site} functions",
                "requests and responses handled server-side",
                _vercel_where,
            ),
        ),
        ResourceType(VERCEL_ENV_VAR, "vercel"),
        ResourceType(VERCEL_ENV_VARS, "vercel"),
        ResourceType(VERCEL_SHARED_ENV_VAR, "vercel"),
        ResourceType(VERCEL_DOMAIN, "vercel"),
        ResourceType(VERCEL_DEPLOYMENT_RETENTION, "vercel"),
        ResourceType(VERCEL_PROVIDER, "vercel", shown_inputs=(("team", "team"),)),
        ResourceType(
            SENTRY_PROVIDER,
            "sentry",
            region_inputs=(("baseUrl", "baseUrl"),),
            region_why="Sentry host: US or EU data storage",
        ),
        ResourceType(
            SENTRY_PROJECT,
            "sentry",
            region_why="Sentry host: US or EU data storage",
            residency=Residency(
                "Sentry {site} errors",
                "error and performance events",
                _sentry_where,
            ),
        ),
        ResourceType(SENTRY_KEY, "sentry"),
        ResourceType(SENTRY_ISSUE_ALERT, "sentry"),
        ResourceType(SENTRY_METRIC_ALERT, "sentry"),
        ResourceType(
            GRAFANA_PROVIDER,
            "grafana",
            region_inputs=(("smUrl", "smUrl"),),
            region_why="the Synthetic Monitoring API: where check configuration and results are handled",
        ),
        ResourceType(
            GRAFANA_STACK,
            "grafana",
            region_inputs=(("regionSlug", "region"),),
            region_why="Grafana Cloud region: where the stack keeps its metrics, logs, alerts and dashboards",
            residency=Residency(
                "Grafana Cloud stack",
                "site checks' results, alert state and dashboards (no customer data)",
                _grafana_stack_where,
            ),
        ),
        ResourceType(
            GRAFANA_MONITORING,
            "grafana",
            region_inputs=(("grafanaStack.regionSlug", "region"),),
            region_why="the Grafana stack's declared region, also when another environment declares the stack",
            residency=Residency(
                "Grafana Cloud stack (shared)",
                "site checks' results, alert state and dashboards (no customer data)",
                _grafana_shared_where,
            ),
        ),
        ResourceType(GRAFANA_CHECK, "grafana", shown_inputs=(("target", "target"), ("probes", "probes"))),
        ResourceType(GRAFANA_RULE_GROUP, "grafana"),
        ResourceType(GRAFANA_CONTACT_POINT, "grafana"),
        ResourceType(GRAFANA_NOTIFICATION_POLICY, "grafana"),
        ResourceType(GRAFANA_FOLDER, "grafana"),
        ResourceType(GRAFANA_DASHBOARD, "grafana"),
        *(
            ResourceType(
                token,
                "aws",
                holds_data=True,
                region_inputs=_AWS_REGION,
                region_why="S3 region (the resource's own, else its provider's): where prod's plans are kept",
                residency=Residency("Plan archive (S3)", "prod's approved plans and update records", _aws_where),
            )
            for token in (AWS_S3_BUCKET, AWS_S3_BUCKET_V2)
        ),
        *(
            ResourceType(token, "aws", region_inputs=_AWS_REGION, region_why="S3 region: the archive's settings")
            for token in (AWS_S3_OBJECT_LOCK, AWS_S3_OBJECT_LOCK_V2, *AWS_S3_BUCKET_SETTINGS)
        ),
        *(ResourceType(token, "aws") for token in AWS_IAM_TYPES),  # IAM is global and holds no data
        *(ResourceType(token, "github") for token in (GITHUB_ENVIRONMENT, GITHUB_RULESET, *GITHUB_TYPES)),
        *(ResourceType(token, "pulumiservice") for token in PULUMI_CLOUD_TYPES),
    )
}


# --- questions the tools ask --------------------------------------------------------------------------------


def lookup(token: str) -> ResourceType | None:
    return TYPES.get(token)


def service_of(token: str) -> Service | None:
    """The service a type token belongs to (by its provider package), if the catalog knows the service."""
    known = TYPES.get(token)
    if known is not None:
        return SERVICES[known.service]
    package = token.removeprefix(PROVIDER_PREFIX).split(":", 1)[0]
    return SERVICES.get(package)


def service_name(key: str) -> str:
    service = SERVICES.get(key)
    return service.name if service else key


def data_types() -> tuple[str, ...]:
    """The types that hold the portal's data."""
    return tuple(t.token for t in TYPES.values() if t.holds_data)


def backup_types() -> tuple[str, ...]:
    """The types that back up another type's data."""
    return tuple(t.token for t in TYPES.values() if t.backs_up)


def residency_types() -> tuple[str, ...]:
    """The types with a row in the residency table, in the table's order."""
    return tuple(t.token for t in TYPES.values() if t.residency is not None)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # an input that is not set


def get_path(inputs: Mapping[str, Any], path: str) -> Any:
    """A dotted input path's value, or MISSING."""
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


def highlights(resource: dict[str, Any]) -> list[str]:
    """The properties that matter for review, shown inline in the tree: which ones, per type, is py's."""
    inputs = resource["inputs"]
    shown: list[str] = []
    kind = resource["type"]
    known = TYPES.get(kind)
    if kind.startswith(COMPONENT_PREFIX) and isinstance(inputs.get("tags"), dict):
        shown.append(" ".join(f"{k}={v}" for k, v in sorted(inputs["tags"].items())))
    if known is not None:
        for path, label in known.region_inputs + known.shown_inputs:
            value = get_path(inputs, path)
            if value is not MISSING:
                shown.append(f"{label}={_value(value)}")
        if known.retention_input and known.retention_input in inputs:
            seconds = inputs[known.retention_input]
            days = f"{seconds / 86400:g}d" if isinstance(seconds, int | float) else str(seconds)
            shown.append(f"retention={days}")
        if known.backup_link and known.backup_link in inputs:
            # Which resource it backs up; unknown at preview, so say whose output it will be.
            target = inputs[known.backup_link]
            sources = [urn.rsplit("::", 1)[-1] for urn in resource["dependencies"]]
            via = f" (from {', '.join(sources)})" if target == "[unknown]" and sources else ""
            shown.append(f"{known.backup_link}={target}{via}")
    if "key" in inputs and "sensitive" in inputs:
        shown.append(f"{inputs['key']}{' sensitive' if inputs['sensitive'] is True else ''}")
    if "domain" in inputs:
        shown.append(str(inputs["domain"]))
    if resource["protect"]:
        shown.append("protect")
    if resource["retainOnDelete"]:
        shown.append("retainOnDelete")
    return shown


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_value(item) for item in value)
    if value is True or value is False:
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numbers arrive as floats on the wire: a probe id 43, not 43.0
    return "unset" if value is None else str(value)
