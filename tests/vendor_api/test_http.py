"""The shared vendor client against a real local HTTP server: answers, each error class, retries."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from vendor_api import VendorAPIError, VendorClient, redact

EMAIL = "ops@example.test"
API_KEY = "upstash-key-do-not-print-0001"


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")


def client(server: HTTPServer, retries: int = 2) -> VendorClient:
    return VendorClient(
        "Upstash",
        server.url_for("/"),
        credential_hint="UPSTASH_EMAIL and UPSTASH_API_KEY",
        auth=(EMAIL, API_KEY),
        retries=retries,
    )


def test_success_sends_basic_auth_and_decodes_json(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(
        "/v2/redis/database/db-1",
        method="GET",
        headers={"Authorization": "Basic b3BzQGV4YW1wbGUudGVzdDp1cHN0YXNoLWtleS1kby1ub3QtcHJpbnQtMDAwMQ=="},
    ).respond_with_json({"database_id": "db-1", "daily_backup_enabled": True})
    assert client(httpserver).request("GET", "/v2/redis/database/db-1") == {
        "database_id": "db-1",
        "daily_backup_enabled": True,
    }
    httpserver.check_assertions()


def test_empty_answer_is_none(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/x", method="PATCH").respond_with_data("", status=200)
    assert client(httpserver).request("PATCH", "x") is None


def test_401_names_the_credentials_and_hides_them(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_json({"error": f"bad key {API_KEY} for {EMAIL}"}, status=401)
    with pytest.raises(VendorAPIError) as caught:
        client(httpserver).request("GET", "/x")
    message = str(caught.value)
    assert caught.value.status == 401
    assert "credentials rejected (HTTP 401); check UPSTASH_EMAIL and UPSTASH_API_KEY" in message
    assert API_KEY not in message and EMAIL not in message
    assert "[redacted]" in message


def test_404_uses_the_callers_words(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/db/nope").respond_with_json({"error": "database not found"}, status=404)
    with pytest.raises(VendorAPIError, match=r"Upstash API: no database 'nope': database not found") as caught:
        client(httpserver).request("GET", "/db/nope", not_found="no database 'nope'")
    assert caught.value.status == 404


def test_429_then_success_is_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/x").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "0"})
    )
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": True})
    assert client(httpserver).request("GET", "/x") == {"ok": True}
    httpserver.check_assertions()


def test_5xx_retried_then_failed_with_the_count(httpserver: HTTPServer) -> None:
    calls = []

    def handler(request):
        calls.append(request.path)
        return Response('{"error": "upstream down"}', status=503, content_type="application/json")

    httpserver.expect_request("/x").respond_with_handler(handler)
    with pytest.raises(VendorAPIError, match=r"GET /x: HTTP 503 after 2 retries: upstream down") as caught:
        client(httpserver, retries=2).request("GET", "/x")
    assert caught.value.status == 503
    assert len(calls) == 3  # the first call and two retries


def test_other_4xx_is_not_retried(httpserver: HTTPServer) -> None:
    calls = []

    def handler(request):
        calls.append(request.path)
        return Response('{"message": "invalid body"}', status=400, content_type="application/json")

    httpserver.expect_request("/x").respond_with_handler(handler)
    with pytest.raises(VendorAPIError, match=r"POST /x: HTTP 400: invalid body"):
        client(httpserver).request("POST", "/x", json={})
    assert len(calls) == 1


def test_unreachable_server_is_named() -> None:
    unreachable = VendorClient("Neon", "http://127.0.0.1:9", credential_hint="NEON_API_KEY", retries=0)
    with pytest.raises(VendorAPIError, match=r"Neon API: GET /x: .*127\.0\.0\.1:9") as caught:
        unreachable.request("GET", "/x")
    assert caught.value.status is None


def test_bad_backoff_setting_is_refused(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> None:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "soon")
    with pytest.raises(VendorAPIError, match=r"VENDOR_API_BACKOFF_FACTOR: found 'soon'; allowed: a number"):
        client(httpserver)


def test_redact_prefers_the_longest_secret() -> None:
    assert redact("token abc and abcdef", ["abc", "abcdef", None, ""]) == "token [redacted] and [redacted]"
