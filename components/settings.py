"""The stack's configuration, read and validated once into typed, frozen settings.

Everything a component needs comes from here; components never read `pulumi.Config`. A user's mistake
in a stack file stops the program with one `ConfigError` that names each bad key, the value found and
what is allowed; the tools that read a stack file without the program (`ops/`) get it as a
`SettingsError`, the `ConfigError`'s base. Only the two functions the program alone calls import the
Pulumi SDK, so those tools start without it (about 0.4 s of CPU). Australian regions and the seed's
retention minimums are refused here already, so a bad stack file fails in the program; the policy pack is
the second line that catches everything else.

Third-party secrets are not settings: `load_secrets` reads them as secret `pulumi.Output`s (from the
stack's ESC environment or `pulumi config set --secret`), so no plain copy ever exists in the program.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components.settings_error import SettingsError

if TYPE_CHECKING:
    import pulumi

PROJECT = "motion-mavericks-portal"

ENVIRONMENTS = ("dev", "staging", "prod")
DATA_CLASSES = ("public", "internal", "confidential", "restricted")

# Point-in-time restore window the business promised (seed: "7 days dev, 14 staging, 30 prod").
RETENTION_MINIMUM_DAYS = {"dev": 7, "staging": 14, "prod": 30}
# Neon's restore window maxima per plan (neon.com/docs/introduction/restore-window). The Free plan's
# 6 hours cannot meet any environment's minimum, so it is not offered.
NEON_PLAN_MAXIMUM_DAYS = {"launch": 7, "scale": 30}

# Environments whose Vercel projects build preview deployments, one isolated Neon branch per pull request
# (docs/previews.md). Staging and prod build their production branch only.
PREVIEW_ENVIRONMENTS = ("dev",)

# The only region of each vendor inside Australia.
VERCEL_AU_REGIONS = ("syd1",)
NEON_AU_REGIONS = ("aws-ap-southeast-2",)
UPSTASH_AU_REGIONS = ("ap-southeast-2",)
# Grafana Cloud's Australian regions: `prod-au-southeast-0` (GCP, Australia) and `prod-au-southeast-1` (AWS,
# Australia), from Grafana's region list (grafana.com/docs/grafana-cloud/security-and-account-management/
# region-url-formats/, "Legacy regions"). No other slug is in Australia.
GRAFANA_AU_REGIONS = ("prod-au-southeast-0", "prod-au-southeast-1")
# Synthetic Monitoring's Australian public probes (grafana.com/docs/grafana-cloud/testing/synthetic-monitoring/
# create-checks/public-probes/, APAC). A probe's numeric id differs per Synthetic Monitoring backend, so the
# stack file maps each id to its name (docs/monitoring.md, "Probe ids").
GRAFANA_AU_PROBES = ("Sydney",)
# The Australian Synthetic Monitoring API hosts: `synthetic-monitoring-api-au-southeast[-N].grafana.net`
# (terraform-provider-grafana, internal/resources/cloud/resource_synthetic_monitoring_installation.go).
GRAFANA_AU_SM_URL = r"^https://synthetic-monitoring-api-au-southeast(-[0-9]+)?\.grafana\.net/?$"
# Prod is checked at least every minute. Elsewhere the only bound is Synthetic Monitoring's own (a check every
# 1 s to 1 h), which `Grafana.check_frequency_seconds` holds for every environment.
GRAFANA_MAX_FREQUENCY_SECONDS = {"prod": 60}


def _australian(allowed: tuple[str, ...]):
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"is outside Australia; allowed: {', '.join(allowed)}")
        return value

    return AfterValidator(check)


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
Hostname = Annotated[
    str,
    StringConstraints(max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"),
]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]
RetentionPeriod = Literal["1d", "1w", "1m", "2m", "3m", "6m", "1y"]


class _Model(BaseModel):
    """Stack-file objects: camelCase keys, unknown keys refused (they are typos), frozen.

    Only the camelCase spelling is a key: the snake_case field name (`backup_retention_days`) is refused as
    unknown, so one setting has one spelling in every stack file (no `populate_by_name`)."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True)


