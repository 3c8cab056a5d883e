"""NeonDatabase: the portal's Postgres, in Sydney, with the promised point-in-time restore window."""

from __future__ import annotations

from urllib.parse import quote

import pulumi

import neon_sdk as neon
from components.settings import Neon
from components.tags import ResourceTags, TaggedComponent

SECONDS_PER_DAY = 86400


class NeonDatabase(TaggedComponent):
    """A Neon project (default branch `main`), the portal database and the application's role.

    Outputs: `host` (the read-write endpoint), `connection_uri` (secret; the application's
    `DATABASE_URL` at creation), `project_id`.

    The role's password is Neon's, generated at creation; `Role.password` is an output only, so nothing
    in the program can make Pulumi reset it. After provisioning, `python -m ops.rotate_neon_password`
    resets it outside Pulumi (1Password then holds the only valid one): from then on `connection_uri`
    carries the stale creation-time password until a `pulumi refresh` reads the role again.
    """

    def __init__(
        self,
        name: str,
        settings: Neon,
        tags: ResourceTags,
        protect: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("NeonDatabase", name, tags, opts)
        # Production data outlives a mistaken `pulumi destroy` or a refactor that drops the resource.
        data_opts = self.child(protect=protect, retain_on_delete=protect)

        project = neon.Project(
            f"{name}-project",
            name=settings.project_name,
            region_id=settings.region,
            pg_version=settings.postgres_version,
            history_retention_seconds=settings.backup_retention_days * SECONDS_PER_DAY,
            default_endpoint_settings={
                "autoscaling_limit_min_cu": settings.autoscaling.min_cu,
                "autoscaling_limit_max_cu": settings.autoscaling.max_cu,
                "suspend_timeout_seconds": settings.suspend_timeout_seconds,
            },
            branch={"name": "main"},
            org_id=settings.org_id,
            default_branch_protected=protect,
            opts=data_opts,
        )
        role = neon.Role(
            f"{name}-app-role",
            project_id=project.id,
            branch_id=project.default_branch_id,
            name=settings.app_role,
            opts=self.child(),
        )
        database = neon.Database(
            f"{name}-database",
            project_id=project.id,
            branch_id=project.default_branch_id,
            name=settings.database,
            owner_name=role.name,
            opts=data_opts,
        )

        self.project_id: pulumi.Output[str] = project.id
        self.host: pulumi.Output[str] = project.database_host
        self.connection_uri: pulumi.Output[str] = pulumi.Output.secret(
            pulumi.Output.all(role.name, role.password, project.database_host, database.name).apply(
                lambda parts: postgres_uri(*parts)
            )
        )
        self.register_outputs({"project_id": self.project_id, "host": self.host, "connection_uri": self.connection_uri})


def postgres_uri(user: str, password: str, host: str, database: str) -> str:
    """The application's `DATABASE_URL` (also built by the rotation command, so both agree)."""
    return f"postgresql://{quote(user)}:{quote(password, safe='')}@{host}/{quote(database)}?sslmode=require"
