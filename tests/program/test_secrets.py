"""Third-party secrets (Clerk, Mux, Resend): from configuration into `sensitive` Vercel variables, only as
Pulumi secrets, each site only what it needs; a missing one stops the program, named."""

from __future__ import annotations

import pytest

from components.errors import ConfigError
from components.settings import PROJECT, SECRETS, grafana_secret_keys, settings_from_stack_config
from preflight.monitor import ProgramRun, run_program
from preflight.registrations import SECRET_SIG, SIG_KEY, shown
from stack_config import REDACTED, Project
from tests.support.program import run_stack
from tests.support.project import DELETE, ROOT, stack_config

ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
# Written out, not derived from the settings' own tables, so a change there has to change this too.
MUX_API = {"MUX_TOKEN_ID", "MUX_TOKEN_SECRET"}
MUX_PLAYBACK = {"MUX_SIGNING_KEY", "MUX_PRIVATE_KEY"}
EXPECTED_SECRETS = {
    "admin": {"CLERK_SECRET_KEY", *MUX_API, *MUX_PLAYBACK, "RESEND_API_KEY"},
    "agency": {"CLERK_SECRET_KEY", *MUX_API, *MUX_PLAYBACK, "RESEND_API_KEY"},
    # the public site plays signed videos and signs guests in; it never uploads to Mux nor sends e-mail
    "guest": {"CLERK_SECRET_KEY", *MUX_PLAYBACK},
}
SECRET_VARIABLES = set().union(*EXPECTED_SECRETS.values())


def site_variables(run: ProgramRun, site: str) -> dict[str, object]:
    return {r.inputs["key"]: r for r in run.by_type(ENV_VAR) if r.parent.endswith(f"::{site}")}


def test_each_site_receives_exactly_its_secrets_as_sensitive_secret_variables(shipped_run: ProgramRun) -> None:
    """Least privilege: each site holds only the third-party secrets it uses."""
    for site, expected in EXPECTED_SECRETS.items():
        variables = site_variables(shipped_run, site)
        assert SECRET_VARIABLES & set(variables) == expected, site
        for name in expected:
            variable = variables[name]
            assert variable.inputs["sensitive"] is True, (site, name)
            assert variable.inputs["value"] == {SIG_KEY: SECRET_SIG, "value": REDACTED}, (site, name)


def test_a_value_set_without_secret_still_reaches_vercel_only_as_a_secret() -> None:
    """`pulumi config set` without --secret: the program reads every one with get_secret regardless."""
    project = Project.load(ROOT)
    values, _ = stack_config("dev")
    fake = "clerk-fake-value-for-tests-0001"
    values[f"{PROJECT}:clerkSecretKey"] = fake
    run = run_program(project.main, project.name, "dev", values, secret_keys=())
    for site in EXPECTED_SECRETS:
        variable = site_variables(run, site)["CLERK_SECRET_KEY"]
        assert variable.inputs["value"] == {SIG_KEY: SECRET_SIG, "value": fake}
        assert "value" in variable.secret_inputs
        assert fake not in repr(shown(variable.inputs))


def test_missing_secrets_stop_the_program_naming_each_and_where_it_comes_from() -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("prod", clerkSecretKey=DELETE, muxSigningPrivateKey=DELETE)
    message = str(caught.value)
    assert message.startswith("stack 'prod' is missing secret configuration:")
    assert f"{PROJECT}:clerkSecretKey: missing; the Clerk secret key" in message
    assert "Vercel variable CLERK_SECRET_KEY on admin, agency, guest" in message
    assert f"{PROJECT}:muxSigningPrivateKey: missing" in message
    assert f"{PROJECT}:resendApiKey" not in message
    assert "ESC environment" in message and "esc/<environment>.yaml" in message
    assert f"pulumi config set --secret {PROJECT}:<key>" in message
    assert "Traceback" not in message


def test_the_rotated_database_url_is_not_overwritten_by_pulumi(shipped_run: ProgramRun) -> None:
    """DATABASE_URL's value is set at creation and then owned by ops.rotate_neon_password."""
    variables = shipped_run.by_type(ENV_VAR)
    database_urls = [v for v in variables if v.inputs["key"] == "DATABASE_URL"]
    assert len(database_urls) == 3
    for variable in variables:
        expected = ["value"] if variable.inputs["key"] == "DATABASE_URL" else []
        assert variable.ignore_changes == expected, variable.name


def test_neon_role_exposes_no_password_input_pulumi_could_reset(shipped_run: ProgramRun) -> None:
    (role,) = shipped_run.by_type("neon:index/role:Role")
    assert "password" in role.additional_secret_outputs
    assert role.inputs.get("password") is None  # an output only, filled by the provider
    assert set(role.inputs) <= {"projectId", "branchId", "name", "password"}


def test_the_shipped_stacks_get_every_secret_from_their_esc_environment() -> None:
    project = Project.load(ROOT)
    for stack in ("dev", "staging", "prod"):
        config = project.stack_config(stack)
        grafana = settings_from_stack_config(config.values, stack).grafana
        expected = {f"{PROJECT}:{key}" for key in (*SECRETS, *grafana_secret_keys(grafana))}
        assert set(config.secret_keys) == expected, stack
        assert all(config.values[f"{PROJECT}:{key}"] == REDACTED for key in SECRETS)
