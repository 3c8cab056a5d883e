"""`python -m ops.check_manual` as an operator runs it, against real local HTTP servers standing in for
the vendors: each manual setting in place, missing, refused, retried; credentials never printed. The
variations run the module in this process, as `python -m` does (tests/support/commands.py); the command as
a separate process: the first tests here and tests/test_exit_codes.py."""

from __future__ import annotations

import os
import time
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.support.commands import run_module, run_module_in_process
from tests.support.project import ROOT

# Plainly fake credentials; each must never appear in anything the command prints.
SECRETS = {
    "RESEND_API_KEY": "resend-key-do-not-print-0001",
    "MUX_TOKEN_ID": "mux-id-do-not-print-0002",
    "MUX_TOKEN_SECRET": "mux-secret-do-not-print-0003",
    "CLERK_SECRET_KEY": "clerk-secret-do-not-print-0004",
    "VERCEL_API_TOKEN": "vercel-token-do-not-print-0005",
    "SENTRY_AUTH_TOKEN": "sentry-token-do-not-print-0006",
    "UPSTASH_EMAIL": "upstash-email-do-not-print@example.test",
    "UPSTASH_API_KEY": "upstash-key-do-not-print-0007",
}
VENDORS = ("RESEND", "MUX", "CLERK", "VERCEL", "SENTRY", "UPSTASH")
NOW = time.time()
HOUR = 3600
UPSTASH_ID = "6gcqwafd-9627-4ec2-4g51-b1429h59c8d4"


def upstash_database(**changes: Any) -> dict[str, Any]:
    """The prod database as Upstash's `GET /v2/redis/databases` lists it (Pulumi.prod.yaml databaseName)."""
    database = {
        "database_id": UPSTASH_ID,
        "database_name": "mm-portal-prod",
        "creation_time": int(NOW - 10 * 24 * HOUR),
        "daily_backup_enabled": True,
        "prod_pack_enabled": True,
    }
    return {**database, **changes}


def daily_backups(*hours_old: float) -> list[dict[str, Any]]:
    """Backups as `GET /v2/redis/list-backup/{id}` answers them: `daily_backup` is the string "true"."""
    return [
        {
            "database_id": UPSTASH_ID,
            "backup_id": f"b-{i}",
            "name": f"daily-{i}",
            "state": "completed",
            "creation_time": int(NOW - hours * HOUR),
            "daily_backup": "true",
            "hourly_backup": "false",
        }
        for i, hours in enumerate(hours_old)
    ]


DOMAIN = "mail.portal.example.test"
SITES = ("mm-portal-admin-prod", "mm-portal-agency-prod", "mm-portal-guest-prod")  # Pulumi.prod.yaml
VERIFIED_RECORDS = [
    {"record": "SPF", "name": "send", "type": "MX", "status": "verified"},
    {"record": "SPF", "name": "send", "type": "TXT", "status": "verified"},
    {"record": "DKIM", "name": "resend._domainkey", "type": "TXT", "status": "verified"},
]
LINK = {"type": "github", "org": "maverick", "repo": "ai-system", "productionBranch": "main"}
DOMAINS = {  # Pulumi.prod.yaml: each site's domain
    SITES[0]: "admin.portal.motionmavericks.com.au",
    SITES[1]: "agency.portal.motionmavericks.com.au",
    SITES[2]: "share.portal.motionmavericks.com.au",
}


def project_domain(site: str, domain: str, *, verified: bool = True) -> dict[str, Any]:
    """`GET /v9/projects/{idOrName}/domains/{domain}` as Vercel answers it (required: name, apexName, projectId,
    verified; `verification` lists the records still needed while unverified)."""
    answer: dict[str, Any] = {
        "name": domain,
        "apexName": "motionmavericks.com.au",
        "projectId": f"prj-{site}",
        "verified": verified,
    }
    if not verified:
        answer["verification"] = [
            {"type": "TXT", "domain": f"_vercel.{domain}", "value": "vc-domain-verify=fake", "reason": "pending"}
        ]
    return answer


