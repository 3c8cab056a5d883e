"""Vendor answers at the edges of what the ops parsers read, found unpinned by a mutation run (`make mutation`):
an error that is not "not found", a link whose names are not strings, Vercel's empty answer. Served by a local
HTTP server as the vendor's API description gives it (vercel/sdk `FilterProjectEnvsResponseBody1`: `{}`;
`GetProjectsLink*`: `org`/`repo` strings), read through the command's own entry point."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from ops import check_manual
from ops.vercel import VercelApi
from tests.support.project import ROOT

TOKEN = "vercel-token-do-not-print-0201"
SITES = ("mm-portal-admin-prod", "mm-portal-agency-prod", "mm-portal-guest-prod")  # Pulumi.prod.yaml
GITHUB = {"type": "github", "org": "maverick", "repo": "ai-system", "productionBranch": "main"}
TEAM = {"slug": "motion-mavericks"}


@pytest.fixture
def vercel_api(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> HTTPServer:
    monkeypatch.setenv("VERCEL_API_BASE_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("VERCEL_API_TOKEN", TOKEN)
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")
    return httpserver


def vercel_git(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit code, status, reason) of the vercel-git check, as `python -m ops.check_manual` prints it."""
    code = check_manual.main(["--only", "vercel-git", "--stack", "prod", "--project", str(ROOT)])
    line = next(line for line in capsys.readouterr().out.splitlines() if line.split()[1:2] == ["vercel-git"])
    status, _, rest = line.split(None, 2)
    return code, status, rest.split("  ", 1)[-1].strip()


@pytest.mark.parametrize(("status", "error"), [(403, "forbidden"), (400, "bad_request"), (500, "internal")])
def test_an_error_other_than_not_found_is_reported_as_the_vendor_s_not_as_a_missing_project(
    vercel_api: HTTPServer, capsys, status: int, error: str
) -> None:
    """Only a 404 means "no such project"; a refused token or a broken answer must not read as "not deployed"."""
    vercel_api.expect_request(f"/v9/projects/{SITES[0]}", query_string=TEAM).respond_with_json(
        {"error": {"code": error, "message": f"{error} answer"}}, status=status
    )
    code, found, reason = vercel_git(capsys)
    assert (code, found) == (1, "FAIL")
    assert reason.startswith("Vercel API: ") and str(status) in reason, reason
    assert "no such project" not in reason


@pytest.mark.parametrize(
    "names",
    [{"org": 42}, {"repo": 42}, {"org": 42, "repo": 7}, {"org": ["maverick"]}],
    ids=["org", "repo", "both", "list"],
)
def test_a_link_whose_names_are_not_strings_names_no_repository(vercel_api: HTTPServer, capsys, names) -> None:
    for site in SITES:
        link = {**GITHUB, **names} if site == SITES[1] else GITHUB
        vercel_api.expect_request(f"/v9/projects/{site}", query_string=TEAM).respond_with_json(
            {"id": f"prj-{site}", "name": site, "link": link}
        )
    code, status, reason = vercel_git(capsys)
    assert (code, status) == (1, "FAIL")
    assert reason == f"{SITES[1]}: the 'github' link names no repository; expected 'maverick/ai-system'"


def test_vercel_s_empty_answer_means_no_variables(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v10/projects/site/env", query_string=TEAM).respond_with_json({})
    assert (
        VercelApi(TOKEN, "motion-mavericks", httpserver.url_for("/")).stack_wide_variables("site", "DATABASE_URL") == []
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"org": "acme"}, "linked to 'acme/ai-system', expected 'maverick/ai-system'"),  # sorts before the expected
        ({"repo": "zz-fork"}, "linked to 'maverick/zz-fork', expected 'maverick/ai-system'"),  # and after it
        ({"productionBranch": "release"}, "production branch 'release', expected 'main'"),
        ({"productionBranch": "develop"}, "production branch 'develop', expected 'main'"),
    ],
)
def test_any_other_repository_or_branch_fails_whichever_way_it_sorts(vercel_api: HTTPServer, capsys, change, problem):
    for site in SITES:
        link = {**GITHUB, **change} if site == SITES[2] else GITHUB
        vercel_api.expect_request(f"/v9/projects/{site}", query_string=TEAM).respond_with_json(
            {"id": f"prj-{site}", "name": site, "link": link}
        )
    code, status, reason = vercel_git(capsys)
    assert (code, status, reason) == (1, "FAIL", f"{SITES[2]}: {problem}")


def test_a_missing_project_does_not_stop_the_check_of_the_others(vercel_api: HTTPServer, capsys) -> None:
    vercel_api.expect_request(f"/v9/projects/{SITES[0]}", query_string=TEAM).respond_with_json(
        {"error": {"code": "not_found"}}, status=404
    )
    for site in SITES[1:]:
        vercel_api.expect_request(f"/v9/projects/{site}", query_string=TEAM).respond_with_json(
            {"id": f"prj-{site}", "name": site, "link": {**GITHUB, "repo": "other"}}
        )
    code, status, reason = vercel_git(capsys)
    assert (code, status) == (1, "FAIL")
    assert reason == " | ".join(
        [
            f"{SITES[0]}: no such project in team motion-mavericks (not deployed yet?)",
            f"{SITES[1]}: linked to 'maverick/other', expected 'maverick/ai-system'",
            f"{SITES[2]}: linked to 'maverick/other', expected 'maverick/ai-system'",
        ]
    )
