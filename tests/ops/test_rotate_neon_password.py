"""`python -m ops.rotate_neon_password` against local Neon, 1Password Connect and Vercel servers: success,
dry run, each error class, retries, resume after a failure part-way, and the password never shown."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from ops.rotate_neon_password import main
from tests.ops.fakes import HOST, NEON_KEY, OLD_PASSWORD, OP_TOKEN, VERCEL_TOKEN
from tests.support.project import ROOT
from tests.support.rotation import ITEM_ID, PROJECTS, Vendors

ARGS = ("--stack", "prod", "--role", "portal_app")


def run(vendors: Vendors, capsys: pytest.CaptureFixture[str], *args: str, **env: str | None) -> tuple[int, str, str]:
    code = main([*args, "--journal-dir", str(vendors.journal_dir)], environ=vendors.env(**env))
    out, err = capsys.readouterr()
    return code, out, err


def expected_url(password: str) -> str:
    return f"postgresql://portal_app:{quote(password, safe='')}@{HOST}/portal?sslmode=require"


def assert_nothing_secret_shown(vendors: Vendors, *texts: str) -> None:
    """No password Neon ever issued, nor the old one, nor a credential, in output or journal; quoted or not."""
    shown = "\n".join([*texts, vendors.journal_text()])
    for secret in [*vendors.neon.issued, OLD_PASSWORD, NEON_KEY, OP_TOKEN, VERCEL_TOKEN]:
        assert secret not in shown
        assert quote(secret, safe="") not in shown
    assert "Traceback" not in shown


def journal(vendors: Vendors) -> dict:
    return json.loads((vendors.journal_dir / "prod-portal_app.json").read_text())


def test_end_to_end_as_an_operator_runs_it(vendors: Vendors) -> None:
    env = {"PATH": os.environ["PATH"], **vendors.env()}
    result = subprocess.run(
        [sys.executable, "-m", "ops.rotate_neon_password", *ARGS, "--journal-dir", str(vendors.journal_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (password,) = vendors.neon.issued
    assert vendors.connect.password(ITEM_ID) == password
    assert vendors.connect.items[ITEM_ID]["version"] == 4
    for project in PROJECTS.values():
        assert vendors.vercel.database_url(project) == expected_url(password)
        assert vendors.vercel.values[(project, f"env-redis-{project}")] == "https://redis.example"  # untouched
    # the password is in 1Password before anything depends on it
    (reset,) = [c for c in vendors.neon.mutations()]
    (stored,) = [c for c in vendors.connect.mutations()]
    patches = vendors.vercel.mutations()
    assert reset.seq < stored.seq < min(c.seq for c in patches) and len(patches) == 3
    assert "Next: redeploy mm-portal-admin-prod, mm-portal-agency-prod, mm-portal-guest-prod" in result.stdout
    assert journal(vendors)["state"] == "complete"
    mode = (vendors.journal_dir / "prod-portal_app.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert_nothing_secret_shown(vendors, result.stdout, result.stderr)


def test_dry_run_says_what_would_change_and_changes_nothing(vendors: Vendors, capsys) -> None:
    code, out, err = run(vendors, capsys, *ARGS, "--dry-run")
    assert code == 0, err
    assert vendors.mutations() == []
    assert "Would rotate the Neon password of role 'portal_app' for stack 'prod'" in out
    assert "project mm-portal-prod (fake-project-123456), branch main" in out
    assert f"vault mm-portal-prod, item neon-portal_app ({ITEM_ID}), field 'password'" in out
    for project in PROJECTS.values():
        assert f"Vercel     {project}" in out and "set DATABASE_URL in production (1 variable" in out
    assert "Dry run: nothing was changed." in out
    assert not vendors.journal_dir.exists()
    assert_nothing_secret_shown(vendors, out, err)


def test_a_variable_target_given_as_one_plain_string_is_one_environment(vendors: Vendors, capsys) -> None:
    """Vercel answers `target` as a list or as a single environment string; neither is split into letters."""
    vendors.vercel.targets[PROJECTS["guest"]] = "production"
    vendors.vercel.targets[PROJECTS["admin"]] = ["production", "preview"]
    code, out, err = run(vendors, capsys, *ARGS, "--dry-run")
    assert code == 0, err
    assert f"{PROJECTS['guest']} (guest): set DATABASE_URL in production (1 variable" in out
    assert f"{PROJECTS['admin']} (admin): set DATABASE_URL in preview, production (1 variable" in out
    assert "p, r, o" not in out


def test_the_project_is_looked_up_in_the_stacks_neon_organisation(vendors: Vendors, capsys) -> None:
    code, _, err = run(vendors, capsys, *ARGS, "--dry-run")
    assert code == 0, err
    (listing,) = [c for c in vendors.neon.calls if c.path == "/projects"]
    assert listing.query["org_id"] == "org-motion-mavericks"  # Pulumi.prod.yaml neon.orgId


def test_missing_credentials_are_named_before_any_call(vendors: Vendors, capsys) -> None:
    code, _, err = run(vendors, capsys, *ARGS, OP_CONNECT_TOKEN=None, VERCEL_API_TOKEN=None)
    assert code == 2
    assert "missing environment variables" in err
    assert "  - OP_CONNECT_TOKEN: " in err and "  - VERCEL_API_TOKEN: " in err and "NEON_API_KEY" not in err
    assert vendors.neon.calls == [] and vendors.connect.calls == [] and vendors.vercel.calls == []


def test_an_unknown_stack_is_a_usage_error(vendors: Vendors, capsys) -> None:
    code, _, err = run(vendors, capsys, "--stack", "qa", "--role", "portal_app")
    assert code == 2
    assert "stack 'qa': Pulumi.qa.yaml does not exist; stacks shipped: dev, prod, staging" in err
    assert vendors.neon.calls == []


def test_a_role_name_that_cannot_be_a_postgres_role_is_refused(vendors: Vendors, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        run(vendors, capsys, "--stack", "prod", "--role", "x'; drop")
    assert exited.value.code == 2
    assert '--role: found "x\'; drop"; allowed: a Postgres role name' in capsys.readouterr().err


def test_an_unknown_role_changes_nothing_and_lists_the_roles(vendors: Vendors, capsys) -> None:
    code, _, err = run(vendors, capsys, "--stack", "prod", "--role", "reporting")
    assert code == 1
    assert (
        "Neon API: no role 'reporting' on branch 'main' of project 'mm-portal-prod'; roles there: neondb_owner, "
        "portal_app" in err
    )
    assert "Nothing was changed." in err
    assert vendors.mutations() == [] and not vendors.journal_dir.exists()


def test_401_names_the_vendor_and_the_credential_and_changes_nothing(vendors: Vendors, capsys) -> None:
    code, _, err = run(vendors, capsys, *ARGS, VERCEL_API_TOKEN="vercel-wrong-token-0004")
    assert code == 1
    assert "Vercel API: credentials rejected (HTTP 401); check VERCEL_API_TOKEN" in err
    assert "Nothing was changed." in err
    assert vendors.mutations() == []
    assert "vercel-wrong-token-0004" not in err


def test_404_a_missing_1password_item_is_named_with_its_vault(vendors: Vendors, capsys) -> None:
    code, _, err = run(vendors, capsys, *ARGS, "--item", "neon-app")
    assert code == 1
    assert "1Password Connect API: no item titled 'neon-app' in vault 'mm-portal-prod'" in err
    assert vendors.mutations() == []


def test_404_a_missing_vercel_project_is_named(vendors: Vendors, capsys) -> None:
    del vendors.vercel.values[("mm-portal-guest-prod", "env-db-mm-portal-guest-prod")]
    del vendors.vercel.values[("mm-portal-guest-prod", "env-redis-mm-portal-guest-prod")]
    code, _, err = run(vendors, capsys, *ARGS)
    assert code == 1
    assert "Vercel API: no project 'mm-portal-guest-prod' in team 'motion-mavericks'" in err
    assert vendors.mutations() == []


def test_429_is_retried_and_the_rotation_completes(vendors: Vendors, capsys) -> None:
    vendors.neon.fail("POST", r"/reset_password$", 429, times=2)
    code, _, err = run(vendors, capsys, *ARGS)
    assert code == 0, err
    assert len(vendors.neon.mutations()) == 3  # two refused, one reset
    assert vendors.connect.password(ITEM_ID) == vendors.neon.password


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_the_reset_is_not_retried_and_resume_resets_again(vendors: Vendors, capsys, status: int) -> None:
    """A gateway's 502/504 does not mean Neon did not reset: the POST is sent once, the journal resumes."""
    vendors.neon.fail("POST", r"/reset_password$", status, times=5)
    code, out, err = run(vendors, capsys, *ARGS)
    assert code == 3
    assert [c.method for c in vendors.neon.calls if c.path.endswith("/reset_password")] == ["POST"]
    assert "Neon API: POST" in err and f"HTTP {status}, not retried: the vendor may have acted on it" in err
    assert "may or may not have changed" in err and "Run again with --resume" in err
    assert journal(vendors)["state"] == "resetting"
    assert vendors.connect.mutations() == [] and vendors.vercel.mutations() == []

    vendors.neon.faults.clear()
    code, out2, err2 = run(vendors, capsys, *ARGS, "--resume")
    assert code == 0, err2
    assert len(vendors.neon.issued) == 1
    assert all(vendors.vercel.database_url(p) == expected_url(vendors.neon.password) for p in PROJECTS.values())
    assert_nothing_secret_shown(vendors, out, err, out2, err2)