ANSWERS: dict[str, Any] = {
    "/domains": {"object": "list", "data": [{"id": "d-1", "name": DOMAIN, "status": "verified"}]},
    "/domains/d-1": {"id": "d-1", "name": DOMAIN, "status": "verified", "records": VERIFIED_RECORDS},
    "/system/v1/signing-keys": {"data": [{"id": "key-1", "created_at": "1610108345"}]},
    "/video/v1/uploads": {"data": [{"id": "up-1", "new_asset_settings": {"playback_policies": ["signed"]}}]},
    "/v1/organization_roles": {"data": [{"key": "org:admin"}, {"key": "org:member"}], "total_count": 2},
    **{f"/v9/projects/{site}": {"id": f"prj-{site}", "name": site, "link": LINK} for site in SITES},
    **{f"/v9/projects/{site}/domains/{domain}": project_domain(site, domain) for site, domain in DOMAINS.items()},
    "/api/0/organizations/motion-mavericks/": {
        "dataScrubber": True,
        "dataScrubberDefaults": True,
        "scrubIPAddresses": True,
    },
    "/v2/redis/databases": [upstash_database(), upstash_database(database_id="other", database_name="other-db")],
    # kept 3 days: yesterday's, the day before's and the one before that are all still listed
    f"/v2/redis/list-backup/{UPSTASH_ID}": daily_backups(5, 29, 53),
}


def serve(server: HTTPServer, **overrides: Any) -> None:
    """Every vendor endpoint answering as a correctly configured account would, except `overrides`
    (path -> JSON body, or a werkzeug Response)."""
    answers = {**ANSWERS, **{k.replace("__", "/"): v for k, v in overrides.items()}}
    for path, answer in answers.items():
        handler = server.expect_request(path, method="GET")
        if isinstance(answer, Response):
            handler.respond_with_response(answer)
        else:
            handler.respond_with_json(answer)


def check_manual(
    server: HTTPServer, *args: str, credentials: dict[str, str] = SECRETS, subprocess: bool = False, **env: str
) -> CompletedProcess[str]:
    """`python -m ops.check_manual <args>` against `server`: in this process (tests/support/commands.py), or
    with `subprocess=True` as a separate process, as the operator starts it."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in SECRETS and not k.endswith("_API_BASE_URL") and k not in ("RESEND_DOMAINS", "CLERK_ORG_ROLES")
    }
    base = server.url_for("/").rstrip("/")
    clean |= {f"{vendor}_API_BASE_URL": base for vendor in VENDORS}
    clean |= {"VENDOR_API_BACKOFF_FACTOR": "0", "CLERK_ORG_ROLES": "org:admin,org:member", **credentials, **env}
    run = run_module if subprocess else run_module_in_process
    result = run("ops.check_manual", *args, cwd=ROOT, env=clean)
    for secret in SECRETS.values():
        assert secret not in result.stdout + result.stderr, "a credential was printed"
    assert "Traceback" not in result.stderr
    return result


def project_with_team(tmp_path: Path, team: str) -> Path:
    """A copy of the project whose prod stack names its Vercel team by `team`."""
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml"):
        text = (ROOT / name).read_text()
        (tmp_path / name).write_text(text.replace("team: motion-mavericks", f"team: {team}"))
    return tmp_path


def lines(result: CompletedProcess[str]) -> dict[str, tuple[str, str]]:
    """check name -> (status, reason) from the report's lines."""
    found = {}
    for line in result.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("PASS", "FAIL", "SKIPPED"):
            name, rest = parts[1], parts[2]
            found[name] = (parts[0], rest)
    return found


def test_every_manual_setting_in_place_passes(httpserver: HTTPServer) -> None:
    serve(httpserver)
    result = check_manual(httpserver, subprocess=True)
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines(result)
    assert {name: status for name, (status, _) in found.items()} == {
        "resend-domains": "PASS",
        "mux-signing-keys": "PASS",
        "mux-upload-settings": "PASS",
        "clerk-roles": "PASS",
        "vercel-git": "PASS",
        "vercel-domains": "PASS",
        "sentry-scrubbing": "PASS",
        "upstash-backup-retention": "PASS",
    }
    assert found["resend-domains"][1] == f"Client Success Lead  verified with DKIM and SPF: {DOMAIN}"
    assert found["vercel-git"][1].endswith("connected to their repositories: " + ", ".join(SITES))
    assert found["upstash-backup-retention"][1].endswith(
        "mm-portal-prod: a daily backup 53 h old is still kept, so retention is over 1 day "
        "(the 3-day setting itself is not in Upstash's API)"
    )
    assert result.stdout.splitlines()[-1] == "8 checks: 8 passed, 0 failed, 0 skipped"
    # Read-only, authenticated as each vendor documents it.
    assert {request.method for request, _ in httpserver.log} == {"GET"}
    vercel = next(r for r, _ in httpserver.log if r.path.startswith("/v9/projects/"))
    assert vercel.headers["Authorization"] == f"Bearer {SECRETS['VERCEL_API_TOKEN']}"
    assert vercel.args["slug"] == "motion-mavericks"


