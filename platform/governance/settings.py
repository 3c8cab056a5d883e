"""The platform stack's configuration, read and validated once into typed, frozen settings.

Every guard rail the auditors rely on has a floor here: `production` keeps required reviewers and
prevents self-review, `main` needs a pull request with approvals and code-owner review, the plan archive
stays in ap-southeast-2 and is locked in compliance mode for at least 731 days. A stack file that asks for
less stops the program with one `ConfigError` naming each key, the value found and what is allowed; the
policy pack judges the same rules again on what the engine sees.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from governance.config_keys import config_keys, is_secret

PROJECT = "motion-mavericks-platform"
TOP_LEVEL_KEYS = ("tags", "github", "pulumiCloud", "archive")

# The portal's stack names: one of these, or one followed by '-' and a suffix (components/settings.py).
PORTAL_ENVIRONMENTS = ("dev", "staging", "prod")
# The one environment whose jobs hold prod's deploy credentials; its protection is not negotiable.
PRODUCTION = "production"
MINIMUM_LOCK_DAYS = 731  # 24 months, a leap day included
MAX_REVIEWERS = 6  # GitHub: up to 6 teams or users may be required reviewers of an environment

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")]
GitHubName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,255}$")]
BranchPattern = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/*-]{1,255}$")]


class ConfigError(pulumi.RunError):
    """Invalid stack configuration. A `RunError`, so the Pulumi CLI prints only the message."""


class _Model(BaseModel):
    """Stack-file objects: camelCase keys, unknown keys refused (they are typos), frozen.

    Only the camelCase spelling is a key: the snake_case field name (`prevent_self_review`) is refused as
    unknown, so one setting has one spelling in the stack file, as in the portal's settings."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True)


class Tags(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    owner: Slug
    data_class: Literal["public", "internal", "confidential", "restricted"]


class GitHubEnvironment(_Model):
    """A GitHub deployment environment (`production`, `preview-dev`): not a stack's dev/staging/prod tier, which
    `pulumi_cloud.stack_environment` names. `branches` empty: any branch may use it (pull-request previews)."""

    branches: tuple[BranchPattern, ...] = ()
    reviewers: tuple[Slug, ...] = Field(default=(), max_length=MAX_REVIEWERS)
    prevent_self_review: bool = False
    can_admins_bypass: bool = False


class BranchRules(_Model):
    branch: GitHubName = "main"
    required_approvals: int = Field(ge=1, le=10)
    required_checks: tuple[Annotated[str, StringConstraints(min_length=1, max_length=255)], ...] = Field(min_length=1)
    # GitHub App ids that may push to the branch without a pull request: only apps, never people or roles
    # (the compliance register's app: docs/compliance/README.md, "The register commit").
    bypass_apps: tuple[Annotated[int, Field(ge=1)], ...] = ()


class GitHub(_Model):
    owner: GitHubName  # the organisation that owns the repository
    repository: GitHubName
    teams: dict[Slug, int]  # team slug -> numeric id (`gh api orgs/<owner>/teams/<slug> --jq .id`)
    environments: dict[EnvironmentName, GitHubEnvironment]
    branch_rules: BranchRules
    code_owners: dict[Annotated[str, StringConstraints(pattern=r"^\S+$")], tuple[Slug, ...]] = Field(min_length=1)

    @model_validator(mode="after")
    def _guard_rails(self) -> GitHub:
        production = self.environments.get(PRODUCTION)
        if production is None:
            raise _FieldError(
                ("github", "environments"),
                sorted(self.environments),
                f"has no {PRODUCTION!r}; the prod deploy job runs there, so it must be declared with its protection",
            )
        where = ("github", "environments", PRODUCTION)
        if not production.reviewers:
            raise _FieldError((*where, "reviewers"), [], "is empty; prod changes need at least one required reviewer")
        if not production.prevent_self_review:
            raise _FieldError((*where, "preventSelfReview"), False, "allowed: true (the author may not approve)")
        if production.can_admins_bypass:
            raise _FieldError((*where, "canAdminsBypass"), True, "allowed: false (nobody skips the approval)")
        if production.branches != (self.branch_rules.branch,):
            raise _FieldError(
                (*where, "branches"),
                list(production.branches),
                f"allowed: [{self.branch_rules.branch!r}] (prod deploys from the protected branch only)",
            )
        for name, environment in self.environments.items():
            # An environment whose name says prod holds prod credentials (docs/delivery.md, "The trust
            # boundary"): only the protected branch may use it, and no admin may skip its rules.
            if "prod" in name.lower() and environment.branches != (self.branch_rules.branch,):
                raise _FieldError(
                    ("github", "environments", name, "branches"),
                    list(environment.branches),
                    f"allowed: [{self.branch_rules.branch!r}] (an environment named for prod is main-only)",
                )
            if "prod" in name.lower() and environment.can_admins_bypass:
                raise _FieldError(("github", "environments", name, "canAdminsBypass"), True, "allowed: false")
            for index, slug in enumerate(environment.reviewers):
                if slug not in self.teams:
                    raise _FieldError(
                        ("github", "environments", name, "reviewers", index),
                        slug,
                        f"is not in github.teams; known teams: {', '.join(sorted(self.teams)) or 'none'}",
                    )
        for pattern, owners in self.code_owners.items():
            for slug in owners:
                if slug not in self.teams:
                    raise _FieldError(
                        ("github", "codeOwners", pattern),
                        slug,
                        f"is not in github.teams; known teams: {', '.join(sorted(self.teams)) or 'none'}",
                    )
        return self

    def team_ids(self, slugs: tuple[str, ...]) -> list[int]:
        return [self.teams[slug] for slug in slugs]


class TeamAccess(_Model):
    enabled: bool = False
    preview_team: Slug | None = None  # Stack Read on every portal stack: runs previews
    deploy_teams: dict[Slug, Slug] = Field(default_factory=dict)  # stack -> team with Stack Write on it

    @model_validator(mode="after")
    def _complete(self) -> TeamAccess:
        if self.enabled and (self.preview_team is None or not self.deploy_teams):
            raise ValueError("enabled: true needs previewTeam and deployTeams (stack -> team)")
        return self


class PolicyGroup(_Model):
    enabled: bool = False
    name: Slug = "motion-mavericks-portal"
    mode: Literal["preventative", "audit"] = "preventative"
    policy_pack: Slug = "motion-mavericks-portal-policy"
    policy_pack_version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]


