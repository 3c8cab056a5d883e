"""VercelSite: one of the portal's sites, its functions pinned to Sydney, and the stack's Vercel provider."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumiverse_vercel as vercel

from components.settings import PREVIEW_ENVIRONMENTS, Site, Vercel
from components.tags import ResourceTags, TaggedComponent


@dataclass(frozen=True)
class SiteServices:
    """What a site connects to. Credentials are Pulumi secrets and become `sensitive` variables."""

    database_url: pulumi.Output[str]
    redis_rest_url: pulumi.Output[str]
    redis_rest_token: pulumi.Output[str]
    sentry_dsn: pulumi.Output[str]
    # Third-party secrets from 1Password (via ESC): Vercel variable name -> secret value.
    secrets: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)


# Variables whose value Pulumi sets once, at creation, and then leaves to an operator command.
# DATABASE_URL carries the Neon role's password, which `python -m ops.rotate_neon_password` resets after
# provisioning and writes to 1Password and to these variables; Pulumi's state keeps the creation-time
# password, which no longer works. `ignore_changes=["value"]` keeps a later `pulumi up` from writing that
# stale URL back (see docs/runbooks/rotate-neon-password.md, "Pulumi and the rotated password").
VALUE_MANAGED_OUTSIDE_PULUMI = frozenset({"DATABASE_URL"})


def vercel_provider(settings: Vercel) -> vercel.Provider:
    """The stack's one Vercel provider, for the configured team (`vercel.team`: slug or `team_...` id).

    The provider resolves `team` to the team's id when it starts (a slug through Vercel's get-team call) and
    every resource it manages uses that id. A resource's own `team_id` would go to the API unchanged as
    `teamId`, which takes only an id (terraform-provider-vercel `vercel/provider.go`, `client/client.go`
    `TeamID`), so no resource sets one. The token comes from `VERCEL_API_TOKEN`, never from a file.
    """
    return vercel.Provider("vercel", team=settings.team)


class VercelSite(TaggedComponent):
    """A Vercel project with its domains, deployment retention and environment variables.

    Functions run only in the configured Australian region: `function_default_regions` (the
    deprecated `serverless_function_region` is never set) and `function_failover` off, because
    failover moves functions out of Sydney. Only environments in `PREVIEW_ENVIRONMENTS` build preview
    deployments (each pull request's preview gets its own Neon branch: docs/previews.md); staging and prod
    build their production branch only. Git fork protection is on everywhere, so a fork's pull request
    never deploys with the team's variables. Outputs: `project_id`, `url`.

    The team comes from the provider (`vercel_provider`), passed in `opts.providers`: no resource sets
    `team_id`.
    """

    def __init__(
        self,
        name: str,
        site: Site,
        vercel_settings: Vercel,
        environment: str,
        services: SiteServices,
        tags: ResourceTags,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        _require_team_provider(name, opts)
        super().__init__("VercelSite", name, tags, opts)
        project = vercel.Project(
            f"{name}-project",
            name=site.name,
            framework=site.framework,
            root_directory=site.root_directory,
            git_repository={
                "type": site.git.type,
                "repo": site.git.repo,
                "production_branch": site.git.production_branch,
            },
            resource_config={"function_default_regions": [vercel_settings.region]},
            function_failover=False,
            preview_deployments_disabled=environment not in PREVIEW_ENVIRONMENTS,
            git_fork_protection=True,
            vercel_authentication={"deployment_type": site.deployment_protection},
            opts=self.child(),
        )
        retention = vercel_settings.deployment_retention
        vercel.ProjectDeploymentRetention(
            f"{name}-deployment-retention",
            project_id=project.id,
            expiration_production=retention.production,
            expiration_preview=retention.preview,
            expiration_canceled=retention.canceled,
            expiration_errored=retention.errored,
            opts=self.child(),
        )
        for domain in site.domains:
            vercel.ProjectDomain(
                f"{name}-domain-{domain}",
                project_id=project.id,
                domain=domain,
                opts=self.child(),
            )

        variables: dict[str, tuple[pulumi.Input[str], bool]] = {
            "DATABASE_URL": (services.database_url, True),
            "UPSTASH_REDIS_REST_URL": (services.redis_rest_url, True),
            "UPSTASH_REDIS_REST_TOKEN": (services.redis_rest_token, True),
            "NEXT_PUBLIC_SENTRY_DSN": (services.sentry_dsn, False),
            "SENTRY_ENVIRONMENT": (environment, False),
            "APP_ENV": (environment, False),
        }
        for key, value in sorted(services.secrets.items()):
            variables[key] = (value, True)
        flags = {**vercel_settings.feature_flags, **site.feature_flags}
        for flag, enabled in sorted(flags.items()):
            variables[f"NEXT_PUBLIC_FEATURE_{flag}"] = ("true" if enabled else "false", False)
        for key, (value, sensitive) in variables.items():
            vercel.ProjectEnvironmentVariable(
                f"{name}-env-{key.lower().replace('_', '-')}",
                project_id=project.id,
                key=key,
                value=pulumi.Output.secret(value) if sensitive else value,
                # Vercel requires `sensitive` to be explicit; a sensitive value cannot be read back.
                sensitive=sensitive,
                targets=list(vercel_settings.variable_targets),
                opts=self.child(ignore_changes=["value"]) if key in VALUE_MANAGED_OUTSIDE_PULUMI else self.child(),
            )

        self.project_id: pulumi.Output[str] = project.id
        host = site.domains[0] if site.domains else f"{site.name}.vercel.app"
        self.url: str = f"https://{host}"
        self.register_outputs({"project_id": self.project_id, "url": self.url})


def _require_team_provider(name: str, opts: pulumi.ResourceOptions | None) -> None:
    """Without the stack's provider the resources would land in the token's default scope, not the team."""
    providers = opts.providers if opts is not None and opts.providers else []
    candidates = list(providers.values()) if isinstance(providers, Mapping) else list(providers)
    if not any(isinstance(provider, vercel.Provider) for provider in candidates):
        raise TypeError(
            f"VercelSite {name!r} needs the stack's Vercel provider: "
            "opts=pulumi.ResourceOptions(providers=[vercel_provider(settings.vercel)])"
        )