def test_a_missing_credential_skips_that_check(httpserver: HTTPServer) -> None:
    serve(httpserver)
    only_resend = {"RESEND_API_KEY": SECRETS["RESEND_API_KEY"]}
    result = check_manual(httpserver, credentials=only_resend, CLERK_ORG_ROLES="")
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines(result)
    assert found["resend-domains"][0] == "PASS"
    assert found["mux-signing-keys"] == ("SKIPPED", "Reliability Partner  MUX_TOKEN_ID not set")
    assert found["clerk-roles"] == ("SKIPPED", "Technical Lead       CLERK_SECRET_KEY not set")
    assert found["vercel-git"][1].endswith("VERCEL_API_TOKEN not set")
    assert found["vercel-domains"][1].endswith("VERCEL_API_TOKEN not set")
    assert found["sentry-scrubbing"][1].endswith("SENTRY_AUTH_TOKEN not set")
    assert found["upstash-backup-retention"][1].endswith("UPSTASH_EMAIL not set")
    assert result.stdout.splitlines()[-1] == "8 checks: 1 passed, 0 failed, 7 skipped"


def test_an_unverified_dkim_record_fails_naming_it(httpserver: HTTPServer) -> None:
    records = [*VERIFIED_RECORDS[:2], {**VERIFIED_RECORDS[2], "status": "pending"}]
    serve(httpserver, **{"/domains/d-1": {"id": "d-1", "name": DOMAIN, "status": "pending", "records": records}})
    result = check_manual(httpserver, "--only", "resend")
    assert result.returncode == 1
    status, reason = lines(result)["resend-domains"]
    assert status == "FAIL"
    assert reason.endswith(
        f"{DOMAIN}: status 'pending', expected 'verified'; "
        "DKIM record TXT resend._domainkey is 'pending', expected 'verified'"
    )


def test_an_expected_domain_not_on_the_account_fails(httpserver: HTTPServer) -> None:
    serve(httpserver)
    result = check_manual(httpserver, "--only", "resend-domains", RESEND_DOMAINS=f"{DOMAIN},other.example.test")
    assert result.returncode == 1
    assert lines(result)["resend-domains"][1].endswith("other.example.test: not on the Resend account")


def test_rejected_credentials_fail_without_printing_them(httpserver: HTTPServer) -> None:
    echo = {"message": f"API key {SECRETS['RESEND_API_KEY']} is invalid"}
    serve(
        httpserver, **{"/domains": Response(str(echo).replace("'", '"'), status=401, content_type="application/json")}
    )
    result = check_manual(httpserver, "--only", "resend", subprocess=True)
    assert result.returncode == 1
    reason = lines(result)["resend-domains"][1]
    assert "Resend API: credentials rejected (HTTP 401); check RESEND_API_KEY" in reason
    assert "[redacted]" in reason


def test_a_vercel_project_not_found_or_linked_elsewhere_fails(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        **{
            f"/v9/projects/{SITES[1]}": {"name": SITES[1], "link": {**LINK, "org": "someone-else"}},
            f"/v9/projects/{SITES[2]}": Response('{"error": {"code": "not_found"}}', status=404),
        },
    )
    result = check_manual(httpserver, "--only", "vercel")
    assert result.returncode == 1
    reason = lines(result)["vercel-git"][1]
    assert f"{SITES[1]}: linked to 'someone-else/ai-system', expected 'maverick/ai-system'" in reason
    assert f"{SITES[2]}: no such project in team motion-mavericks (not deployed yet?)" in reason
    assert reason.startswith("Technical Lead  ")


