"""The platform program under Pulumi's mock monitor: what it declares is what the auditors rely on."""

from __future__ import annotations

import json

from preflight.monitor import ProgramRun
from tests.support.platform import platform_config, run_platform

ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
BRANCH_POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
STACK_TAG = "pulumiservice:index:StackTag"
TEAM_PERMISSION = "pulumiservice:index:TeamStackPermission"
POLICY_GROUP = "pulumiservice:index:PolicyGroup"
BUCKET = "aws:s3/bucket:Bucket"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"


def configured(key: str) -> dict:
    return json.loads(platform_config()[f"motion-mavericks-platform:{key}"])


def environment(run: ProgramRun, name: str):
    [env] = [r for r in run.by_type(ENVIRONMENT) if r.inputs["environment"] == name]
    return env


def branch_patterns(run: ProgramRun, name: str) -> list[str]:
    env = environment(run, name)
    return sorted(p.inputs["branchPattern"] for p in run.by_type(BRANCH_POLICY) if env.urn in p.dependencies)


def test_production_needs_configured_reviewers_never_the_author_and_main_only(platform_run: ProgramRun) -> None:
    github = configured("github")
    production = environment(platform_run, "production")
    teams = [github["teams"][slug] for slug in github["environments"]["production"]["reviewers"]]
    assert [int(t) for t in production.inputs["reviewers"][0]["teams"]] == teams
    assert production.inputs["preventSelfReview"] is True
    assert production.inputs["canAdminsBypass"] is False
    assert production.inputs["deploymentBranchPolicy"] == {"protectedBranches": False, "customBranchPolicies": True}
    assert branch_patterns(platform_run, "production") == ["main"]


def test_every_configured_environment_exists_with_its_branch_rule(platform_run: ProgramRun) -> None:
    environments = configured("github")["environments"]
    assert sorted(r.inputs["environment"] for r in platform_run.by_type(ENVIRONMENT)) == sorted(environments)
    for name, spec in environments.items():
        env = environment(platform_run, name)
        assert branch_patterns(platform_run, name) == sorted(spec.get("branches", [])), name
        if not spec.get("branches"):  # previews: any branch, so pull requests reach them
            assert "deploymentBranchPolicy" not in env.inputs, name
        if not spec.get("reviewers"):
            assert "reviewers" not in env.inputs, name


def test_main_needs_a_reviewed_pull_request_passing_checks_and_refuses_force_push(platform_run: ProgramRun) -> None:
    rules = configured("github")["branchRules"]
    [ruleset] = platform_run.by_type(RULESET)
    inputs = ruleset.inputs
    assert inputs["target"] == "branch" and inputs["enforcement"] == "active"
    assert inputs["conditions"]["refName"]["includes"] == ["refs/heads/main"]
    assert inputs["bypassActors"] == [
        {"actorType": "Integration", "actorId": app, "bypassMode": "always"} for app in rules["bypassApps"]
    ], "only the compliance register's app"
    assert inputs["rules"]["deletion"] is True and inputs["rules"]["nonFastForward"] is True
    pull_request = inputs["rules"]["pullRequest"]
    assert pull_request["requiredApprovingReviewCount"] == rules["requiredApprovals"]
    assert pull_request["requireCodeOwnerReview"] is True
    assert pull_request["requireLastPushApproval"] is True
    checks = inputs["rules"]["requiredStatusChecks"]["requiredChecks"]
    assert [c["context"] for c in checks] == rules["requiredChecks"]


def test_portal_stacks_carry_env_owner_and_data_class(platform_run: ProgramRun) -> None:
    cloud = configured("pulumiCloud")
    found = {(t.inputs["stack"], t.inputs["name"]): t.inputs["value"] for t in platform_run.by_type(STACK_TAG)}
    expected = {}
    for stack, tags in cloud["stacks"].items():
        expected |= {(stack, "env"): stack, (stack, "owner"): tags["owner"], (stack, "data_class"): tags["data_class"]}
    assert expected[("dev", "data_class")] == "internal"
    assert found == expected
    assert {t.inputs["project"] for t in platform_run.by_type(STACK_TAG)} == {"motion-mavericks-portal"}


def test_each_pulumi_cloud_part_is_switchable() -> None:
    off = run_platform(pulumiCloud={"stackTags": False, "policyGroup": {"enabled": False}})
    assert off.by_type(STACK_TAG) == off.by_type(POLICY_GROUP) == off.by_type(TEAM_PERMISSION) == []


def test_team_access_reads_everywhere_and_writes_per_stack() -> None:
    teams = {"dev": "deploy-dev", "staging": "deploy-staging", "prod": "deploy-prod"}
    run = run_platform(pulumiCloud={"teamAccess": {"enabled": True, "previewTeam": "previewers", "deployTeams": teams}})
    grants = {(p.inputs["stack"], p.inputs["team"]): p.inputs["permission"] for p in run.by_type(TEAM_PERMISSION)}
    reads = {(stack, "previewers"): 101 for stack in teams}  # TeamStackPermissionScope.READ
    writes = {(stack, team): 102 for stack, team in teams.items()}  # TeamStackPermissionScope.EDIT
    assert grants == reads | writes