class Tags(BaseModel):
    """Cost-allocation tags from the stack file; `env` is added from `environment`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    owner: Slug
    data_class: Literal["public", "internal", "confidential", "restricted"]


class GitRepository(_Model):
    type: Literal["github", "gitlab", "bitbucket"] = "github"
    repo: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    production_branch: Annotated[str, StringConstraints(min_length=1)]


class Site(_Model):
    name: Slug
    framework: Slug
    root_directory: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_./-]+$")]
    git: GitRepository
    domains: tuple[Hostname, ...] = ()
    # Vercel Authentication for deployments other than production's custom domains; "none" is
    # deliberately not offered: previews of portal sites are never public.
    deployment_protection: Literal[
        "standard_protection_new", "standard_protection", "only_preview_deployments", "all_deployments"
    ] = "standard_protection_new"
    feature_flags: dict[EnvVarName, bool] = Field(default_factory=dict)


class Sites(_Model):
    admin: Site
    agency: Site
    guest: Site

    def items(self) -> tuple[tuple[str, Site], ...]:
        return (("admin", self.admin), ("agency", self.agency), ("guest", self.guest))


class DeploymentRetention(_Model):
    production: RetentionPeriod
    preview: RetentionPeriod
    canceled: RetentionPeriod
    errored: RetentionPeriod


# Vercel team ids are `team_` plus letters and digits; slugs are lowercase letters, digits and hyphens, so
# the two never overlap. The provider accepts either (terraform-provider-vercel `vercel/provider.go`).
VERCEL_TEAM_ID = re.compile(r"team_[A-Za-z0-9]+")
VERCEL_TEAM_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?")


def _vercel_team(value: str) -> str:
    if VERCEL_TEAM_ID.fullmatch(value) or VERCEL_TEAM_SLUG.fullmatch(value):
        return value
    raise ValueError(
        "is neither a Vercel team id nor a team slug; allowed: the team's id (team_ followed by letters and "
        "digits) or its slug (lowercase letters, digits and '-'), both on the team's Settings page"
    )


VercelTeam = Annotated[str, AfterValidator(_vercel_team)]


class Vercel(_Model):
    region: Annotated[str, _australian(VERCEL_AU_REGIONS)]
    # Configures the stack's one Vercel provider (components.vercel_site.vercel_provider); no resource sets
    # `team_id`, which the API would take only as an id.
    team: VercelTeam
    sites: Sites
    deployment_retention: DeploymentRetention
    # Which Vercel environments of this stack's projects receive the variables (prod: production only,
    # so preview builds of the production project never hold production credentials).
    variable_targets: tuple[Literal["production", "preview", "development"], ...] = Field(min_length=1)
    feature_flags: dict[EnvVarName, bool] = Field(default_factory=dict)


class Autoscaling(_Model):
    min_cu: float = Field(ge=0.25, le=56)
    max_cu: float = Field(ge=0.25, le=56)

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.min_cu > self.max_cu:
            raise ValueError(f"minCu {self.min_cu} is above maxCu {self.max_cu}; minCu must be <= maxCu")
        if self.max_cu - self.min_cu > 8:
            raise ValueError(f"maxCu - minCu is {self.max_cu - self.min_cu:g}; Neon allows a spread of at most 8 CU")
        return self


NeonBranchName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")]


class PreviewBranches(_Model):
    """How `python -m ops.preview_env create` makes a pull request's Neon branch (docs/previews.md).

    By default the branch copies the schema of the project's default branch and no data. Data is copied
    only from a named, maintained and anonymised base branch (`parentBranch` with `data: parent-data`)."""

    # The branch to copy from; None: the project's default branch.
    parent_branch: NeonBranchName | None = None
    data: Literal["schema-only", "parent-data"] = "schema-only"
    # Neon deletes the branch at `expires_at`, a safety net behind the delete on pull-request close.
    expiry_days: int = Field(default=7, ge=1, le=30)

    @model_validator(mode="after")
    def _data_only_from_a_named_base(self) -> PreviewBranches:
        if self.data == "parent-data" and self.parent_branch is None:
            raise _FieldError(
                ("neon", "previews", "data"),
                self.data,
                "copies the default branch's data into every preview; allowed: schema-only, or parent-data "
                "together with parentBranch naming a maintained, anonymised base branch",
            )
        return self


class Neon(_Model):
    region: Annotated[str, _australian(NEON_AU_REGIONS)]
    plan: Literal["launch", "scale"]
    project_name: Slug
    # The Neon organisation that owns the project. Neon's API takes `org_id` when creating a project and needs
    # it for a personal API key (an organisation API key implies its own); required so no stack depends on
    # which kind of key runs `pulumi up` (Neon API v2 spec, `POST /projects`, `project.org_id`).
    org_id: Annotated[str, StringConstraints(pattern=r"^org-[a-z0-9]+(-[a-z0-9]+)*$")]
    backup_retention_days: int = Field(ge=1, le=30)
    postgres_version: Literal[14, 15, 16, 17]
    autoscaling: Autoscaling
    # Seconds of inactivity before compute suspends; -1 never suspends, 0 is Neon's default (5 min).
    suspend_timeout_seconds: int = Field(ge=-1, le=604800)
    database: Slug = "portal"
    app_role: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")] = "portal_app"
    # Per-pull-request preview branches; only in environments that build previews (PREVIEW_ENVIRONMENTS).
    previews: PreviewBranches | None = None


class Upstash(_Model):
    # The primary region; the database itself is `global` (regional databases are deprecated).
    region: Annotated[str, _australian(UPSTASH_AU_REGIONS)]
    database_name: Slug
    prod_pack: bool
    budget: int = Field(gt=0, le=100_000, description="monthly spend cap in USD")
    auto_scale: bool = False


class IssueAlert(_Model):
    events: int = Field(gt=0)
    interval: Literal["1m", "5m", "15m", "1h", "1d", "1w", "30d"]
    action_interval_minutes: int = Field(ge=5, le=43200)


class MetricAlert(_Model):
    time_window_minutes: Literal[1, 5, 10, 15, 30, 60, 120, 240, 1440]
    warning: int = Field(gt=0)
    critical: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> MetricAlert:
        if self.warning >= self.critical:
            raise ValueError(f"warning {self.warning} must be below critical {self.critical}")
        return self


class Alerts(_Model):
    issue: IssueAlert
    errors: MetricAlert


class Sentry(_Model):
    organization: Slug
    team: Slug
    # Numeric id of `team`, the target of alert notifications (Sentry's API addresses teams by id).
    team_id: Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]
    # Sentry stores events in the US or the EU only (a documented residency exception).
    data_storage: Literal["us", "de"]
    platform: Slug = "javascript-nextjs"
    alerts: Alerts

    @property
    def api_url(self) -> str:
        return f"https://{self.data_storage}.sentry.io/api/"


class GrafanaProbe(_Model):
    """A Synthetic Monitoring probe: its id (what a check lists) and which probe that id is."""

    id: int = Field(gt=0)
    name: Annotated[str, _australian(GRAFANA_AU_PROBES)]


Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[A-Za-z0-9._%+-]+@([a-z0-9-]+\.)+[a-z]{2,63}$")]


class GrafanaAlerting(_Model):
    # The owner's address(es): the contact point every alert of this environment reaches.
    contact_emails: tuple[Email, ...] = Field(min_length=1)
    # An optional chat or paging webhook besides e-mail; its URL is the secret `grafanaAlertWebhookUrl`.
    webhook: Literal["none", "slack", "webhook"] = "none"
    latency_threshold_ms: int = Field(ge=100, le=60_000)
    certificate_expiry_days: int = Field(ge=1, le=90)


class Grafana(_Model):
    region_slug: Annotated[str, _australian(GRAFANA_AU_REGIONS)]
    stack_slug: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]+$")]
    # Set when this environment uses the Grafana stack another environment's stack file declares: the stack
    # is not declared here, but its region still is (and is judged by the policy pack).
    shared_from: Literal["dev", "staging", "prod"] | None = None
    synthetic_monitoring_url: Annotated[str, StringConstraints(pattern=GRAFANA_AU_SM_URL)]
    probes: tuple[GrafanaProbe, ...] = Field(min_length=1)
    check_frequency_seconds: int = Field(ge=1, le=3600)
    alerting: GrafanaAlerting

    @property
    def declares_stack(self) -> bool:
        return self.shared_from is None

    @property
    def stack_url(self) -> str:
        return f"https://{self.stack_slug}.grafana.net"


class Settings(_Model):
    environment: Literal["dev", "staging", "prod"]
    tags: Tags
    vercel: Vercel
    neon: Neon
    upstash: Upstash
    sentry: Sentry
    grafana: Grafana

    @model_validator(mode="after")
    def _monitoring_meets_environment(self) -> Settings:
        grafana = self.grafana
        most = GRAFANA_MAX_FREQUENCY_SECONDS.get(self.environment)
        if most is not None and grafana.check_frequency_seconds > most:
            raise _FieldError(
                ("grafana", "checkFrequencySeconds"),
                grafana.check_frequency_seconds,
                f"is too slow for {self.environment}; allowed: at most {most} seconds between checks",
            )
        if grafana.shared_from == self.environment:
            raise _FieldError(
                ("grafana", "sharedFrom"),
                grafana.shared_from,
                f"names this stack's own environment; allowed: another environment "
                f"({', '.join(e for e in ENVIRONMENTS if e != self.environment)}), or leave it unset to declare "
                f"the Grafana stack here",
            )
        return self

    @model_validator(mode="after")
    def _retention_meets_environment(self) -> Settings:
        days = self.neon.backup_retention_days
        minimum = RETENTION_MINIMUM_DAYS[self.environment]
        if days < minimum:
            raise _FieldError(
                ("neon", "backupRetentionDays"),
                days,
                f"is below the {self.environment} minimum; allowed: at least {minimum} days",
            )
        maximum = NEON_PLAN_MAXIMUM_DAYS[self.neon.plan]
        if days > maximum:
            raise _FieldError(
                ("neon", "backupRetentionDays"),
                days,
                f"exceeds the Neon {self.neon.plan} plan's restore window; allowed: at most {maximum} days",
            )
        return self

    @model_validator(mode="after")
    def _previews_only_where_built(self) -> Settings:
        if self.neon.previews is not None and self.environment not in PREVIEW_ENVIRONMENTS:
            raise _FieldError(
                ("neon", "previews"),
                self.neon.previews.model_dump(by_alias=True, exclude_unset=True),
                f"the {self.environment} projects build no previews; "
                f"allowed only in: {', '.join(PREVIEW_ENVIRONMENTS)}",
            )
        return self

    @property
    def builds_previews(self) -> bool:
        return self.environment in PREVIEW_ENVIRONMENTS

    @property
    def preview_branches(self) -> PreviewBranches:
        """The preview-branch settings, with their defaults when the stack file names none."""
        return self.neon.previews or PreviewBranches()

    @property
    def protect_data(self) -> bool:
        """Production data stores are protected from deletion, by environment, never by hand."""
        return self.environment == "prod"


class _FieldError(ValueError):
    """A cross-field problem that belongs to one key (pydantic would report it at the parent)."""

    def __init__(self, loc: tuple[str, ...], value: Any, message: str):
        super().__init__(message)
        self.loc, self.value, self.message = loc, value, message


TOP_LEVEL_KEYS = ("environment", "tags", "vercel", "neon", "upstash", "sentry", "grafana")
# Configuration namespaces a stack may set besides the project's: Pulumi's own (`pulumi:tags`, ...) and the
# providers the program uses (their keys are the providers' to validate).
OTHER_NAMESPACES = ("pulumi", "vercel", "neon", "upstash", "sentry", "grafana")


def stack_environment(stack: str) -> str | None:
    """The environment a stack name stands for, or None: `prod`, `Prod`, `acme/portal/prod` and `dev-jane` (a
    personal dev stack) give `prod`, `prod` and `dev`; `qa` gives None.

    The same rule as the policy pack's `environment.environment_of_stack` (case-insensitive, since the pack
    judges whatever name the engine hands it); tests/policy/test_settings_parity.py keeps the two equal.
    """
    prefix = stack.rpartition("/")[2].partition("-")[0].lower()
    return prefix if prefix in ENVIRONMENTS else None


def unknown_keys(keys: Iterable[str]) -> list[str]:
    """A problem for each configuration key (`namespace:name`) that no one reads: a typo, usually."""
    known = (*TOP_LEVEL_KEYS, *SECRETS, *GRAFANA_SECRETS)
    problems = []
    for key in sorted(keys):
        namespace, _, name = key.partition(":")
        if namespace == PROJECT:
            if name not in known:
                close = difflib.get_close_matches(name, known)  # the best match first
                hint = f" (did you mean {PROJECT}:{close[0]}?)" if close else ""
                problems.append(f"{key}: unknown key{hint}; allowed: {', '.join(known)}")
        elif namespace not in OTHER_NAMESPACES:
            close = difflib.get_close_matches(namespace, (PROJECT, *OTHER_NAMESPACES))
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                f"{key}: unknown namespace {namespace!r}{hint}; allowed: {PROJECT} (this project), "
                f"{', '.join(OTHER_NAMESPACES)}"
            )
    return problems


def parse_settings(raw: dict[str, Any], stack: str, keys: Iterable[str] = ()) -> Settings:
    """Validate raw stack configuration (`{key: value}` without the project prefix); `keys` are every
    configuration key the stack sets, in any namespace, so that a typo'd one is refused, not ignored."""
    problems: list[str] = unknown_keys(keys)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems += [_describe(error) for error in exc.errors(include_url=False)]
    else:
        expected = stack_environment(stack)
        if expected is None:
            problems.append(
                f"{PROJECT}:environment: found {settings.environment!r} in stack {stack!r}, whose name stands for "
                f"no environment; allowed stack names: {', '.join(ENVIRONMENTS)}, or one of them followed by '-' "
                f"and a suffix (dev-jane)"
            )
        elif settings.environment != expected:
            problems.append(
                f"{PROJECT}:environment: found {settings.environment!r} in stack {stack!r}; allowed: "
                f"{expected!r} (the environment must equal the stack name, or its prefix before '-')"
            )
        elif not problems:
            return settings
    raise SettingsError(f"stack {stack!r} has invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def load_settings() -> Settings:
    """Read the current stack's configuration once (the program: a mistake is a `ConfigError`)."""
    import pulumi

    from components.errors import ConfigError
    from sdk_internals import config_keys

    config = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        try:
            value = config.get_object(key)
        except pulumi.ConfigTypeError:
            value = config.get(key)
        if value is not None:
            raw[key] = value
    try:
        return parse_settings(raw, pulumi.get_stack(), keys=config_keys())
    except SettingsError as error:
        raise ConfigError(str(error)) from None


def settings_from_stack_config(values: Mapping[str, str], stack: str) -> Settings:
    """Settings from configuration as the CLI hands it over (`project:key` -> string, objects as JSON),
    for tools that read a stack file without running the program (`ops/`, tests)."""
    raw: dict[str, Any] = {}
    for key in TOP_LEVEL_KEYS:
        value = values.get(f"{PROJECT}:{key}")
        if value is None:
            continue
        try:
            raw[key] = json.loads(value)
        except ValueError:
            raw[key] = value
    return parse_settings(raw, stack, keys=values)


# Third-party secrets the sites need: config key -> (Vercel variable, what it is). They come from 1Password
# through the stack's Pulumi ESC environment (`esc/<environment>.yaml`, handed over under `pulumiConfig`)
# or, without ESC, from `pulumi config set --secret`. They are never part of `Settings`: the program only
# ever holds them as secret Outputs. Variable names are the ones the vendors' SDKs read by default.
SECRETS: dict[str, tuple[str, str]] = {
    "clerkSecretKey": ("CLERK_SECRET_KEY", "Clerk secret key (server-side session and user API)"),
    "muxTokenId": ("MUX_TOKEN_ID", "Mux API access token id (uploads, asset management)"),
    "muxTokenSecret": ("MUX_TOKEN_SECRET", "Mux API access token secret"),
    "muxSigningKeyId": ("MUX_SIGNING_KEY", "Mux signing key id (signed playback tokens)"),
    "muxSigningPrivateKey": ("MUX_PRIVATE_KEY", "Mux signing key's private key (base64 PEM)"),
    "resendApiKey": ("RESEND_API_KEY", "Resend API key (transactional email)"),
}
# Which site receives which secret: each only what it uses (least privilege, see docs/secrets.md). The
# guest site is the public one: it plays shared videos (signed playback) and signs guests in (Clerk), but
# never uploads to Mux or sends email, so it holds neither the Mux API token nor the Resend key.
_MUX_PLAYBACK = ("muxSigningKeyId", "muxSigningPrivateKey")
_MUX_API = ("muxTokenId", "muxTokenSecret")
SITE_SECRETS: dict[str, tuple[str, ...]] = {
    "admin": ("clerkSecretKey", *_MUX_API, *_MUX_PLAYBACK, "resendApiKey"),
    "agency": ("clerkSecretKey", *_MUX_API, *_MUX_PLAYBACK, "resendApiKey"),
    "guest": ("clerkSecretKey", *_MUX_PLAYBACK),
}


# Grafana's credentials, also from the stack's ESC environment (docs/monitoring.md, "Credentials"): config key ->
# what it is. Which of them a stack needs depends on its `grafana` settings (`grafana_secret_keys`).
GRAFANA_SECRETS: dict[str, str] = {
    "grafanaCloudAccessPolicyToken": "Grafana Cloud access policy token (creates and reads the Grafana Cloud stack)",
    "grafanaStackServiceAccountToken": "Grafana stack service-account token (folders, dashboards, alerting)",
    "grafanaSmAccessToken": "Synthetic Monitoring access token (the sites' HTTP checks)",
    "grafanaAlertWebhookUrl": "chat or paging webhook URL of the alert contact point",
}


def grafana_secret_keys(grafana: Grafana) -> tuple[str, ...]:
    """The Grafana secrets a stack needs: the Cloud token only where the Grafana stack is declared, the
    webhook URL only when a webhook is configured."""
    cloud = ("grafanaCloudAccessPolicyToken",) if grafana.declares_stack else ()
    webhook = ("grafanaAlertWebhookUrl",) if grafana.alerting.webhook != "none" else ()
    return (*cloud, "grafanaStackServiceAccountToken", "grafanaSmAccessToken", *webhook)


@dataclass(frozen=True)
class Secrets:
    """The stack's third-party secrets, each a secret `pulumi.Output`, never a plain string."""

    values: Mapping[str, pulumi.Output[str]]

    def for_site(self, site: str) -> dict[str, pulumi.Output[str]]:
        """Vercel variable name -> secret value, for the secrets `site` needs."""
        return {SECRETS[key][0]: self.values[key] for key in SITE_SECRETS[site]}

    def grafana(self, key: str) -> pulumi.Output[str] | None:
        """A Grafana secret (see GRAFANA_SECRETS), or None if this stack does not need it."""
        return self.values.get(key)


def load_secrets(grafana: Grafana | None = None) -> Secrets:
    """Read every third-party secret (and, given the Grafana settings, the Grafana ones it needs) as a Pulumi
    secret; a missing one stops the program, named."""
    import pulumi

    from components.errors import ConfigError

    config = pulumi.Config(PROJECT)
    values: dict[str, pulumi.Output[str]] = {}
    missing: list[str] = []
    for key, (variable, what) in SECRETS.items():
        value = config.get_secret(key)
        if value is None:
            sites = ", ".join(site for site, keys in SITE_SECRETS.items() if key in keys)
            missing.append(f"{PROJECT}:{key}: missing; the {what}, Vercel variable {variable} on {sites}")
        else:
            values[key] = value
    for key in grafana_secret_keys(grafana) if grafana is not None else ():
        value = config.get_secret(key)
        if value is None:
            missing.append(f"{PROJECT}:{key}: missing; the {GRAFANA_SECRETS[key]}, for the Grafana provider")
        else:
            values[key] = value
    if missing:
        stack = pulumi.get_stack()
        raise ConfigError(
            f"stack {stack!r} is missing secret configuration:\n"
            + "\n".join(f"  - {problem}" for problem in missing)
            + f"\nThese come from 1Password through the stack's ESC environment: Pulumi.{stack}.yaml imports it "
            f"(`environment:`) and esc/<environment>.yaml hands them over under `pulumiConfig`. Without ESC, set "
            f"each with: pulumi config set --secret {PROJECT}:<key> (see docs/secrets.md)."
        )
    return Secrets(values)


def _describe(error: Any) -> str:
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, _FieldError):
        return f"{_key(cause.loc)}: found {cause.value!r}; {cause.message}"
    key = _key(loc)
    kind = error["type"]
    if kind == "missing":
        return f"{key}: missing; it is required (see README, 'Stack configuration')"
    found = f"found {error['input']!r}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return f"{key}: unknown key ({found}); allowed keys here: {', '.join(allowed)}"
    if kind in ("literal_error", "enum"):
        return f"{key}: {found}; allowed: {ctx.get('expected')}"
    if kind == "value_error":
        return f"{key}: {found}; {cause}"
    if kind == "string_pattern_mismatch":
        return f"{key}: {found}; allowed: text matching {ctx.get('pattern')}"
    return f"{key}: {found}; {error['msg'][0].lower()}{error['msg'][1:]}"


def _key(loc: tuple[Any, ...]) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in loc]
    dotted = ".".join(parts).replace(".[", "[")
    return f"{PROJECT}:{dotted}" if dotted else PROJECT


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Settings
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return []
        match = next(
            (f for name, f in fields.items() if part in (name, f.alias)),
            None,
        )
        if match is None:
            return []
        model = _model_of(match.annotation)
    fields = getattr(_model_of(model), "model_fields", {})
    return [f.alias or name for name, f in fields.items()]


def _model_of(annotation: Any) -> Any:
    """The model inside an optional field's annotation (`Model | None`), else the annotation itself."""
    if hasattr(annotation, "model_fields"):
        return annotation
    return next((arg for arg in get_args(annotation) if hasattr(arg, "model_fields")), annotation)