def test_a_domain_not_verified_in_the_stacks_team_fails_naming_the_record_vercel_asks_for(
    httpserver: HTTPServer,
) -> None:
    site, domain = SITES[2], DOMAINS[SITES[2]]
    serve(
        httpserver,
        **{
            f"/v9/projects/{site}/domains/{domain}": project_domain(site, domain, verified=False),
            f"/v9/projects/{SITES[0]}/domains/{DOMAINS[SITES[0]]}": Response('{"error": {}}', status=404),
        },
    )
    result = check_manual(httpserver, "--only", "vercel-domains")
    assert result.returncode == 1
    status, reason = lines(result)["vercel-domains"]
    assert status == "FAIL"
    assert f"{domain}: not verified in team motion-mavericks; Vercel asks for TXT _vercel.{domain}" in reason
    assert f"{DOMAINS[SITES[0]]}: not on project {SITES[0]} in team motion-mavericks (not deployed yet?)" in reason
    assert "vc-domain-verify" not in reason


def test_a_non_prod_stacks_domains_are_read_in_the_non_prod_team(httpserver: HTTPServer) -> None:
    dev = {  # Pulumi.dev.yaml
        "mm-portal-admin-dev": "admin.dev.portal.motionmavericks.com.au",
        "mm-portal-agency-dev": "agency.dev.portal.motionmavericks.com.au",
        "mm-portal-guest-dev": "share.dev.portal.motionmavericks.com.au",
    }
    for site, domain in dev.items():
        httpserver.expect_request(
            f"/v9/projects/{site}/domains/{domain}", query_string={"slug": "motion-mavericks-nonprod"}
        ).respond_with_json(project_domain(site, domain))
    result = check_manual(httpserver, "--only", "vercel-domains", "--stack", "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines(result)["vercel-domains"][1].endswith(
        "verified in team motion-mavericks-nonprod: " + ", ".join(dev.values())
    )


@pytest.mark.parametrize(
    "link",
    [
        # a GitHub app installation with access to selected repositories
        {"type": "github-limited", "org": "maverick", "repo": "ai-system", "productionBranch": "main"},
        # GitHub Enterprise Server
        {"type": "github-custom-host", "host": "git.example.test", "org": "Maverick", "repo": "AI-System"},
    ],
    ids=["github-limited", "github-custom-host"],
)
def test_every_kind_of_github_link_counts_as_github(httpserver: HTTPServer, link: dict[str, str]) -> None:
    serve(httpserver, **{f"/v9/projects/{site}": {"name": site, "link": link} for site in SITES})
    result = check_manual(httpserver, "--only", "vercel-git")
    assert result.returncode == 0, result.stdout
    assert lines(result)["vercel-git"][0] == "PASS"


def test_a_link_to_another_provider_or_without_a_repository_name_fails(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        **{
            f"/v9/projects/{SITES[0]}": {
                "link": {"type": "gitlab", "projectNamespace": "maverick", "projectName": "ai-system"}
            },
            f"/v9/projects/{SITES[1]}": {"link": {"type": "github-limited", "org": "maverick", "repoId": 1234}},
        },
    )
    result = check_manual(httpserver, "--only", "vercel-git")
    assert result.returncode == 1
    reason = lines(result)["vercel-git"][1]
    assert f"{SITES[0]}: linked to 'gitlab', expected 'github'" in reason
    assert f"{SITES[1]}: the 'github-limited' link names no repository; expected 'maverick/ai-system'" in reason
    assert SITES[2] not in reason


def test_a_vercel_team_id_is_sent_as_team_id(httpserver: HTTPServer, tmp_path) -> None:
    serve(httpserver)
    result = check_manual(
        httpserver, "--only", "vercel-git", "--project", str(project_with_team(tmp_path, "team_FAKEFIXTURE01"))
    )
    assert lines(result)["vercel-git"][0] == "PASS", result.stdout + result.stderr
    requests = [r for r, _ in httpserver.log if r.path.startswith("/v9/projects/")]
    assert requests and all(r.args.get("teamId") == "team_FAKEFIXTURE01" and "slug" not in r.args for r in requests)


@pytest.mark.parametrize(
    ("settings", "status", "reason"),
    [
        ({"advanced_playback_policies": [{"policy": "signed"}]}, "PASS", "signed (or DRM) playback only"),
        ({"advanced_playback_policies": [{"policy": "drm", "drm_configuration_id": "drm-1"}]}, "PASS", "only"),
        ({"playback_policies": "signed"}, "PASS", "only"),
        (
            {"playback_policies": ["signed"], "advanced_playback_policies": [{"policy": "public"}]},
            "FAIL",
            "uploads not limited to signed playback: up-1 (signed, public)",
        ),
        ({}, "FAIL", "uploads not limited to signed playback: up-1 (no playback policy)"),
    ],
    ids=["advanced-signed", "advanced-drm", "plain-string", "advanced-public", "none"],
)
def test_mux_reads_every_playback_policy_field(httpserver: HTTPServer, settings, status, reason) -> None:
    serve(httpserver, **{"/video/v1/uploads": {"data": [{"id": "up-1", "new_asset_settings": settings}]}})
    result = check_manual(httpserver, "--only", "mux-upload-settings")
    found_status, found_reason = lines(result)["mux-upload-settings"]
    assert (found_status, result.returncode) == (status, 0 if status == "PASS" else 1), result.stdout
    assert found_reason.endswith(reason)


