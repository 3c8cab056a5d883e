"""The one Neon client of the ops commands (`ops.neon.NeonApi`), call by call, against a local server that answers
as Neon's API v2 does (neon.com/docs/reference/api: projects, branches, endpoints, roles, databases, operations;
423 Locked while another operation runs). Each test pins what a mutation run of `ops/neon.py` (`make mutation
ARGS="--only ops_neon"`) found unpinned once the rotation's and the preview environments' clients became one:
which project and branch are chosen, what counts as gone, how long and how often it waits."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ops import neon
from ops.neon import Branch, NeonApi, Project, parse_time, wait_seconds
from vendor_api import VendorAPIError

KEY = "neon-key-do-not-print-1207"
PROJECT = Project("proj-1", "mm-portal-prod", "aws-ap-southeast-2")
MAIN = Branch("br-main", "main", default=True)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait NeonApi takes, in seconds, instead of taking it."""
    waits: list[float] = []
    monkeypatch.setattr(neon.time, "sleep", waits.append)
    return waits


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer, slept: list[float]) -> NeonApi:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")
    return NeonApi(KEY, httpserver.url_for("/").rstrip("/"), wait=1.0)


def counted(httpserver: HTTPServer, path: str, answers: list[Response], method: str = "GET") -> list[str]:
    """Serve `answers` in turn at `path` (the last one again and again); returns the calls as they come."""
    calls: list[str] = []

    def answer(request: Request) -> Response:
        calls.append(request.method)
        return answers[min(len(calls), len(answers)) - 1]

    httpserver.expect_request(path, method=method).respond_with_handler(answer)
    return calls


