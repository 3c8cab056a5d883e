"""A platform stack file that loosens a guard rail stops the program with one clear message."""

from __future__ import annotations

import pulumi
import pytest
from governance.settings import ConfigError

from preflight.monitor import run_program
from stack_config import Project
from tests.support.platform import PLATFORM, platform_config, run_platform
from tests.support.project import DELETE

KEY = "motion-mavericks-platform:"


def config_error(**overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        run_platform(**overrides)
    return str(caught.value)


def test_config_error_is_a_run_error_so_the_cli_prints_no_traceback() -> None:
    assert issubclass(ConfigError, pulumi.RunError)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"archive": DELETE}, f"{KEY}archive: missing; it is required"),
        (
            {"github": {"environments": {"production": DELETE}}},
            f"{KEY}github.environments: found [",
        ),
        (
            {"github": {"environments": {"production": {"reviewers": []}}}},
            f"{KEY}github.environments.production.reviewers: found []; is empty; prod changes need at least one",
        ),
        (
            {"github": {"environments": {"production": {"preventSelfReview": False}}}},
            f"{KEY}github.environments.production.preventSelfReview: found False; allowed: true",
        ),
        (
            {"github": {"environments": {"production": {"canAdminsBypass": True}}}},
            f"{KEY}github.environments.production.canAdminsBypass: found True; allowed: false",
        ),
        (
            {"github": {"environments": {"production": {"branches": ["main", "release/*"]}}}},
            f"{KEY}github.environments.production.branches: found ['main', 'release/*']; allowed: ['main']",
        ),
        (
            {"github": {"environments": {"production": {"reviewers": ["portal-security", "auditors"]}}}},
            f"{KEY}github.environments.production.reviewers[1]: found 'auditors'; is not in github.teams",
        ),
        (
            {"github": {"environments": {"production": {"reviewers": [f"t{i}" for i in range(7)]}}}},
            f"{KEY}github.environments.production.reviewers: found ['t0'",
        ),
        (
            {"github": {"codeOwners": {"/policy/": ["securty"]}}},
            f"{KEY}github.codeOwners./policy/: found 'securty'; is not in github.teams; known teams: "
            "portal-platform, portal-security, portal-tech-lead",
        ),
        (
            {"github": {"environments": {"preview-prod": {"branches": []}}}},
            f"{KEY}github.environments.preview-prod.branches: found []; allowed: ['main'] (an environment named "
            "for prod is main-only)",
        ),
        (
            {"github": {"environments": {"preview-prod": {"canAdminsBypass": True}}}},
            f"{KEY}github.environments.preview-prod.canAdminsBypass: found True; allowed: false",
        ),
        (
            # One spelling per key: the field's snake_case name would otherwise set the same setting silently.
            {"github": {"environments": {"production": {"preventSelfReview": DELETE, "prevent_self_review": True}}}},
            f"{KEY}github.environments.production.prevent_self_review: unknown key (found True); allowed keys here:",
        ),
        (
            {"github": {"branchRules": {"requiredApprovals": 0}}},
            f"{KEY}github.branchRules.requiredApprovals: found 0; input should be greater than or equal to 1",
        ),
        ({"github": {"branchRules": {"requiredChecks": []}}}, f"{KEY}github.branchRules.requiredChecks: found []"),
        (
            {"github": {"branchRules": {"bypassApps": ["admins"]}}},
            f"{KEY}github.branchRules.bypassApps[0]: found 'admins'; input should be a valid integer",
        ),
        (
            {"github": {"environments": {"dev": {"branch": ["main"]}}}},
            f"{KEY}github.environments.dev.branch: unknown key (found ['main']); allowed keys here: branches, "
            "reviewers, preventSelfReview, canAdminsBypass",
        ),
        (
            {"archive": {"region": "ap-southeast-1"}},
            f"{KEY}archive.region: found 'ap-southeast-1'; allowed: 'ap-southeast-2'",
        ),
        (
            {"archive": {"retentionDays": 730}},
            f"{KEY}archive.retentionDays: found 730; input should be greater than or equal to 731",
        ),
        (
            {"archive": {"expireAfterDays": 731}},
            f"{KEY}archive.expireAfterDays: found 731; allowed: more than retentionDays (731)",
        ),
        ({"archive": {"accountId": "1234"}}, f"{KEY}archive.accountId: found '1234'; allowed: text matching"),
        ({"archive": {"bucketName": "Plan_Archive"}}, f"{KEY}archive.bucketName: found 'Plan_Archive'; allowed"),
        (
            {"archive": {"githubOidcProvider": "arn:aws:iam::111122223333:oidc-provider/example.com"}},
            f"{KEY}archive.githubOidcProvider: found 'arn:aws:iam::111122223333:oidc-provider/example.com'",
        ),
        (
            {"archive": {"writerEnvironment": "preview-dev"}},
            f"{KEY}archive.writerEnvironment: found 'preview-dev'; must be a github.environments entry with "
            "branches ['main']",
        ),
        (
            {"pulumiCloud": {"teamAccess": {"enabled": True}}},
            f"{KEY}pulumiCloud.teamAccess: found {{'enabled': True}}; enabled: true needs previewTeam and deployTeams",
        ),
        (
            {"pulumiCloud": {"teamAccess": {"enabled": True, "previewTeam": "p", "deployTeams": {"qa": "d"}}}},
            f"{KEY}pulumiCloud.teamAccess.deployTeams.qa: found 'qa'; is not a governed stack; allowed: dev, "
            "staging, prod",
        ),
        (
            {"pulumiCloud": {"stacks": {"qa": {"owner": "qa-team", "data_class": "internal"}}}},
            f"{KEY}pulumiCloud.stacks.qa: found 'qa'; allowed: dev, staging, prod, or one of them followed by '-'",
        ),
        (
            {"pulumiCloud": {"stacks": {"development": {"owner": "qa-team", "data_class": "internal"}}}},
            f"{KEY}pulumiCloud.stacks.development: found 'development'; allowed: dev, staging, prod",
        ),
        (
            {"pulumiCloud": {"policyGroup": {"mode": "enforce"}}},
            f"{KEY}pulumiCloud.policyGroup.mode: found 'enforce'; allowed: 'preventative' or 'audit'",
        ),
        ({"tags": {"data_class": "secret"}}, f"{KEY}tags.data_class: found 'secret'; allowed:"),
        ({"github": "maverick"}, f"{KEY}github: found 'maverick'; input should be"),
    ],
)
def test_bad_configuration_names_key_value_and_what_is_allowed(overrides, expected) -> None:
    message = config_error(**overrides)
    assert message.startswith("stack 'prod' has invalid configuration:\n  - ")
    assert expected in message
    assert "Traceback" not in message


