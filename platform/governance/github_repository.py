"""GitHub: every deployment environment the workflows use, with its protection, and the rules on `main`.

Token and argument names are pulumi-github 6.15.0's (`github:index/repositoryEnvironment:...`,
`github:index/repositoryEnvironmentDeploymentPolicy:...`, `github:index/repositoryRuleset:...`,
`github:index/workflowRepositoryPermissions:...`, `github:index/actionsRepositoryPermissions:...`).
Environment secrets are not declared here: their values live in 1Password and are set per environment
(docs/platform.md says how), so no secret ever passes through this program or its state.
"""

from __future__ import annotations

import pulumi
import pulumi_github as github

from governance.settings import GitHub
from governance.tagging import GovernanceComponent


class RepositoryGovernance(GovernanceComponent):
    def __init__(
        self,
        name: str,
        settings: GitHub,
        tags: dict[str, str],
        provider: github.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("RepositoryGovernance", name, tags, opts)
        self.environments: dict[str, github.RepositoryEnvironment] = {}
        for env_name, env in settings.environments.items():
            environment = github.RepositoryEnvironment(
                f"{name}-env-{env_name}",
                repository=settings.repository,
                environment=env_name,
                reviewers=[github.RepositoryEnvironmentReviewerArgs(teams=settings.team_ids(env.reviewers))]
                if env.reviewers
                else None,
                prevent_self_review=env.prevent_self_review,
                can_admins_bypass=env.can_admins_bypass,
                # Restricted environments accept only the listed branches; the others any branch.
                deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                    protected_branches=False, custom_branch_policies=True
                )
                if env.branches
                else None,
                opts=self.child(provider=provider),
            )
            for pattern in env.branches:
                github.RepositoryEnvironmentDeploymentPolicy(
                    f"{name}-env-{env_name}-branch-{pattern.replace('/', '-').replace('*', 'any')}",
                    repository=settings.repository,
                    environment=environment.environment,
                    branch_pattern=pattern,
                    opts=self.child(provider=provider),
                )
            self.environments[env_name] = environment

        rules = settings.branch_rules
        self.ruleset = github.RepositoryRuleset(
            f"{name}-{rules.branch}",
            name=f"protect-{rules.branch}",
            repository=settings.repository,
            target="branch",
            enforcement="active",
            conditions=github.RepositoryRulesetConditionsArgs(
                ref_name=github.RepositoryRulesetConditionsRefNameArgs(
                    includes=[f"refs/heads/{rules.branch}"], excludes=[]
                )
            ),
            # Administrators follow the same rules; only the listed GitHub Apps (the compliance register's)
            # may push without a pull request.
            bypass_actors=[
                github.RepositoryRulesetBypassActorArgs(actor_type="Integration", actor_id=app, bypass_mode="always")
                for app in rules.bypass_apps
            ],
            rules=github.RepositoryRulesetRulesArgs(
                deletion=True,
                non_fast_forward=True,
                pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                    required_approving_review_count=rules.required_approvals,
                    require_code_owner_review=True,
                    dismiss_stale_reviews_on_push=True,
                    require_last_push_approval=True,
                    required_review_thread_resolution=False,
                ),
                required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                    required_checks=[
                        github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(context=check)
                        for check in rules.required_checks
                    ],
                    strict_required_status_checks_policy=True,
                ),
            ),
            opts=self.child(provider=provider),
        )
        # The workflows' default token reads only (each job asks for what it writes), and a workflow may
        # never approve a pull request: otherwise a pull request could approve itself past the ruleset.
        github.WorkflowRepositoryPermissions(
            f"{name}-workflow-token",
            repository=settings.repository,
            default_workflow_permissions="read",
            can_approve_pull_request_reviews=False,
            opts=self.child(provider=provider),
        )
        # Every action must be pinned to a full commit SHA, as the workflows are (GitHub enforces it too).
        github.ActionsRepositoryPermissions(
            f"{name}-actions",
            repository=settings.repository,
            enabled=True,
            allowed_actions="all",
            sha_pinning_required=True,
            opts=self.child(provider=provider),
        )
        self.register_outputs({"environments": sorted(self.environments), "ruleset": self.ruleset.name})
