"""Pulumi Cloud: the portal's stacks get their cost-allocation tags, team access and the policy pack.

pulumi-pulumiservice 1.5.0: `StackTag` (every edition), `TeamStackPermission` (teams exist in the
Enterprise and Business Critical editions only), `PolicyGroup` (Team, Enterprise and Business Critical).
Each part is switched in config (`pulumiCloud.stackTags`, `.teamAccess.enabled`, `.policyGroup.enabled`)
so an organisation on a smaller edition declares what it has and nothing fails on `up`.
"""

from __future__ import annotations

import pulumi
import pulumi_pulumiservice as pulumiservice

from governance.settings import PulumiCloud
from governance.tagging import GovernanceComponent


def stack_environment(stack: str) -> str:
    """`prod`, or `dev` for a personal stack `dev-jane`: the portal's rule, on names the settings have already
    held to dev, staging or prod with an optional `-suffix` (lower case, no `org/project/` prefix)."""
    return stack.split("-", 1)[0]


class StackGovernance(GovernanceComponent):
    def __init__(
        self,
        name: str,
        settings: PulumiCloud,
        tags: dict[str, str],
        provider: pulumiservice.Provider,
        extra_policy_stacks: tuple[tuple[str, str], ...] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("StackGovernance", name, tags, opts)
        org, project = settings.organization, settings.project

        if settings.stack_tags:
            for stack, own in settings.stacks.items():
                values = {"env": stack_environment(stack), "owner": own.owner, "data_class": own.data_class}
                for key, value in values.items():
                    pulumiservice.StackTag(
                        f"{name}-{stack}-tag-{key}",
                        organization=org,
                        project=project,
                        stack=stack,
                        name=key,
                        value=value,
                        opts=self.child(provider=provider),
                    )

        access = settings.team_access
        if access.enabled:
            for stack in settings.stacks:
                pulumiservice.TeamStackPermission(
                    f"{name}-{stack}-read-{access.preview_team}",
                    organization=org,
                    project=project,
                    stack=stack,
                    team=access.preview_team,
                    permission=pulumiservice.TeamStackPermissionScope.READ,
                    opts=self.child(provider=provider),
                )
            for stack, team in access.deploy_teams.items():
                pulumiservice.TeamStackPermission(
                    f"{name}-{stack}-write-{team}",
                    organization=org,
                    project=project,
                    stack=stack,
                    team=team,
                    permission=pulumiservice.TeamStackPermissionScope.EDIT,
                    opts=self.child(provider=provider),
                )

        group = settings.policy_group
        if group.enabled:
            governed = [(project, stack) for stack in settings.stacks] + list(extra_policy_stacks)
            pulumiservice.PolicyGroup(
                f"{name}-policy-group",
                name=group.name,
                organization_name=org,
                entity_type="stacks",
                mode=group.mode,
                stacks=[
                    pulumiservice.PolicyGroupStackReferenceArgs(name=stack, routing_project=routing)
                    for routing, stack in governed
                ],
                policy_packs=[
                    pulumiservice.PolicyGroupPolicyPackReferenceInputArgs(
                        name=group.policy_pack, version_tag=group.policy_pack_version
                    )
                ],
                opts=self.child(provider=provider),
            )
        self.register_outputs({})
