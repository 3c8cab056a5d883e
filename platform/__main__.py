"""Motion Mavericks platform: the delivery system's own guard rails, declared once and judged by the pack.

GitHub (environments and the rules on `main`), Pulumi Cloud (the portal's stack tags, team access and
policy group) and AWS (the prod plan archive in Sydney). Each provider is explicit; credentials come from
the environment of whoever runs `pulumi up` (docs/platform.md), never from this program.
"""

import pulumi
import pulumi_github as github
import pulumi_pulumiservice as pulumiservice
from governance import PlanArchive, RepositoryGovernance, StackGovernance, load_settings, tags_of
from pulumi_aws.provider import Provider as AwsProvider
from pulumi_aws.provider import ProviderDefaultTagsArgs

settings = load_settings()
tags = tags_of(settings)

github_provider = github.Provider("github", owner=settings.github.owner)
pulumi_cloud = pulumiservice.Provider("pulumi-cloud")
aws_sydney = AwsProvider(
    "aws-sydney",
    region=settings.archive.region,
    allowed_account_ids=[settings.archive.account_id],
    default_tags=ProviderDefaultTagsArgs(tags=tags),
)

repository = RepositoryGovernance("github", settings.github, tags, github_provider)
StackGovernance(
    "pulumi-cloud",
    settings.pulumi_cloud,
    tags,
    pulumi_cloud,
    # The pack judges this project too: its own stack joins the policy group.
    extra_policy_stacks=((pulumi.get_project(), pulumi.get_stack()),),
)
archive = PlanArchive(
    "plan-archive",
    settings.archive,
    f"{settings.github.owner}/{settings.github.repository}",
    tags,
    aws_sydney,
)

pulumi.export("plan_archive_bucket", archive.bucket.bucket)
pulumi.export("plan_archive_role_arn", archive.writer.arn)
pulumi.export("github_environments", sorted(repository.environments))