def test_the_policy_group_enforces_the_published_pack_on_every_stack_and_on_itself(platform_run) -> None:
    [group] = platform_run.by_type(POLICY_GROUP)
    assert group.inputs["mode"] == "preventative" and group.inputs["entityType"] == "stacks"
    stacks = {(s["routingProject"], s["name"]) for s in group.inputs["stacks"]}
    assert stacks == {("motion-mavericks-portal", s) for s in ("dev", "staging", "prod")} | {
        ("motion-mavericks-platform", "prod")
    }
    [pack] = group.inputs["policyPacks"]
    assert pack["name"] == "motion-mavericks-portal-policy"


def test_the_archive_lives_in_sydney_through_one_explicit_provider(platform_run: ProgramRun) -> None:
    [provider] = platform_run.by_type("pulumi:providers:aws")
    assert provider.inputs["region"] == "ap-southeast-2"
    assert json.loads(provider.inputs["allowedAccountIds"]) == [configured("archive")["accountId"]]
    aws = [r for r in platform_run.registrations if r.type.startswith("aws:")]
    assert aws and all(r.provider.startswith(provider.urn + "::") for r in aws)


def test_the_bucket_is_locked_in_compliance_mode_versioned_private_encrypted_and_expires(platform_run) -> None:
    archive = configured("archive")
    [bucket] = platform_run.by_type(BUCKET)
    assert bucket.inputs["bucket"] == archive["bucketName"] and bucket.inputs["objectLockEnabled"] is True
    assert bucket.protect and bucket.retain_on_delete

    def for_bucket(type_: str):
        [found] = [r for r in platform_run.by_type(type_) if r.property_dependencies.get("bucket") == [bucket.urn]]
        return found.inputs

    lock = for_bucket(LOCK)
    assert lock["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 731}
    assert for_bucket("aws:s3/bucketVersioning:BucketVersioning")["versioningConfiguration"]["status"] == "Enabled"
    block = for_bucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    encryption = for_bucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    rules = {
        r["id"]: r for r in for_bucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]
    }
    assert rules["expire-after-retention"]["expiration"]["days"] == 732 > lock["rule"]["defaultRetention"]["days"]
    assert rules["remove-expired-delete-markers"]["expiration"]["expiredObjectDeleteMarker"] is True
    policy = json.loads(for_bucket("aws:s3/bucketPolicy:BucketPolicy")["policy"])
    assert policy["Statement"][0]["Effect"] == "Deny"
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_writer_role_trusts_main_only_jobs_and_may_only_put_under_the_prefix(platform_run) -> None:
    archive, github = configured("archive"), configured("github")
    [role] = platform_run.by_type("aws:iam/role:Role")
    [policy] = platform_run.by_type("aws:iam/rolePolicy:RolePolicy")
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{archive['bucketName']}/prod/*",
    }
    assert policy.property_dependencies["role"] == [role.urn]
    [oidc] = platform_run.by_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert role.property_dependencies["assumeRolePolicy"] == [oidc.urn]
    assert github["environments"][archive["writerEnvironment"]]["branches"] == ["main"]


def test_an_existing_oidc_provider_is_trusted_instead_of_created() -> None:
    arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    run = run_platform(archive={"githubOidcProvider": arn})
    assert run.by_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    [role] = run.by_type("aws:iam/role:Role")
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": arn}
    conditions = statement["Condition"]["StringEquals"]
    assert (
        conditions["token.actions.githubusercontent.com:sub"] == "repo:maverick/portal-infra:environment:plan-archive"
    )
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"


def test_every_resource_sits_in_a_tagged_component(platform_run: ProgramRun) -> None:
    by_urn = {r.urn: r for r in platform_run.registrations}
    tags = {"env": "prod", **{k: v for k, v in configured("tags").items()}}
    components = [r for r in platform_run.registrations if r.type.startswith("motion-mavericks:index:")]
    assert {c.type.rsplit(":", 1)[-1] for c in components} == {"RepositoryGovernance", "StackGovernance", "PlanArchive"}
    for component in components:
        assert component.inputs["tags"] == tags
    for resource in platform_run.registrations:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            assert by_urn[resource.parent].type.startswith("motion-mavericks:index:"), resource.name


def test_the_workflow_token_reads_only_and_never_approves_a_pull_request(platform_run: ProgramRun) -> None:
    [permissions] = platform_run.by_type("github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions")
    assert permissions.inputs["defaultWorkflowPermissions"] == "read"
    assert permissions.inputs["canApprovePullRequestReviews"] is False


def test_github_refuses_actions_not_pinned_to_a_commit(platform_run: ProgramRun) -> None:
    [actions] = platform_run.by_type("github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions")
    assert actions.inputs["shaPinningRequired"] is True and actions.inputs["enabled"] is True


def test_every_type_the_platform_registers_is_in_the_catalog(platform_run: ProgramRun) -> None:
    import catalog

    ours = (catalog.COMPONENT_PREFIX, catalog.ENGINE_PREFIX, catalog.PROVIDER_PREFIX)
    missing = sorted({r.type for r in platform_run.registrations if not r.type.startswith(ours)} - set(catalog.TYPES))
    assert missing == [], "add these to catalog.TYPES (see its docstring)"
    assert catalog.TYPES["aws:s3/bucket:Bucket"].holds_data