def json_answer(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


LOCKED = json_answer({"code": "", "message": "project already has running operations"}, 423)


# --- projects -------------------------------------------------------------------------------------------


def test_the_project_is_the_one_named_exactly(api: NeonApi, httpserver: HTTPServer) -> None:
    projects = [{"id": "p0", "name": "mm-portal-dev"}, {"id": "p1", "name": "mm-portal-prod", "region_id": "r"}]
    projects.append({"id": "p2", "name": "mm-portal-prod-old"})
    httpserver.expect_request("/projects", query_string={"search": "mm-portal-prod", "limit": "100"}).respond_with_json(
        {"projects": projects}
    )
    assert api.find_project("mm-portal-prod") == Project("p1", "mm-portal-prod", "r")


def test_two_projects_of_the_name_are_an_error_naming_both(api: NeonApi, httpserver: HTTPServer) -> None:
    projects = [{"id": "p1", "name": "mm-portal-prod"}, {"id": "p9", "name": "mm-portal-prod"}]
    httpserver.expect_request("/projects").respond_with_json({"projects": projects})
    with pytest.raises(VendorAPIError, match=r"2 projects are named 'mm-portal-prod' \(p1, p9\)"):
        api.find_project("mm-portal-prod")


# --- branches -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("org_id", "where"), [(None, ""), ("org-7", " in organisation org-7")])
def test_a_missing_project_is_named_with_its_organisation(api: NeonApi, httpserver, org_id, where: str) -> None:
    httpserver.expect_request("/projects").respond_with_json({"projects": [{"id": "p0", "name": "mm-portal-dev"}]})
    with pytest.raises(VendorAPIError) as caught:
        api.default_branch("mm-portal-prod", org_id)
    assert str(caught.value).startswith(f"Neon API: no project named 'mm-portal-prod'{where} visible to NEON_API_KEY;")


def test_a_branch_is_looked_up_by_a_search_for_its_name(api: NeonApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/projects/proj-1/branches", query_string={"search": "preview/pr-7"}).respond_with_json(
        {"branches": [{"id": f"br-{n}", "name": f"preview/pr-{n}"} for n in (70, 10, 7)]}
    )
    assert api.branch_named(PROJECT, "preview/pr-7") == Branch("br-7", "preview/pr-7")


@pytest.mark.parametrize(
    ("branches", "chosen"),
    [
        ([{"id": "b1", "name": "main"}, {"id": "b2", "name": "production", "default": True}], "b2"),
        ([{"id": "b1", "name": "zzz"}, {"id": "b2", "name": "aaa"}, {"id": "b3", "name": "main"}], "b3"),
    ],
    ids=["the-default", "else-main"],
)
def test_the_default_branch_is_the_one_neon_marks_default_else_main(
    api: NeonApi, httpserver: HTTPServer, branches: list[dict], chosen: str
) -> None:
    httpserver.expect_request("/projects").respond_with_json({"projects": [{"id": "proj-1", "name": "mm-portal-prod"}]})
    httpserver.expect_request("/projects/proj-1/branches").respond_with_json({"branches": branches})
    endpoints = [{"id": f"ep-{b['id']}", "branch_id": b["id"], "type": "read_write", "host": "h"} for b in branches]
    httpserver.expect_request("/projects/proj-1/endpoints").respond_with_json({"endpoints": endpoints})
    _, branch, endpoint = api.default_branch("mm-portal-prod")
    assert (branch.id, endpoint.id) == (chosen, f"ep-{chosen}")


def test_a_branch_is_created_as_neon_documents_and_its_read_write_endpoint_read(api: NeonApi, httpserver) -> None:
    body = {
        "branch": {
            "name": "preview/pr-7",
            "parent_id": "br-main",
            "init_source": "schema-only",
            "expires_at": "2026-12-14T09:30:00Z",
        },
        "endpoints": [{"type": "read_write"}],
    }
    endpoints = [
        {"id": "ep-ro", "type": "read_only", "host": "ro"},
        {"id": "ep-rw", "type": "read_write", "host": "rw"},
    ]
    httpserver.expect_request("/projects/proj-1/branches", method="POST", json=body).respond_with_json(
        {"branch": {"id": "br-7", "name": "preview/pr-7"}, "endpoints": endpoints, "operations": []}
    )
    expires = parse_time("2026-12-14T19:30:00+10:00")
    assert expires is not None
    branch, endpoint = api.create_branch(PROJECT, "preview/pr-7", MAIN, "schema-only", expires)
    assert branch == Branch("br-7", "preview/pr-7")
    assert endpoint is not None and (endpoint.id, endpoint.host) == ("ep-rw", "rw")


def test_a_branch_s_read_write_endpoint_is_its_own_with_a_host(api: NeonApi, httpserver: HTTPServer) -> None:
    endpoints = [
        {"id": "ep-other", "branch_id": "br-zzz", "type": "read_write", "host": "other"},
        {"id": "ep-aaa", "branch_id": "br-aaa", "type": "read_write", "host": "aaa"},
        {"id": "ep-ro", "branch_id": "br-main", "type": "read_only", "host": "ro"},
        {"id": "ep-starting", "branch_id": "br-main", "type": "read_write", "host": ""},
        {"id": "ep-rw", "branch_id": "br-main", "type": "read_write", "host": "rw"},
    ]
    httpserver.expect_request("/projects/proj-1/endpoints").respond_with_json({"endpoints": endpoints})
    endpoint = api.read_write_endpoint(PROJECT, MAIN)
    assert endpoint is not None and (endpoint.id, endpoint.host) == ("ep-rw", "rw")


def test_an_expiry_neon_wrote_in_another_form_is_read_as_none() -> None:
    assert parse_time("next tuesday") is None
    assert parse_time(1796688000) is None and parse_time(None) is None and parse_time("") is None
    assert Branch.from_api({"id": "b1", "expires_at": "2026-13-45T00:00:00Z"}).expires_at is None
    assert parse_time("2026-12-08T00:00:00Z").isoformat() == "2026-12-08T00:00:00+00:00"


def test_a_renewed_expiry_is_in_place_when_neon_has_finished(api: NeonApi, httpserver, slept) -> None:
    httpserver.expect_request(
        "/projects/proj-1/branches/br-7",
        method="PATCH",
        json={"branch": {"expires_at": "2026-12-21T00:00:00Z"}},
    ).respond_with_json({"branch": {"id": "br-7"}, "operations": [{"id": "op-8", "status": "running"}]})
    polls = counted(
        httpserver, "/projects/proj-1/operations/op-8", [json_answer({"operation": {"status": "finished"}})]
    )
    expires = parse_time("2026-12-21T00:00:00Z")
    assert expires is not None
    api.set_expiry(PROJECT, Branch("br-7", "preview/pr-7"), expires)
    assert len(polls) == 1


def test_deleting_a_branch_already_gone_says_so(api: NeonApi, httpserver: HTTPServer) -> None:
    branch = Branch("br-7", "preview/pr-7")
    httpserver.expect_request("/projects/proj-1/branches/br-7", method="DELETE").respond_with_json({}, status=404)
    assert api.delete_branch(PROJECT, branch) is False


def test_a_deleted_branch_is_gone_when_neon_has_finished(api: NeonApi, httpserver, slept) -> None:
    httpserver.expect_request("/projects/proj-1/branches/br-7", method="DELETE").respond_with_json(
        {"branch": {"id": "br-7"}, "operations": [{"id": "op-7", "status": "running"}]}
    )
    polls = counted(
        httpserver, "/projects/proj-1/operations/op-7", [json_answer({"operation": {"status": "finished"}})]
    )
    assert api.delete_branch(PROJECT, Branch("br-7", "preview/pr-7")) is True
    assert len(polls) == 1


@pytest.mark.parametrize("status", [400, 403, 409])
def test_a_branch_delete_refused_otherwise_is_an_error(api: NeonApi, httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/projects/proj-1/branches/br-7", method="DELETE").respond_with_json({}, status=status)
    with pytest.raises(VendorAPIError) as caught:
        api.delete_branch(PROJECT, Branch("br-7", "preview/pr-7"))
    assert caught.value.status == status


# --- endpoints, roles, databases ----------------------------------------------------------------------


def test_a_created_endpoint_is_the_one_neon_answers(api: NeonApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/projects/proj-1/endpoints", method="POST", json={"endpoint": {"branch_id": "br-main", "type": "read_write"}}
    ).respond_with_json(
        {"endpoint": {"id": "ep-9", "host": "ep-9.neon.tech"}, "operations": [{"id": "op-9", "status": "running"}]}
    )
    polls = counted(
        httpserver, "/projects/proj-1/operations/op-9", [json_answer({"operation": {"status": "finished"}})]
    )
    endpoint = api.create_endpoint(PROJECT, MAIN)
    assert (endpoint.id, endpoint.host) == ("ep-9", "ep-9.neon.tech")
    assert len(polls) == 1, "the endpoint is returned once Neon has started it"


def test_a_missing_role_is_a_not_found_naming_the_roles_there(api: NeonApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/projects/proj-1/branches/br-main/roles/portal_app").respond_with_json({}, status=404)
    httpserver.expect_request("/projects/proj-1/branches/br-main/roles").respond_with_json(
        {"roles": [{"name": "owner"}, {"name": "admin"}]}
    )
    with pytest.raises(VendorAPIError) as caught:
        api.check_role(PROJECT, MAIN, "portal_app")
    assert caught.value.status == 404
    assert "no role 'portal_app' on branch 'main' of project 'mm-portal-prod'; roles there: admin, owner" in str(
        caught.value
    )


def test_a_created_role_s_password_is_returned_once_neon_has_finished(api: NeonApi, httpserver, slept) -> None:
    httpserver.expect_request("/projects/proj-1/branches/br-main/roles", method="POST").respond_with_json(
        {"role": {"name": "portal_app", "password": "generated"}, "operations": [{"id": "op-2", "status": "running"}]}
    )
    polls = counted(
        httpserver, "/projects/proj-1/operations/op-2", [json_answer({"operation": {"status": "finished"}})]
    )
    assert api.create_role(PROJECT, MAIN, "portal_app") == "generated"
    assert len(polls) == 1 and slept == [1.0]


def test_a_created_database_is_ready_when_neon_has_finished(api: NeonApi, httpserver, slept) -> None:
    httpserver.expect_request(
        "/projects/proj-1/branches/br-main/databases",
        method="POST",
        json={"database": {"name": "portal", "owner_name": "portal_owner"}},
    ).respond_with_json({"database": {"name": "portal"}, "operations": [{"id": "op-3", "status": "scheduling"}]})
    polls = counted(
        httpserver, "/projects/proj-1/operations/op-3", [json_answer({"operation": {"status": "finished"}})]
    )
    api.create_database(PROJECT, MAIN, "portal", "portal_owner")
    assert len(polls) == 1


def test_the_owner_role_is_the_first_database_s_named_owner(api: NeonApi, httpserver: HTTPServer) -> None:
    databases = [
        {"name": "a", "owner_name": "", "created_at": "2026-01-01T00:00:00Z"},
        {"name": "b", "owner_name": 5, "created_at": "2026-01-02T00:00:00Z"},
        {"name": "c", "owner_name": "portal_owner", "created_at": "2026-01-04T00:00:00Z"},
        {"name": "d", "owner_name": "later_owner", "created_at": "2026-01-05T00:00:00Z"},
    ]
    httpserver.expect_request("/projects/proj-1/branches/br-main/databases").respond_with_json({"databases": databases})
    assert api.owner_role(PROJECT, MAIN) == "portal_owner"


@pytest.mark.parametrize("status", [400, 403, 409])
def test_a_role_check_refused_otherwise_than_404_is_an_error(api: NeonApi, httpserver, status: int) -> None:
    httpserver.expect_request("/projects/proj-1/branches/br-main/roles/portal_app").respond_with_json({}, status=status)
    with pytest.raises(VendorAPIError) as caught:
        api.has_role(PROJECT, MAIN, "portal_app")
    assert caught.value.status == status


@pytest.mark.parametrize("answer", [{"role": {"name": "portal_app"}}, {"role": {"password": ""}}, {}])
def test_a_reset_answered_without_a_password_is_an_error_about_the_answer(api: NeonApi, httpserver, answer) -> None:
    httpserver.expect_request(
        "/projects/proj-1/branches/br-main/roles/portal_app/reset_password", method="POST"
    ).respond_with_json(answer)
    with pytest.raises(VendorAPIError) as caught:
        api.reset_password(PROJECT, MAIN, "portal_app", wait=False)
    assert caught.value.status == 200
    assert str(caught.value) == "Neon API: the role was changed but Neon's answer holds no password"


@pytest.mark.parametrize("databases", [["portal"], [{"name": "portal", "owner_name": "owner"}, 7], "portal"])
def test_databases_of_another_shape_are_named_as_a_changed_api(api: NeonApi, httpserver, databases) -> None:
    httpserver.expect_request("/projects/proj-1/branches/br-main/databases").respond_with_json({"databases": databases})
    with pytest.raises(VendorAPIError, match="expected a list of databases; the API may have changed") as caught:
        api.owner_role(PROJECT, MAIN)
    assert caught.value.status == 200, "Neon answered; what it answered is the problem"


# --- waiting: Neon's 423 and its operations -----------------------------------------------------------


def test_a_locked_project_is_asked_again_with_growing_waits(api: NeonApi, httpserver, slept: list[float]) -> None:
    calls = counted(httpserver, "/projects/proj-1/branches", [LOCKED, LOCKED, json_answer({"branches": []})])
    assert api.branches(PROJECT) == []
    assert (len(calls), slept) == (3, [1.0, 2.0])


def test_a_project_that_stays_locked_is_given_up_after_six_attempts(api: NeonApi, httpserver, slept) -> None:
    calls = counted(httpserver, "/projects/proj-1/branches", [LOCKED])
    with pytest.raises(VendorAPIError) as caught:
        api.branches(PROJECT)
    assert len(calls) == 6 and slept == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert caught.value.status == 423
    assert "stayed locked by other operations (HTTP 423) after 6 attempts" in str(caught.value)


def test_an_operation_still_running_is_polled_thirty_times_then_named(api: NeonApi, httpserver, slept) -> None:
    polls = counted(httpserver, "/projects/proj-1/operations/op-1", [json_answer({"operation": {"status": "running"}})])
    with pytest.raises(VendorAPIError, match=r"operation op-1 \(create_branch\) still running"):
        api.wait_for(PROJECT, [{"id": "op-1", "action": "create_branch", "status": "running"}])
    assert len(polls) == 30
    assert slept == [1.0, 2.0, 4.0, 8.0] + [16.0] * 26


@pytest.mark.parametrize("status", ["failed", "error", "cancelled", "cancelling"])
def test_an_operation_that_ended_otherwise_is_an_error_naming_it(api: NeonApi, httpserver, status: str) -> None:
    polls = counted(httpserver, "/projects/proj-1/operations/op-4", [json_answer({"operation": {"status": status}})])
    with pytest.raises(VendorAPIError, match=rf"operation op-4 \(reset_password\) ended {status}"):
        api.wait_for(PROJECT, [{"id": "op-4", "action": "reset_password", "status": "running"}])
    assert len(polls) == 1
    with pytest.raises(VendorAPIError, match=rf"ended {status}"):
        api.wait_for(PROJECT, [{"id": "op-5", "action": "reset_password", "status": status}])


def test_an_operation_without_a_status_is_asked_for_it(api: NeonApi, httpserver, slept) -> None:
    polls = counted(
        httpserver, "/projects/proj-1/operations/op-6", [json_answer({"operation": {"status": "finished"}})]
    )
    api.wait_for(PROJECT, [{"id": "op-6", "action": "create_branch"}])
    assert len(polls) == 1


@pytest.mark.parametrize(("raw", "seconds"), [("0", 0.0), ("60", 60.0), ("0.5", 0.5), ("", 1.0), ("  ", 1.0)])
def test_the_wait_may_be_set_from_0_to_60_seconds(raw: str, seconds: float) -> None:
    assert wait_seconds({"NEON_OPERATION_WAIT_SECONDS": raw}) == seconds


@pytest.mark.parametrize("raw", ["60.01", "61", "-0.5", "soon", "nan", "9" * 50])
def test_any_other_wait_is_refused_naming_what_was_found(raw: str) -> None:
    with pytest.raises(ValueError) as caught:
        wait_seconds({"NEON_OPERATION_WAIT_SECONDS": raw})
    assert str(caught.value) == (
        f"NEON_OPERATION_WAIT_SECONDS: found {raw[:40]!r}; allowed: a number of seconds from 0 to 60"
    )