def test_every_problem_is_listed_at_once() -> None:
    message = config_error(archive={"region": "us-east-1", "retentionDays": 30})
    assert "archive.region" in message and "archive.retentionDays" in message


def test_an_unknown_top_level_key_is_refused_with_its_value_and_the_allowed_keys() -> None:
    """`archve` for `archive`: without the check the typo'd block was silently ignored."""
    message = config_error(archve={"retentionDays": 3650})
    assert (
        f"{KEY}archve: unknown key (found {{'retentionDays': 3650}}); allowed keys here: tags, github, pulumiCloud, "
        "archive (did you mean archive?)"
    ) in message


def test_a_snake_case_top_level_key_is_refused_as_unknown() -> None:
    message = config_error(pulumi_cloud={"stackTags": False})
    assert f"{KEY}pulumi_cloud: unknown key (found {{'stackTags': False}})" in message
    assert "(did you mean pulumiCloud?)" in message


def test_an_unknown_secret_key_is_refused_without_showing_its_value() -> None:
    secret = "hunter2-" + "platform"
    config = {**platform_config(), f"{KEY}githubToken": secret}
    project = Project.load(PLATFORM)
    with pytest.raises(ConfigError) as caught:
        run_program(project.main, project.name, "prod", config, secret_keys=(f"{KEY}githubToken",))
    message = str(caught.value)
    assert f"{KEY}githubToken: unknown key (found [secret]); allowed keys here:" in message
    assert secret not in message


def test_other_namespaces_are_not_the_platform_settings_to_judge() -> None:
    """`pulumi:tags`, `aws:region` and the like belong to Pulumi and the providers."""
    config = {**platform_config(), "pulumi:tags": '{"team": "platform"}', "aws:region": "ap-southeast-2"}
    project = Project.load(PLATFORM)
    run_program(project.main, project.name, "prod", config)