class PulumiCloud(_Model):
    organization: GitHubName
    project: Slug = "motion-mavericks-portal"  # the portal's project, whose stacks are governed here
    stacks: dict[Slug, Tags] = Field(min_length=1)  # each portal stack -> its own owner and data_class tags
    stack_tags: bool = True  # every edition
    team_access: TeamAccess = TeamAccess()  # Enterprise and Business Critical editions
    policy_group: PolicyGroup  # Team, Enterprise and Business Critical editions

    @model_validator(mode="after")
    def _stacks_are_portal_stacks(self) -> PulumiCloud:
        for stack in self.stacks:
            if stack.partition("-")[0] not in PORTAL_ENVIRONMENTS:
                raise _FieldError(
                    ("pulumiCloud", "stacks", stack),
                    stack,
                    f"allowed: {', '.join(PORTAL_ENVIRONMENTS)}, or one of them followed by '-' and a suffix "
                    "(dev-jane): the portal refuses any other stack name, and the stack's env tag is that prefix",
                )
        return self

    @model_validator(mode="after")
    def _deploy_teams_name_stacks(self) -> PulumiCloud:
        for stack in self.team_access.deploy_teams:
            if stack not in self.stacks:
                raise _FieldError(
                    ("pulumiCloud", "teamAccess", "deployTeams", stack),
                    stack,
                    f"is not a governed stack; allowed: {', '.join(self.stacks)}",
                )
        return self