@pytest.mark.parametrize(
    ("database", "backups", "status", "reason"),
    [
        # only yesterday's backup is listed on a 10-day-old database: Upstash's 1-day default
        (
            upstash_database(),
            daily_backups(5),
            "FAIL",
            "mm-portal-prod: no daily backup older than 30 h although the database is 10 days old: Upstash keeps "
            "them 1 day; choose 3 days in the console (database > Backups > Daily Backup)",
        ),
        # backups that are not daily, or not completed, are no evidence
        (upstash_database(), [{**daily_backups(50)[0], "daily_backup": "false"}], "FAIL", "keeps them 1 day; choose"),
        (upstash_database(), [{**daily_backups(50)[0], "state": "failed"}], "FAIL", "keeps them 1 day; choose"),
        (
            upstash_database(creation_time=int(NOW - 20 * HOUR)),
            [],
            "SKIPPED",
            "mm-portal-prod: too young to tell (20 h old); a 3-day retention shows once the database is 60 h old",
        ),
        (
            upstash_database(prod_pack_enabled=False),
            daily_backups(5),
            "FAIL",
            "mm-portal-prod: the Prod Pack is off, so Upstash keeps daily backups 1 day; 3 needed",
        ),
        (
            upstash_database(daily_backup_enabled=False),
            [],
            "FAIL",
            "mm-portal-prod: daily backup is off (`pulumi up` switches it back on: docs/upstash-backups.md)",
        ),
        (
            upstash_database(database_name="someone-else"),
            [],
            "FAIL",
            "no database named mm-portal-prod on the account (not deployed yet?)",
        ),
    ],
    ids=["one-day", "not-daily", "not-completed", "too-young", "no-prod-pack", "backup-off", "not-deployed"],
)
def test_upstash_backup_retention_reads_the_evidence_the_api_gives(
    httpserver: HTTPServer, database, backups, status, reason
) -> None:
    serve(httpserver, **{"/v2/redis/databases": [database], f"/v2/redis/list-backup/{UPSTASH_ID}": backups})
    result = check_manual(httpserver, "--only", "upstash")
    found_status, found_reason = lines(result)["upstash-backup-retention"]
    assert found_status == status, result.stdout
    assert reason in found_reason
    assert result.returncode == (1 if status == "FAIL" else 0)
    request = next(r for r, _ in httpserver.log if r.path == "/v2/redis/databases")
    assert request.authorization.type == "basic" and request.authorization.username == SECRETS["UPSTASH_EMAIL"]


def test_outside_prod_upstash_needs_daily_backup_only(httpserver: HTTPServer) -> None:
    staging = upstash_database(database_name="mm-portal-staging", prod_pack_enabled=False)
    serve(httpserver, **{"/v2/redis/databases": [staging], f"/v2/redis/list-backup/{UPSTASH_ID}": []})
    result = check_manual(httpserver, "--only", "upstash-backup-retention", "--stack", "staging")
    assert lines(result)["upstash-backup-retention"] == (
        "PASS",
        "Reliability Partner  mm-portal-staging: daily backup on; staging needs no more than Upstash's 1-day retention",
    )