def test_429_on_the_reset_is_retried_the_rate_limiter_refused_before_acting(vendors: Vendors, capsys) -> None:
    vendors.neon.fail("POST", r"/reset_password$", 429, times=2)
    code, _out, err = run(vendors, capsys, *ARGS)
    assert code == 0, err
    assert len([c for c in vendors.neon.calls if c.path.endswith("/reset_password")]) == 3
    assert len(vendors.neon.issued) == 1


def test_1password_failing_after_the_reset_says_the_password_was_not_saved_and_resume_resets_again(
    vendors: Vendors, capsys
) -> None:
    vendors.connect.fail("PUT", r"/items/", 500, times=5)
    code, out, err = run(vendors, capsys, *ARGS)
    assert code == 3
    assert "WAS reset in Neon, but storing it in 1Password failed" in err
    assert "not saved anywhere" in err and "--resume" in err
    assert vendors.vercel.mutations() == []
    assert journal(vendors)["state"] == "resetting"

    code, out2, err2 = run(vendors, capsys, *ARGS, "--resume")
    assert code == 0, err2
    first, second = vendors.neon.issued
    assert first != second  # the lost password was replaced, not reused
    assert vendors.connect.password(ITEM_ID) == second
    assert all(vendors.vercel.database_url(p) == expected_url(second) for p in PROJECTS.values())
    assert_nothing_secret_shown(vendors, out, err, out2, err2)


