"""The one Vercel client of the ops commands (`ops.vercel.VercelApi`), call by call, against a local server that
answers as Vercel's REST API does (vercel/sdk: `FilterProjectEnvsResponseBody`, `CreateProjectEnvResponseBody`
with its `failed[].error.code`, `RemoveProjectEnv`; 403/404 for what a token cannot see). Each test pins what a
mutation run of `ops/vercel.py` (`make mutation ARGS="--only ops_vercel"`) found unpinned once the preview
environments' calls moved into it: which answers mean "cannot see", which variables are read, the upsert's
retry and its refusals, and a delete of what is already gone."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ops.vercel import Marker, Variable, VercelApi
from vendor_api import VendorAPIError

TOKEN = "vercel-token-do-not-print-1207"
TEAM = "motion-mavericks"
SLUG = {"slug": TEAM}
MARKER = Marker(pr=7, neon_branch="preview/pr-7", endpoint="ep-x", credential="ab12")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> VercelApi:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")  # retries at once: the test waits for nothing
    return VercelApi(TOKEN, TEAM, httpserver.url_for("/").rstrip("/"))


def refusal(status: int) -> dict:
    return {"error": {"code": "forbidden" if status == 403 else "not_found", "message": "refused"}}


@pytest.mark.parametrize("status", [403, 404])
def test_a_team_or_project_answered_403_or_404_is_one_the_token_cannot_see(
    api: VercelApi, httpserver: HTTPServer, status: int
) -> None:
    httpserver.expect_request("/v10/projects", query_string={**SLUG, "limit": "1"}).respond_with_json(
        refusal(status), status=status
    )
    httpserver.expect_request("/v9/projects/site", query_string=SLUG).respond_with_json(refusal(status), status=status)
    assert api.projects_visible(TEAM) is False
    assert api.project_visible("site", TEAM) is False


@pytest.mark.parametrize("status", [400, 401, 405, 409])
def test_any_other_refusal_is_the_vendor_s_error_not_an_answer(api: VercelApi, httpserver: HTTPServer, status) -> None:
    """401 is a bad token, not "this token cannot see prod": the guard must not pass on it."""
    httpserver.expect_request("/v10/projects").respond_with_json(refusal(status), status=status)
    with pytest.raises(VendorAPIError) as caught:
        api.projects_visible(TEAM)
    assert caught.value.status == status


def test_a_visible_team_is_seen(api: VercelApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v10/projects", query_string={**SLUG, "limit": "1"}).respond_with_json({"projects": []})
    assert api.projects_visible(TEAM) is True


def test_a_branch_s_variables_are_asked_for_that_branch_only(api: VercelApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v10/projects/site/env", query_string={**SLUG, "gitBranch": "feature/x"}
    ).respond_with_json({"envs": [{"id": "env1", "key": "DATABASE_URL", "gitBranch": "feature/x"}]})
    (variable,) = api.variables("site", "feature/x")
    assert (variable.env_id, variable.git_branch) == ("env1", "feature/x")


def test_without_a_branch_no_branch_is_asked_for(api: VercelApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v10/projects/site/env", query_string=SLUG).respond_with_json({"envs": []})
    assert api.variables("site") == []


def test_entries_that_are_not_variables_are_skipped(api: VercelApi, httpserver: HTTPServer) -> None:
    envs = ["DATABASE_URL", None, {"key": "DATABASE_URL"}, {"id": "", "key": "DATABASE_URL"}, {"id": "e2", "key": "K"}]
    httpserver.expect_request("/v10/projects/site/env", query_string=SLUG).respond_with_json({"envs": envs})
    assert [v.env_id for v in api.variables("site")] == ["e2"]


@pytest.mark.parametrize(("git_branch", "stack_wide"), [(None, True), ("", True), ("feature/x", False), (7, True)])
def test_only_a_named_git_branch_makes_a_variable_a_preview_s(
    api: VercelApi, httpserver: HTTPServer, git_branch: object, stack_wide: bool
) -> None:
    """Vercel leaves `gitBranch` out, or empty, on a variable of every branch; only a name scopes it."""
    env = {"id": "e1", "key": "DATABASE_URL", "target": ["production"], "gitBranch": git_branch}
    httpserver.expect_request("/v10/projects/site/env", query_string=SLUG).respond_with_json({"envs": [env]})
    found = api.stack_wide_variables("site", "DATABASE_URL")
    assert [v.env_id for v in found] == (["e1"] if stack_wide else [])


def test_the_upsert_is_sent_again_after_a_gateway_error(api: VercelApi, httpserver: HTTPServer) -> None:
    """An upsert sent twice leaves the variable the same, so a 502 does not stop the preview."""
    answers = [Response(status=502), Response('{"created": {}}', content_type="application/json")]
    calls: list[dict] = []

    def answer(request: Request) -> Response:
        calls.append(request.get_json())
        return answers[len(calls) - 1]

    httpserver.expect_request(
        "/v10/projects/site/env", method="POST", query_string={**SLUG, "upsert": "true"}
    ).respond_with_handler(answer)
    api.upsert("site", "DATABASE_URL", "postgresql://preview", "feature/x", MARKER)
    assert len(calls) == 2
    assert calls[0] == {
        "key": "DATABASE_URL",
        "value": "postgresql://preview",
        "type": "sensitive",
        "target": ["preview"],
        "gitBranch": "feature/x",
        "comment": MARKER.text(),
    }


def test_an_upsert_vercel_answers_as_failed_is_an_error_naming_its_codes(api: VercelApi, httpserver) -> None:
    failed = [{"error": {"code": "ENV_CONFLICT", "message": "m"}}, {"error": None}, "not an entry"]
    httpserver.expect_request("/v10/projects/site/env", method="POST").respond_with_json({"failed": failed})
    with pytest.raises(VendorAPIError) as caught:
        api.upsert("site", "DATABASE_URL", "postgresql://preview", "feature/x", MARKER)
    assert (
        str(caught.value) == "Vercel API: project site: DATABASE_URL for branch 'feature/x' not saved (ENV_CONFLICT, ?)"
    )
    assert "postgresql://preview" not in str(caught.value)


def test_deleting_a_variable_already_gone_says_so(api: VercelApi, httpserver: HTTPServer) -> None:
    variable = Variable(project="site", env_id="e1", key="DATABASE_URL", targets=("preview",), git_branch="feature/x")
    httpserver.expect_request("/v9/projects/site/env/e1", method="DELETE").respond_with_json(refusal(404), status=404)
    assert api.delete(variable) is False
    httpserver.clear()
    httpserver.expect_request("/v9/projects/site/env/e1", method="DELETE").respond_with_json({})
    assert api.delete(variable) is True


@pytest.mark.parametrize("status", [403, 409, 410])
def test_a_delete_refused_otherwise_is_an_error(api: VercelApi, httpserver: HTTPServer, status: int) -> None:
    variable = Variable(project="site", env_id="e1", key="DATABASE_URL", targets=("preview",), git_branch="feature/x")
    httpserver.expect_request("/v9/projects/site/env/e1", method="DELETE").respond_with_json(
        refusal(status), status=status
    )
    with pytest.raises(VendorAPIError) as caught:
        api.delete(variable)
    assert caught.value.status == status