def test_a_5xx_is_retried_then_answered(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/system/v1/signing-keys").respond_with_response(Response("busy", status=503))
    httpserver.expect_ordered_request("/system/v1/signing-keys").respond_with_json(ANSWERS["/system/v1/signing-keys"])
    result = check_manual(httpserver, "--only", "mux-signing-keys")
    assert result.returncode == 0, result.stdout
    assert lines(result)["mux-signing-keys"] == ("PASS", "Reliability Partner  1 signing key")
    assert len(httpserver.log) == 2


def test_a_lasting_5xx_fails_with_the_retry_count(httpserver: HTTPServer) -> None:
    serve(httpserver, **{"/system/v1/signing-keys": Response('{"error": "down"}', status=502)})
    result = check_manual(httpserver, "--only", "mux-signing-keys")
    assert result.returncode == 1
    assert lines(result)["mux-signing-keys"][1].endswith(
        "Mux API: GET /system/v1/signing-keys: HTTP 502 after 4 retries: down"
    )


def test_mux_without_keys_or_with_public_uploads_fails(httpserver: HTTPServer) -> None:
    uploads = {"data": [{"id": "up-1", "new_asset_settings": {"playback_policy": ["public"]}}]}
    serve(httpserver, **{"/system/v1/signing-keys": {"data": []}, "/video/v1/uploads": uploads})
    result = check_manual(httpserver, "--only", "mux")
    assert result.returncode == 1
    found = lines(result)
    assert found["mux-signing-keys"][1].endswith(
        "no signing key; signed playback URLs cannot be issued (create one, store it in 1Password)"
    )
    assert found["mux-upload-settings"][1].endswith("uploads not limited to signed playback: up-1 (public)")


def test_no_uploads_yet_is_skipped(httpserver: HTTPServer) -> None:
    serve(httpserver, **{"/video/v1/uploads": {"data": []}})
    result = check_manual(httpserver, "--only", "mux-upload-settings")
    assert result.returncode == 0
    assert lines(result)["mux-upload-settings"][0] == "SKIPPED"


def test_clerk_roles_and_sentry_scrubbing_report_what_is_missing(httpserver: HTTPServer) -> None:
    organisation = {"dataScrubber": True, "dataScrubberDefaults": False}
    serve(httpserver, **{"/api/0/organizations/motion-mavericks/": organisation})
    result = check_manual(httpserver, "--only", "clerk,sentry", CLERK_ORG_ROLES="org:admin,org:agency")
    assert result.returncode == 1
    found = lines(result)
    assert found["clerk-roles"][1].endswith("roles missing: org:agency; present: org:admin, org:member")
    assert found["sentry-scrubbing"][1].endswith(
        "motion-mavericks: off: Require Using Default Scrubbers (dataScrubberDefaults), "
        "Prevent Storing of IP Addresses (scrubIPAddresses)"
    )


def test_an_answer_of_the_wrong_shape_fails_saying_so(httpserver: HTTPServer) -> None:
    serve(httpserver, **{"/domains": {"unexpected": True}})
    result = check_manual(httpserver, "--only", "resend")
    assert result.returncode == 1
    assert lines(result)["resend-domains"][1].endswith(
        "resend API: GET /domains: expected a list of objects under 'data'; the API may have changed"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--only", "pagerduty"], "--only: found pagerduty; allowed: clerk, mux, resend, sentry, upstash, vercel or"),
        (["--stack", "qa"], "--stack qa: stack 'qa': Pulumi.qa.yaml does not exist"),
    ],
)
def test_bad_arguments_exit_2(httpserver: HTTPServer, args: list[str], expected: str) -> None:
    result = check_manual(httpserver, *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(httpserver.log) == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CLERK_SECRET_KEY": "clerk-secret-do-not-print-0004\nX-Injected: 1"},
         "CLERK_SECRET_KEY: holds a line break at character 31 (value not shown)"),
        ({"VERCEL_API_TOKEN": "vercel-token-do-not\u2011print-0005"},
         "VERCEL_API_TOKEN: holds a character outside ASCII (e.g. a typographic quote or dash) at character 20"),
        ({"VENDOR_API_DEADLINE_SECONDS": "soon"}, "VENDOR_API_DEADLINE_SECONDS: found 'soon'; allowed: a number"),
        ({"VENDOR_API_BACKOFF_FACTOR": "-1"}, "VENDOR_API_BACKOFF_FACTOR: found '-1'; allowed: a number"),
        ({"RESEND_API_BASE_URL": "http://api.resend.com"},
         "base URL 'http://api.resend.com': credentials are sent only over https"),
    ],
)  # fmt: skip
def test_a_damaged_credential_tuning_variable_or_base_url_exits_2_naming_it(
    httpserver: HTTPServer, env: dict[str, str], expected: str
) -> None:
    result = check_manual(httpserver, **env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1, "one message"
    for value in env.values():
        if "do-not" in value:
            assert value not in result.stdout + result.stderr and value.split("\n")[0] not in result.stderr