def test_vercel_failing_on_the_second_site_then_resume_finishes_without_a_second_reset(
    vendors: Vendors, capsys
) -> None:
    vendors.vercel.fail("PATCH", r"/v9/projects/mm-portal-agency-prod/", 500, times=5)
    code, out, err = run(vendors, capsys, *ARGS)
    assert code == 3
    (password,) = vendors.neon.issued
    assert "Vercel API: PATCH /v9/projects/mm-portal-agency-prod/env/" in err and "HTTP 500 after 4 retries" in err
    assert "Vercel sites updated: admin; not yet: agency, guest" in err
    assert "Resume with --resume" in err and "without resetting Neon again" in err
    assert vendors.vercel.database_url("mm-portal-admin-prod") == expected_url(password)
    assert vendors.vercel.database_url("mm-portal-guest-prod") != expected_url(password)
    recorded = journal(vendors)
    assert recorded["state"] == "stored" and recorded["onePassword"]["version"] == 4
    assert recorded["vercel"]["admin"]["done"] and not recorded["vercel"]["agency"]["done"]

    admin_patches = len([c for c in vendors.vercel.mutations() if "admin" in c.path])
    code, out2, err2 = run(vendors, capsys, *ARGS, "--resume")
    assert code == 0, err2
    assert vendors.neon.issued == [password]  # Neon was not reset again
    assert "read the password back from mm-portal-prod/neon-portal_app (version 4)" in out2
    assert all(vendors.vercel.database_url(p) == expected_url(password) for p in PROJECTS.values())
    assert len([c for c in vendors.vercel.mutations() if "admin" in c.path]) == admin_patches
    assert journal(vendors)["state"] == "complete"
    assert_nothing_secret_shown(vendors, out, err, out2, err2)


