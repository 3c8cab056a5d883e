"""Neon's resources the program uses: Project, Role, Database (add Branch or Endpoint when one is needed).

Arguments and attributes are snake_case in Python and travel as the bridge's camelCase wire names
(`region_id` -> `regionId`, `autoscaling_limit_min_cu` -> `autoscalingLimitMinCu`), exactly as a
generated SDK sends them. Credential outputs are marked secret, in addition to what the provider marks.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pulumi
from pydantic.alias_generators import to_camel, to_snake

from neon_sdk.package import PACKAGE, package_ref

Input = pulumi.Input


class DefaultEndpointSettings(TypedDict, total=False):
    autoscaling_limit_min_cu: Input[float]
    autoscaling_limit_max_cu: Input[float]
    suspend_timeout_seconds: Input[int]


class DefaultBranch(TypedDict, total=False):
    name: Input[str]
    role_name: Input[str]
    database_name: Input[str]


class _NeonResource(pulumi.CustomResource):
    _module = ""
    _outputs: tuple[str, ...] = ()
    _secret_outputs: tuple[str, ...] = ()

    def __init__(self, resource_name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions | None):
        props = {key: value for key, value in inputs.items() if value is not None}
        props.update({key: None for key in self._outputs})
        secrets = pulumi.ResourceOptions(additional_secret_outputs=list(self._secret_outputs))
        super().__init__(
            f"{PACKAGE.name}:index/{self._module}:{self._module[0].upper()}{self._module[1:]}",
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secrets),
            package_ref=package_ref(),
        )

    def translate_input_property(self, prop: str) -> str:
        return to_camel(prop)

    def translate_output_property(self, prop: str) -> str:
        return to_snake(prop)


class Project(_NeonResource):
    """A Neon project: its region is fixed at creation; its restore window is the PITR retention."""

    _module = "project"
    _outputs = (
        "connection_uri",
        "connection_uri_pooler",
        "database_host",
        "database_host_pooler",
        "database_name",
        "database_password",
        "database_user",
        "default_branch_id",
        "default_endpoint_id",
    )
    _secret_outputs = ("connection_uri", "connection_uri_pooler", "database_password")

    connection_uri: pulumi.Output[str]
    database_host: pulumi.Output[str]
    default_branch_id: pulumi.Output[str]
    default_endpoint_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: Input[str],
        region_id: Input[str],
        pg_version: Input[int],
        history_retention_seconds: Input[int],
        default_endpoint_settings: DefaultEndpointSettings | None = None,
        branch: DefaultBranch | None = None,
        org_id: Input[str] | None = None,
        store_password: Input[str] | None = None,
        default_branch_protected: Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            resource_name,
            {
                "name": name,
                "region_id": region_id,
                "pg_version": pg_version,
                "history_retention_seconds": history_retention_seconds,
                "default_endpoint_settings": default_endpoint_settings,
                "branch": branch,
                "org_id": org_id,
                "store_password": store_password,
                "default_branch_protected": default_branch_protected,
            },
            opts,
        )


class Role(_NeonResource):
    _module = "role"
    _outputs = ("password",)
    _secret_outputs = ("password",)

    name: pulumi.Output[str]
    password: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: Input[str],
        branch_id: Input[str],
        name: Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(resource_name, {"project_id": project_id, "branch_id": branch_id, "name": name}, opts)


class Database(_NeonResource):
    _module = "database"

    name: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: Input[str],
        branch_id: Input[str],
        name: Input[str],
        owner_name: Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            resource_name,
            {"project_id": project_id, "branch_id": branch_id, "name": name, "owner_name": owner_name},
            opts,
        )
