"""`python -m ops.credential_guard` as the pull-request jobs run it, against local servers answering as Neon's,
Vercel's, Upstash's and Sentry's APIs do: credentials of the non-prod accounts pass; any credential that can
see a prod resource is refused (exit 2) and named, never shown; a vendor that cannot answer proves nothing
(exit 1); and stack files that share prod's accounts are refused before any vendor is asked. Variations run
the module in this process, as `python -m` does (tests/support/commands.py); the first test and those in a
project copy start it as a separate process."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.ops.fakes import NEON_KEY, VERCEL_TOKEN
from tests.ops.preview_fakes import PROD_SITES, FakeNeonBranches, FakeVercelEnv
from tests.support.commands import run_module, run_module_in_process
from tests.support.project import ROOT, edit, project_copy

UPSTASH_EMAIL = "platform-fake@motionmavericks.test"
UPSTASH_KEY = "upstash-fake-key-do-not-print-0004"
SENTRY_TOKEN = "sentry-fake-token-do-not-print-0005"
SECRETS = (NEON_KEY, VERCEL_TOKEN, UPSTASH_KEY, SENTRY_TOKEN)


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@dataclass
class FakeUpstashAndSentry:
    """Upstash's `GET /v2/redis/databases` (basic auth: e-mail and API key; a bare list of the databases of the
    key's account or team) and Sentry's `GET /api/0/organizations/{slug}/` (bearer token; 403 for an
    organisation the token is not bound to), on one server: their paths do not overlap."""

    server: HTTPServer
    databases: list[str] = field(default_factory=lambda: ["mm-portal-dev", "mm-portal-staging"])
    organisations: set[str] = field(default_factory=lambda: {"motion-mavericks-nonprod"})
    status: dict[str, int] = field(default_factory=dict)  # vendor -> a status to answer instead
    paths: list[str] = field(default_factory=list)

    def install(self) -> None:
        self.server.expect_request("/v2/redis/databases", method="GET").respond_with_handler(self._upstash)
        self.server.expect_request(re.compile(r"^/api/0/organizations/[^/]+/$"), method="GET").respond_with_handler(
            self._sentry
        )

    def _upstash(self, request: Request) -> Response:
        self.paths.append(request.path)
        expected = "Basic " + base64.b64encode(f"{UPSTASH_EMAIL}:{UPSTASH_KEY}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _json({"error": "Unauthorized"}, 401)
        if "upstash" in self.status:
            return _json({"error": "fake failure"}, self.status["upstash"])
        return _json([{"database_id": f"id-{name}", "database_name": name} for name in self.databases])

    def _sentry(self, request: Request) -> Response:
        self.paths.append(request.path)
        if request.headers.get("Authorization") != f"Bearer {SENTRY_TOKEN}":
            return _json({"detail": "Invalid token"}, 401)
        if "sentry" in self.status:
            return _json({"detail": "fake failure"}, self.status["sentry"])
        slug = request.path.split("/")[-2]
        if slug not in self.organisations:
            return _json({"detail": "You do not have permission to perform this action."}, 403)
        return _json({"slug": slug, "name": slug})


@dataclass
class Vendors:
    neon: FakeNeonBranches
    vercel: FakeVercelEnv
    other: FakeUpstashAndSentry

    def env(self, **changes: str | None) -> dict[str, str]:
        env = {
            "PATH": os.environ["PATH"],
            "NEON_API_KEY": NEON_KEY,
            "NEON_API_BASE_URL": self.neon.base_url,
            "VERCEL_API_TOKEN": VERCEL_TOKEN,
            "VERCEL_API_BASE_URL": self.vercel.base_url,
            "UPSTASH_EMAIL": UPSTASH_EMAIL,
            "UPSTASH_API_KEY": UPSTASH_KEY,
            "UPSTASH_API_BASE_URL": self.other.server.url_for("/").rstrip("/"),
            "SENTRY_AUTH_TOKEN": SENTRY_TOKEN,
            "SENTRY_API_BASE_URL": self.other.server.url_for("/").rstrip("/"),
            "VENDOR_API_BACKOFF_FACTOR": "0",
        }
        env.update(changes)
        return {k: v for k, v in env.items() if v is not None}

    def asked(self) -> int:
        return len(self.neon.calls) + len(self.vercel.calls) + len(self.other.paths)


@pytest.fixture
def vendors(httpserver: HTTPServer, extra_servers) -> Iterator[Vendors]:
    other_server, vercel_server = extra_servers
    neon = FakeNeonBranches(httpserver, NEON_KEY)
    vercel = FakeVercelEnv(vercel_server, VERCEL_TOKEN)
    other = FakeUpstashAndSentry(other_server)
    for fake in (neon, vercel, other):
        fake.install()
    yield Vendors(neon, vercel, other)
    for server in (httpserver, *extra_servers):
        server.check_handler_errors()
        server.clear()


def guard(
    vendors: Vendors, *args: str, cwd: Path = ROOT, subprocess: bool = False, **env: str | None
) -> CompletedProcess[str]:
    """`python -m ops.credential_guard <args>` in `cwd`: in this process (tests/support/commands.py), or with
    `subprocess=True` (and always in a project copy) as a separate process, as the workflows start it."""
    run = run_module if subprocess else run_module_in_process
    result = run("ops.credential_guard", *args, cwd=cwd, env=vendors.env(**env))
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr, "a credential was printed"
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_credentials_of_the_non_prod_accounts_pass_and_only_reads_were_sent(vendors: Vendors) -> None:
    result = guard(vendors, "--stack", "dev", subprocess=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Neon: NEON_API_KEY cannot see project 'mm-portal-prod' of stack 'prod'" in result.stdout
    assert "Vercel: VERCEL_API_TOKEN cannot see team 'motion-mavericks' of stack 'prod' nor its projects" in (
        result.stdout
    )
    assert (
        "Upstash: UPSTASH_API_KEY cannot see database 'mm-portal-prod' of stack 'prod' (it sees mm-portal-dev, "
        "mm-portal-staging)" in result.stdout
    )
    assert "Sentry: SENTRY_AUTH_TOKEN cannot see organisation 'motion-mavericks' of stack 'prod'" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("OK: no credential in the environment reaches a prod stack")
    # Read-only, and it asked about prod: the Neon search, the Vercel team and each project, Upstash, Sentry.
    assert vendors.neon.mutations() == [] and vendors.vercel.mutations() == []
    neon = [c for c in vendors.neon.calls if c.path == "/projects"]
    assert [(c.query["search"], c.query["org_id"]) for c in neon] == [("mm-portal-prod", "org-motion-mavericks")]
    vercel = [(c.path, c.query.get("slug")) for c in vendors.vercel.calls]
    assert vercel == [("/v10/projects", "motion-mavericks")] + [
        (f"/v9/projects/{site}", "motion-mavericks") for site in PROD_SITES
    ]
    assert vendors.other.paths == ["/v2/redis/databases", "/api/0/organizations/motion-mavericks/"]


def test_staging_and_a_personal_dev_stack_are_guarded_the_same_way(vendors: Vendors, tmp_path: Path) -> None:
    assert guard(vendors, "--stack", "staging").returncode == 0
    copy = project_copy(tmp_path)
    shutil.copy(copy / "Pulumi.dev.yaml", copy / "Pulumi.dev-jane.yaml")
    result = guard(vendors, "--stack", "dev-jane", "--project", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Credential guard, stack 'dev-jane'" in result.stdout


def test_a_vercel_token_scoped_to_prods_team_is_refused_and_nothing_else_is_asked(vendors: Vendors) -> None:
    vendors.vercel.other_teams["motion-mavericks"] = set(PROD_SITES)
    result = guard(vendors, "--stack", "dev")
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "VERCEL_API_TOKEN can see the projects of Vercel team 'motion-mavericks' of stack 'prod'. The jobs that "
        "hold it run pull requests' code and must hold non-prod credentials only; allowed: a token scoped to the "
        "non-prod team 'motion-mavericks-nonprod'" in result.stderr
    )
    assert "Nothing else was asked." in result.stderr
    assert vendors.other.paths == []


def test_a_project_scoped_vercel_token_of_a_prod_project_is_refused(vendors: Vendors) -> None:
    vendors.vercel.other_projects["motion-mavericks"] = {"mm-portal-agency-prod"}
    result = guard(vendors, "--stack", "staging")
    assert result.returncode == 2
    assert "VERCEL_API_TOKEN can see Vercel project 'mm-portal-agency-prod' of stack 'prod'" in result.stderr


def test_a_neon_key_that_lists_prods_project_is_refused(vendors: Vendors) -> None:
    vendors.neon.projects["prod-1"] = {"id": "prod-1", "name": "mm-portal-prod", "region_id": "aws-ap-southeast-2"}
    result = guard(vendors, "--stack", "dev")
    assert result.returncode == 2
    assert "NEON_API_KEY can see Neon project 'mm-portal-prod' of stack 'prod'" in result.stderr
    assert "allowed: an API key scoped to the stack's own Neon project" in result.stderr


def test_an_upstash_key_that_lists_prods_database_is_refused(vendors: Vendors) -> None:
    vendors.other.databases.append("mm-portal-prod")
    result = guard(vendors, "--stack", "dev")
    assert result.returncode == 2
    assert "UPSTASH_API_KEY can see Upstash database 'mm-portal-prod' of stack 'prod'" in result.stderr
    assert "allowed: a key of the non-prod Upstash team, which holds no prod database" in result.stderr


def test_a_sentry_token_that_sees_prods_organisation_is_refused(vendors: Vendors) -> None:
    vendors.other.organisations.add("motion-mavericks")  # e.g. a personal token of a member of both
    result = guard(vendors, "--stack", "dev")
    assert result.returncode == 2
    assert "SENTRY_AUTH_TOKEN can see Sentry organisation 'motion-mavericks' of stack 'prod'" in result.stderr


@pytest.mark.parametrize(
    ("vendor", "status", "expected"),
    [
        ("sentry", 500, "Sentry API"),
        ("upstash", 503, "Upstash API"),
    ],
)
def test_a_vendor_that_cannot_answer_proves_nothing_and_stops_the_job(
    vendors: Vendors, vendor: str, status: int, expected: str
) -> None:
    vendors.other.status[vendor] = status
    result = guard(vendors, "--stack", "dev")
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stderr
    assert "nothing is proven; the job stops here" in result.stderr


def test_a_rejected_credential_proves_nothing(vendors: Vendors) -> None:
    result = guard(vendors, "--stack", "dev", UPSTASH_API_KEY="upstash-wrong-key-0006")
    assert result.returncode == 1
    assert "UPSTASH_EMAIL and UPSTASH_API_KEY" in result.stderr
    assert "upstash-wrong-key-0006" not in result.stdout + result.stderr


def test_stack_files_that_share_prods_team_are_refused_before_any_vendor_is_asked(
    vendors: Vendors, tmp_path: Path
) -> None:
    copy = project_copy(tmp_path)
    edit(copy / "Pulumi.dev.yaml", "    team: motion-mavericks-nonprod\n", "    team: motion-mavericks\n")
    result = guard(vendors, "--stack", "dev", "--project", str(copy))
    assert result.returncode == 2
    assert "vercel.team: found 'motion-mavericks' in Pulumi.dev.yaml, the Vercel team of stack 'prod'" in result.stderr
    assert vendors.asked() == 0


def test_unset_credentials_are_reported_and_not_asked_about(vendors: Vendors) -> None:
    result = guard(vendors, "--stack", "dev", UPSTASH_EMAIL=None, UPSTASH_API_KEY=None, SENTRY_AUTH_TOKEN=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UPSTASH_EMAIL: not set; nothing to ask" in result.stdout
    assert "SENTRY_AUTH_TOKEN: not set; nothing to ask" in result.stdout
    assert vendors.other.paths == []


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--stack", "prod"], {}, "--stack: found 'prod' (environment prod); allowed: a non-prod stack"),
        (["--stack", "qa"], {}, "--stack qa: stack 'qa': Pulumi.qa.yaml does not exist"),
        (["--stack", "dev"], {"UPSTASH_API_KEY": None}, "UPSTASH_API_KEY: not set, but its pair is"),
        (["--stack", "dev"], {"SENTRY_AUTH_TOKEN": SENTRY_TOKEN + "\n"}, "SENTRY_AUTH_TOKEN: holds a line break"),
        (["--stack", "dev"], {"SENTRY_API_BASE_URL": "http://sentry.example.test"}, "https"),
    ],
)
def test_usage_errors_exit_2_naming_the_problem(vendors: Vendors, args: list[str], env: dict, expected: str) -> None:
    result = guard(vendors, *args, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr
