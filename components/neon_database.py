"""NeonDatabase: the portal's Postgres, in Sydney, with the promised point-in-time restore window."""

from __future__ import annotations

import pulumi

import neon_sdk as neon
from components.database_url import postgres_uri
from components.settings import Neon
from components.tags import ResourceTags, TaggedComponent

SECONDS_PER_DAY = 86400


class NeonDatabase(TaggedComponent):
    """A Neon project (default branch `main`), the portal database and the application's role.

    Outputs: `host` (the read-write endpoint), `connection_uri` (the application's `DATABASE_URL`
    WITHOUT a password: `postgresql://portal_app@<host>/portal?sslmode=require`), `project_id`.

    No output of this component carries a password. Neon generates each role's password itself (the
    provider's `Role.password` and the Project's `database_password` / `connection_uri` are outputs only),
    and the provider stores two of them in the state: the project's owner role (on the Project) and the
    application role (on the Role). `python -m ops.rotate_neon_password --all` resets both right after
    provisioning, stores them in 1Password and writes the full `DATABASE_URL` into the sites' Vercel
    variables; from then on the passwords in the state no longer work. A saved `pulumi refresh` reads them
    back from Neon (the provider reveals them on every read), so it must be followed by a rotation:
    docs/runbooks/rotate-neon-password.md, "What the state holds".
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
        # Secret all the same: the Vercel variable it seeds holds the full URL once the rotation has run.
        self.connection_uri: pulumi.Output[str] = pulumi.Output.secret(
            pulumi.Output.all(role.name, project.database_host, database.name).apply(
                lambda parts: postgres_uri(parts[0], None, parts[1], parts[2])
            )
        )
        self.register_outputs({"project_id": self.project_id, "host": self.host, "connection_uri": self.connection_uri})