class Archive(_Model):
    region: Literal["ap-southeast-2"]  # Sydney: the plan archive's data never leaves Australia
    account_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    bucket_name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    prefix: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*/$")] = "prod/"
    retention_days: int = Field(ge=MINIMUM_LOCK_DAYS, le=36500)
    expire_after_days: int
    # An account has one OIDC provider per issuer: `create`, or the ARN of the one that already exists.
    github_oidc_provider: Annotated[
        str,
        StringConstraints(
            pattern=r"^(create|arn:aws:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com)$"
        ),
    ] = "create"
    writer_environment: EnvironmentName = "plan-archive"  # the GitHub environment whose jobs may write
    role_name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+=,.@_-]{1,64}$")] = (
        "mm-portal-plan-archive-writer"
    )

    @model_validator(mode="after")
    def _expires_after_the_lock(self) -> Archive:
        if self.expire_after_days <= self.retention_days:
            raise _FieldError(
                ("archive", "expireAfterDays"),
                self.expire_after_days,
                f"allowed: more than retentionDays ({self.retention_days}); a locked object cannot expire",
            )
        return self

    @property
    def bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket_name}"


class Settings(_Model):
    tags: Tags
    github: GitHub
    pulumi_cloud: PulumiCloud
    archive: Archive

    @model_validator(mode="after")
    def _archive_writer_is_main_only(self) -> Settings:
        name = self.archive.writer_environment
        writer = self.github.environments.get(name)
        if writer is None or writer.branches != (self.github.branch_rules.branch,):
            raise _FieldError(
                ("archive", "writerEnvironment"),
                name,
                f"must be a github.environments entry with branches [{self.github.branch_rules.branch!r}] (the "
                f"archive role trusts that environment only, so only the protected branch may write)",
            )
        return self

    @property
    def environment(self) -> str:
        """The platform has one stack and it guards production: its resources are tagged `env: prod`."""
        return "prod"


class _FieldError(ValueError):
    """A cross-field problem that belongs to one key (pydantic would report it at the parent)."""

    def __init__(self, loc: tuple[Any, ...], value: Any, message: str):
        super().__init__(message)
        self.loc, self.value, self.message = loc, value, message


def load_settings() -> Settings:
    """Read the current stack's configuration once: every key of this project's namespace, so that one no one
    reads (a typo, a key from another project) is refused by name rather than ignored."""
    config = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    given = {key.partition(":")[2] for key in config_keys() if key.partition(":")[0] == PROJECT}
    for key in sorted({*TOP_LEVEL_KEYS, *given}):
        if key not in TOP_LEVEL_KEYS and is_secret(f"{PROJECT}:{key}"):
            raw[key] = _SECRET  # refused as unknown, never shown
            continue
        try:
            value = config.get_object(key)
        except pulumi.ConfigTypeError:
            value = config.get(key)
        if value is not None:
            raw[key] = value
    return parse_settings(raw, pulumi.get_stack())


class _Secret:
    def __repr__(self) -> str:
        return "[secret]"


_SECRET = _Secret()


def parse_settings(raw: dict[str, Any], stack: str) -> Settings:
    """Validate raw stack configuration (`{key: value}` without the project prefix)."""
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors(include_url=False)]
    raise ConfigError(f"stack {stack!r} has invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _describe(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, _FieldError):
        return f"{_key(cause.loc)}: found {cause.value!r}; {cause.message}"
    key = _key(loc)
    kind = error["type"]
    if kind == "missing":
        return f"{key}: missing; it is required (see docs/platform.md, 'Configuration')"
    found = f"found {error['input']!r}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"{key}: unknown key ({found}); allowed keys here: {', '.join(allowed)}{hint}"
    if kind in ("literal_error", "enum"):
        return f"{key}: {found}; allowed: {ctx.get('expected')}"
    if kind == "value_error":
        return f"{key}: {found}; {cause}"
    if kind == "string_pattern_mismatch":
        return f"{key}: {found}; allowed: text matching {ctx.get('pattern')}"
    return f"{key}: {found}; {error['msg'][0].lower()}{error['msg'][1:]}"


def _key(loc: tuple[Any, ...]) -> str:
    dotted = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    return f"{PROJECT}:{dotted}" if dotted else PROJECT


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Settings
    for part in loc:
        if typing.get_origin(model) is dict:  # a mapping's key (an environment name): on to its values
            model = typing.get_args(model)[1]
            continue
        fields = getattr(model, "model_fields", None)
        match = next((f for name, f in (fields or {}).items() if part in (name, f.alias)), None)
        if match is None:
            return []
        model = match.annotation
    return [f.alias or name for name, f in getattr(model, "model_fields", {}).items()]
