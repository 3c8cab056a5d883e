"""Each vendor answer shape the ops commands must read, served by a local HTTP server as the vendor's API
description gives it, and read in-process: Vercel's env `target` (a list or one string) and team parameter,
Vercel's Git link types, Mux's three playback-policy fields. `test_check_manual.py` runs the same checks as
an operator does (a subprocess); these are the quick, exhaustive cases (also what `make mutation` runs)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from ops import check_manual
from ops.vercel import VercelApi
from tests.support.project import ROOT

TOKEN = "vercel-token-do-not-print-0101"
SITES = ("mm-portal-admin-prod", "mm-portal-agency-prod", "mm-portal-guest-prod")  # Pulumi.prod.yaml


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> None:
    base = httpserver.url_for("/").rstrip("/")
    for vendor in ("VERCEL", "MUX"):
        monkeypatch.setenv(f"{vendor}_API_BASE_URL", base)
    monkeypatch.setenv("VERCEL_API_TOKEN", TOKEN)
    monkeypatch.setenv("MUX_TOKEN_ID", "mux-id-do-not-print-0102")
    monkeypatch.setenv("MUX_TOKEN_SECRET", "mux-secret-do-not-print-0103")
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")


def check(capsys: pytest.CaptureFixture[str], name: str) -> tuple[int, str, str]:
    """(exit code, status, reason) of one check, run through the command's own entry point."""
    code = check_manual.main(["--only", name, "--stack", "prod", "--project", str(ROOT)])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.split()[1:2] == [name])
    status, _, rest = line.split(None, 2)
    return code, status, rest.split("  ", 1)[-1].strip()


# --- Vercel: environment variables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (["production", "preview"], ("production", "preview")),
        ("production", ("production",)),
        ("preview", ("preview",)),
        ([], ()),
        (None, ()),
    ],
    ids=["list", "string", "another-string", "empty", "absent"],
)
def test_a_variables_target_is_read_as_vercel_answers_it(httpserver: HTTPServer, target: Any, expected) -> None:
    env = {"id": "env-1", "key": "DATABASE_URL", "type": "sensitive", "value": ""}
    if target is not None:
        env["target"] = target
    # other keys, sorting before and after DATABASE_URL: never taken for it
    before = {"id": "env-0", "key": "APP_ENV", "type": "plain", "value": "x", "target": ["production"]}
    other = {"id": "env-2", "key": "OTHER", "type": "plain", "value": "x", "target": ["production"]}
    httpserver.expect_request("/v10/projects/site/env", query_string={"slug": "motion-mavericks"}).respond_with_json(
        {"envs": [before, env, other], "pagination": {"count": 3, "next": None, "prev": None}}
    )
    (variable,) = VercelApi(TOKEN, "motion-mavericks", httpserver.url_for("/")).stack_wide_variables(
        "site", "DATABASE_URL"
    )
    assert (variable.env_id, variable.key, variable.targets) == ("env-1", "DATABASE_URL", expected)


@pytest.mark.parametrize(
    ("team", "query"),
    [("team_FAKEFIXTURE0001", {"teamId": "team_FAKEFIXTURE0001"}), ("motion-mavericks", {"slug": "motion-mavericks"})],
)
def test_the_team_goes_as_team_id_or_slug(httpserver: HTTPServer, team: str, query: dict[str, str]) -> None:
    httpserver.expect_request("/v10/projects/site/env", query_string=query).respond_with_json({"envs": []})
    assert VercelApi(TOKEN, team, httpserver.url_for("/")).stack_wide_variables("site", "DATABASE_URL") == []


# --- Vercel: Git links -----------------------------------------------------------------------------------------


def serve_links(httpserver: HTTPServer, *links: dict[str, Any]) -> None:
    for site, link in zip(SITES, links, strict=True):
        httpserver.expect_request(f"/v9/projects/{site}", query_string={"slug": "motion-mavericks"}).respond_with_json(
            {"id": f"prj-{site}", "name": site, "link": link}
        )


GITHUB = {"org": "maverick", "repo": "ai-system", "productionBranch": "main"}