def test_a_vendor_error_that_echoes_the_value_is_redacted(vendors: Vendors, capsys) -> None:
    vendors.vercel.fail("PATCH", r"/env/", 400, echo=True)
    code, out, err = run(vendors, capsys, *ARGS)
    assert code == 3
    assert "Vercel API: PATCH" in err and "HTTP 400: {'message': 'invalid value [redacted]'}" in err
    assert_nothing_secret_shown(vendors, out, err)


def test_resume_refuses_when_the_1password_item_changed_since(vendors: Vendors, capsys) -> None:
    vendors.vercel.fail("PATCH", r"/env/", 500, times=5)
    assert run(vendors, capsys, *ARGS)[0] == 3
    vendors.connect.items[ITEM_ID]["version"] = 9  # someone restored an older version, say
    code, _, err = run(vendors, capsys, *ARGS, "--resume")
    assert code == 3
    assert "changed since this rotation stored the password (version 4, now 9)" in err
    assert len(vendors.neon.issued) == 1


def test_resume_needs_a_journal_and_a_new_run_does_not_trample_an_unfinished_one(vendors: Vendors, capsys) -> None:
    code, _, err = run(vendors, capsys, *ARGS, "--resume")
    assert code == 2 and "nothing to resume: no journal" in err
    vendors.vercel.fail("PATCH", r"/env/", 500, times=5)
    assert run(vendors, capsys, *ARGS)[0] == 3
    code, _, err = run(vendors, capsys, *ARGS)
    assert code == 2
    assert "an unfinished rotation of role 'portal_app' for stack 'prod' is recorded in" in err
    assert "Continue it with --resume" in err
    assert len(vendors.neon.issued) == 1


def test_a_role_the_sites_do_not_use_leaves_vercel_alone(vendors: Vendors, capsys) -> None:
    code, out, err = run(vendors, capsys, "--stack", "prod", "--role", "neondb_owner")
    assert code == 0, err
    assert "nothing: the sites' DATABASE_URL uses role 'portal_app', not 'neondb_owner'" in out
    assert vendors.connect.password("itemneonowner0000000000001") == vendors.neon.password
    assert vendors.vercel.calls == []


def test_a_bug_is_one_message_and_exit_2_its_traceback_redacted_in_a_file(vendors: Vendors, capsys) -> None:
    """Exit 1 means a vendor refused; a bug before anything changed is exit 2 (exit_codes.py), never 1."""
    vendors.neon.fail("GET", r"^/projects$", 200, body={"projects": [{"name": "mm-portal-prod"}]})  # no "id"
    code, _, err = run(vendors, capsys, *ARGS)
    assert code == 2
    [message] = err.splitlines()
    assert message.startswith("error: rotate_neon_password: internal error: KeyError at ")
    assert message.endswith(". Nothing was changed.")
    assert "Traceback" not in err and NEON_KEY not in err and vendors.mutations() == []
    crash_file = Path(message.split(" is in ", 1)[1].removesuffix(". Nothing was changed."))
    saved = crash_file.read_text()
    crash_file.unlink()
    assert "Traceback" in saved and "KeyError: 'id'" in saved
    assert NEON_KEY not in saved, "the saved traceback is redacted like everything the command prints"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEON_API_BASE_URL", "http://console.neon.tech/api/v2"),
        ("VERCEL_API_BASE_URL", "http://api.vercel.com"),
        ("VENDOR_API_DEADLINE_SECONDS", "forever"),
        ("VENDOR_API_BACKOFF_FACTOR", "nan"),
    ],
)
def test_a_plain_http_base_url_or_a_malformed_tuning_variable_is_a_usage_error(
    vendors: Vendors, capsys, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)  # the vendor client reads the tuning variables from the process environment
    code, out, err = run(vendors, capsys, *ARGS, **{name: value})
    assert code == 2
    assert repr(value) in err and "Nothing was changed." in err
    assert vendors.mutations() == []
    assert_nothing_secret_shown(vendors, out, err)


# --- every role whose password the state holds, the owner role included --------------------------------

OWNER_ITEM = "itemneonowner0000000000001"


def test_all_rotates_the_owner_role_and_the_app_role(vendors: Vendors, capsys) -> None:
    """The provider keeps the owner role's password in the Project's state: --all finds that role the way
    the provider does (owner of the branch's first database) and rotates it too."""
    code, out, err = run(vendors, capsys, "--stack", "prod", "--all")
    assert code == 0, err
    assert "Roles whose passwords Pulumi's state holds, rotated in turn: neondb_owner, portal_app" in out
    resets = [c.path.split("/roles/")[1] for c in vendors.neon.mutations()]
    assert resets == ["neondb_owner/reset_password", "portal_app/reset_password"]
    owner_password, app_password = vendors.neon.issued
    assert vendors.connect.password(OWNER_ITEM) == owner_password
    assert vendors.connect.password(ITEM_ID) == app_password
    assert all(vendors.vercel.database_url(p) == expected_url(app_password) for p in PROJECTS.values())
    for role in ("neondb_owner", "portal_app"):
        state = json.loads((vendors.journal_dir / f"prod-{role}.json").read_text())["state"]
        assert state == "complete", role
    assert_nothing_secret_shown(vendors, out, err)


def test_all_as_a_dry_run_names_both_roles_and_changes_nothing(vendors: Vendors, capsys) -> None:
    code, out, err = run(vendors, capsys, "--stack", "prod", "--all", "--dry-run")
    assert code == 0, err
    assert "Would rotate the Neon password of role 'neondb_owner'" in out
    assert "Would rotate the Neon password of role 'portal_app'" in out
    assert "Vercel     nothing: the sites' DATABASE_URL uses role 'portal_app', not 'neondb_owner'" in out
    assert vendors.mutations() == []


def test_all_stopped_part_way_resumes_without_resetting_the_owner_again(vendors: Vendors, capsys) -> None:
    vendors.neon.fail("POST", r"/roles/portal_app/reset_password$", 502)
    code, out, err = run(vendors, capsys, "--stack", "prod", "--all")
    assert code == 3
    assert "--all stopped at role 'portal_app' (done: neondb_owner)" in err
    code, out2, err2 = run(vendors, capsys, "--stack", "prod", "--all", "--resume")
    assert code == 0, err2
    assert "Nothing to resume: the rotation recorded in" in out2  # the owner role, done before
    owner_password, app_password = vendors.neon.issued
    assert vendors.connect.password(OWNER_ITEM) == owner_password
    assert all(vendors.vercel.database_url(p) == expected_url(app_password) for p in PROJECTS.values())
    assert_nothing_secret_shown(vendors, out, err, out2, err2)


def test_role_and_all_together_are_refused(vendors: Vendors, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        run(vendors, capsys, "--stack", "prod", "--all", "--role", "portal_app")
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