@pytest.mark.parametrize("kind", ["github", "github-limited", "github-custom-host"])
def test_each_github_link_type_passes(environment, httpserver: HTTPServer, capsys, kind: str) -> None:
    link = {"type": kind, **GITHUB, **({"host": "git.example.test"} if kind == "github-custom-host" else {})}
    serve_links(httpserver, link, {**link, "org": "MAVERICK"}, {**link, "productionBranch": None})
    code, status, reason = check(capsys, "vercel-git")
    assert (code, status) == (0, "PASS"), reason
    assert reason == "connected to their repositories: " + ", ".join(SITES)


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        (
            {"type": "gitlab", "projectNamespace": "maverick", "projectName": "ai-system"},
            "linked to 'gitlab', expected 'github'",
        ),
        ({"type": "bitbucket", "owner": "maverick", "slug": "ai-system"}, "linked to 'bitbucket', expected 'github'"),
        ({"type": "vercel"}, "linked to 'vercel', expected 'github'"),
        (
            {**GITHUB, "type": "github-limited", "repo": None, "repoId": 7},
            "the 'github-limited' link names no repository; expected 'maverick/ai-system'",
        ),
        (
            {**GITHUB, "type": "github", "org": ""},
            "the 'github' link names no repository; expected 'maverick/ai-system'",
        ),
        ({**GITHUB, "type": "github", "repo": "other"}, "linked to 'maverick/other', expected 'maverick/ai-system'"),
        (
            {**GITHUB, "type": "github-limited", "productionBranch": "develop"},
            "production branch 'develop', expected 'main'",
        ),
    ],
    ids=["gitlab", "bitbucket", "unknown-type", "no-repo-name", "no-org", "other-repo", "other-branch"],
)
def test_a_link_that_is_not_the_configured_repository_fails(environment, httpserver, capsys, link, problem) -> None:
    good = {"type": "github", **GITHUB}
    serve_links(httpserver, good, link, good)
    code, status, reason = check(capsys, "vercel-git")
    assert (code, status) == (1, "FAIL")
    assert reason == f"{SITES[1]}: {problem}"


def test_a_missing_link_or_project_fails_naming_it(environment, httpserver: HTTPServer, capsys) -> None:
    httpserver.expect_request(f"/v9/projects/{SITES[0]}").respond_with_json({"id": "p", "name": SITES[0]})
    httpserver.expect_request(f"/v9/projects/{SITES[1]}").respond_with_json(
        {"error": {"code": "not_found"}}, status=404
    )
    httpserver.expect_request(f"/v9/projects/{SITES[2]}").respond_with_json(
        {"name": SITES[2], "link": {"type": "github", **GITHUB}}
    )
    code, status, reason = check(capsys, "vercel-git")
    assert (code, status) == (1, "FAIL")
    assert reason == (
        f"{SITES[0]}: not connected to any Git repository | "
        f"{SITES[1]}: no such project in team motion-mavericks (not deployed yet?)"
    )


# --- Mux: playback policies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "policies"),
    [
        ({"playback_policies": ["signed"]}, None),
        ({"playback_policies": "signed"}, None),
        ({"playback_policy": ["signed"]}, None),
        ({"playback_policy": "signed"}, None),
        ({"advanced_playback_policies": [{"policy": "signed"}]}, None),
        ({"advanced_playback_policies": [{"policy": "drm", "drm_configuration_id": "d-1"}]}, None),
        ({"playback_policies": ["signed"], "advanced_playback_policies": [{"policy": "drm"}]}, None),
        ({"playback_policies": ["public"]}, "public"),
        ({"playback_policy": "public"}, "public"),
        ({"advanced_playback_policies": [{"policy": "public"}]}, "public"),
        ({"playback_policies": ["signed"], "playback_policy": ["public"]}, "signed, public"),
        ({"advanced_playback_policies": [{"drm_configuration_id": "d-1"}]}, "no policy"),
        ({"advanced_playback_policies": ["signed"]}, "no policy"),
        ({}, "no playback policy"),
        (None, "no playback policy"),
    ],
)
def test_every_playback_policy_field_is_read(environment, httpserver: HTTPServer, capsys, settings, policies) -> None:
    uploads = [{"id": "up-ok", "new_asset_settings": {"playback_policies": ["signed"]}}]
    uploads.append({"id": "up-1"} if settings is None else {"id": "up-1", "new_asset_settings": settings})
    httpserver.expect_request("/video/v1/uploads", query_string={"limit": "25"}).respond_with_json({"data": uploads})
    code, status, reason = check(capsys, "mux-upload-settings")
    if policies is None:
        assert (code, status, reason) == (0, "PASS", "the last 2 direct uploads ask for signed (or DRM) playback only")
    else:
        assert (code, status, reason) == (1, "FAIL", f"uploads not limited to signed playback: up-1 ({policies})")


@pytest.mark.parametrize(
    ("keys", "status", "reason"),
    [
        ([], "FAIL", "no signing key; signed playback URLs cannot be issued (create one, store it in 1Password)"),
        ([{"id": "k-1"}], "PASS", "1 signing key"),
        ([{"id": "k-1"}, {"id": "k-2"}], "PASS", "2 signing keys"),
    ],
)
def test_signing_keys_are_counted(environment, httpserver: HTTPServer, capsys, keys, status, reason) -> None:
    httpserver.expect_request("/system/v1/signing-keys").respond_with_json({"data": keys})
    code, found_status, found_reason = check(capsys, "mux-signing-keys")
    assert (code, found_status, found_reason) == (0 if status == "PASS" else 1, status, reason)
