"""The shared vendor client against a real local HTTP server: answers, each error class, retries."""

from __future__ import annotations

import socketserver
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from vendor_api import VendorAPIError, VendorClient, VendorSettingError, redact
from vendor_api.http import shorten

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


# --- redact, then shorten ------------------------------------------------------------------------------


def live_looking_secret() -> str:
    """Shaped like a live Stripe-style key, built at run time so that no such string sits in the repository."""
    return "sk_" + "live_" + "A" * 24


@pytest.mark.parametrize("cut_at", [3, 8, 12, 20])
def test_a_secret_cut_by_the_length_limit_leaks_no_prefix(httpserver: HTTPServer, cut_at: int) -> None:
    secret = live_looking_secret()
    body = "x" * (300 - cut_at) + secret + " and more text after it"
    httpserver.expect_request("/x").respond_with_data(body, status=400)
    api = VendorClient("Stripe", httpserver.url_for("/"), credential_hint="STRIPE_KEY", bearer_token=secret, retries=0)
    with pytest.raises(VendorAPIError) as caught:
        api.request("GET", "/x")
    message = str(caught.value)
    assert message.endswith("…")
    assert not any(secret[:n] in message for n in range(4, len(secret) + 1)), message


def test_a_secret_with_whitespace_is_redacted_before_the_whitespace_is_folded() -> None:
    secret = "two-part\tsecret-value-0001"
    assert shorten(f"bad key {secret}\n  end", [secret], 300) == "bad key [redacted] end"


@pytest.mark.parametrize(
    ("credential", "problem"),
    [
        ("token-with-newline\n", "a line break at character 19"),
        ("tok\ren", "a line break at character 4"),
        ("two words", "a space or tab at character 4"),
        ("bell\x07", "a control character at character 5"),
        ("smart\u2019quote", "a character outside ASCII (e.g. a typographic quote or dash) at character 6"),
        ("caf\u00e9", "a character outside ASCII (e.g. a typographic quote or dash) at character 4"),
    ],
)
def test_a_credential_that_cannot_go_in_a_header_is_refused_without_showing_it(credential: str, problem: str) -> None:
    with pytest.raises(VendorSettingError) as caught:
        VendorClient("Neon", "https://console.neon.tech", credential_hint="NEON_API_KEY", bearer_token=credential)
    message = str(caught.value)
    assert f"a credential from NEON_API_KEY holds {problem} (value not shown)" in message
    assert credential.strip() not in message and credential[:3] not in message.split("holds")[1]


# --- https only, except loopback -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["http://api.upstash.com", "http://10.0.0.1:8080/api", "ftp://127.0.0.1/", "api.upstash.com", "https://", "//x"],
)
def test_credentials_go_only_to_https_or_loopback(base_url: str) -> None:
    with pytest.raises(VendorSettingError) as caught:
        VendorClient("Upstash", base_url, credential_hint="UPSTASH_API_KEY", auth=(EMAIL, API_KEY))
    assert f"base URL {base_url!r}: credentials are sent only over https" in str(caught.value)
    assert "http:// to 127.0.0.1, ::1 or localhost" in str(caught.value)


def test_a_base_url_carrying_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(VendorSettingError) as caught:
        VendorClient("Neon", f"https://ops:{API_KEY}@console.neon.tech/api/v2", credential_hint="NEON_API_KEY")
    assert "carries credentials" in str(caught.value)
    assert API_KEY not in str(caught.value) and "ops" not in str(caught.value)


@pytest.mark.parametrize(
    "base_url", ["https://api.upstash.com", "http://127.0.0.1:9", "http://127.8.9.10:9", "http://localhost:9/v1",
                 "http://[::1]:9"],
)  # fmt: skip
def test_https_and_loopback_http_are_accepted(base_url: str) -> None:
    assert VendorClient("Upstash", base_url, credential_hint="K").base_url == base_url.rstrip("/")


def test_a_redirect_is_not_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_response(
        Response("", status=302, headers={"Location": "http://attacker.example/collect"})
    )
    with pytest.raises(VendorAPIError, match=r"GET /x: HTTP 302 redirect, not followed") as caught:
        client(httpserver).request("GET", "/x")
    assert caught.value.status == 302
    assert len(httpserver.log) == 1


# --- what is retried depends on whether repeating is harmless -------------------------------------------


def counting(httpserver: HTTPServer, status: int, headers: dict[str, str] | None = None) -> list[str]:
    calls: list[str] = []

    def handler(request):
        calls.append(request.method)
        return Response('{"error": "gateway"}', status=status, content_type="application/json", headers=headers)

    httpserver.expect_request("/x").respond_with_handler(handler)
    return calls


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_non_idempotent_call_is_sent_once_on_a_5xx(httpserver: HTTPServer, method: str, status: int) -> None:
    calls = counting(httpserver, status)
    with pytest.raises(VendorAPIError) as caught:
        client(httpserver).request(method, "/x", json={})
    assert calls == [method]
    assert f"{method} /x: HTTP {status}, not retried: the vendor may have acted on it" in str(caught.value)
    assert "check the result before trying again" in str(caught.value)


def test_a_non_idempotent_call_is_retried_on_429_which_refuses_before_acting(httpserver: HTTPServer) -> None:
    calls = counting(httpserver, 429, {"Retry-After": "0"})
    with pytest.raises(VendorAPIError, match=r"POST /x: HTTP 429 after 2 retries"):
        client(httpserver).request("POST", "/x", json={})
    assert calls == ["POST"] * 3


@pytest.mark.parametrize(("method", "idempotent"), [("GET", None), ("PUT", None), ("DELETE", None), ("PATCH", True)])
def test_an_idempotent_call_is_retried_on_a_gateway_error(
    httpserver: HTTPServer, method: str, idempotent: bool | None
) -> None:
    calls = counting(httpserver, 502)
    with pytest.raises(VendorAPIError, match=rf"{method} /x: HTTP 502 after 2 retries"):
        client(httpserver).request(method, "/x", idempotent=idempotent)
    assert calls == [method] * 3


# --- an overall deadline per call ----------------------------------------------------------------------


class Trickle(socketserver.ThreadingTCPServer):
    """A real HTTP server on loopback that answers one byte at a time, each well within the read timeout."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: bytes, gap: float) -> None:
        self.answer, self.gap, self.cut = answer, gap, threading.Event()
        super().__init__(("127.0.0.1", 0), TrickleHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class TrickleHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.recv(65536)  # the request; its headers fit one read
        try:
            for byte in self.server.answer:
                self.request.sendall(bytes([byte]))
                time.sleep(self.server.gap)
        except OSError:
            self.server.cut.set()  # the client cut the connection


@pytest.fixture
def trickle(request: pytest.FixtureRequest):
    answer, gap = request.param
    server = Trickle(answer, gap)
    # Polling for shutdown every 50 ms (the default 0.5 s is the test's own wait at teardown).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


SLOW_HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"p" * 400 + b"\r\n\r\n{}"
SLOW_BODY = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n" + b" " * 400


@pytest.mark.parametrize("trickle", [(SLOW_HEADERS, 0.05), (SLOW_BODY, 0.05)], indirect=True, ids=["headers", "body"])
def test_a_vendor_answering_one_byte_at_a_time_is_cut_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch, trickle: Trickle
) -> None:
    """Each byte comes well within the 30 s read timeout; the whole answer would take over 20 s."""
    monkeypatch.setenv("VENDOR_API_DEADLINE_SECONDS", "0.5")
    api = VendorClient("Neon", trickle.url, credential_hint="NEON_API_KEY", bearer_token=API_KEY, timeout=30)
    started = time.monotonic()
    with pytest.raises(VendorAPIError) as caught:
        api.request("GET", "/projects")
    elapsed = time.monotonic() - started
    assert "GET /projects: no complete answer within 0.5 s" in str(caught.value)
    assert "VENDOR_API_DEADLINE_SECONDS" in str(caught.value)
    assert elapsed < 10, "ended by the deadline, not by the answer running out"
    assert trickle.cut.wait(5), "the connection was closed, not left trickling"


def test_a_retry_wait_past_the_deadline_is_not_waited_for(
    monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    monkeypatch.setenv("VENDOR_API_DEADLINE_SECONDS", "2")
    calls = counting(httpserver, 503, {"Retry-After": "3600"})
    started = time.monotonic()
    with pytest.raises(VendorAPIError, match=r"GET /x: no complete answer within 2 s"):
        client(httpserver).request("GET", "/x")
    assert time.monotonic() - started < 10
    assert calls == ["GET"]


def test_a_quick_answer_is_not_affected_by_the_deadline(
    monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    monkeypatch.setenv("VENDOR_API_DEADLINE_SECONDS", "0.5")
    httpserver.expect_request("/x").respond_with_json({"ok": True})
    api = client(httpserver)
    assert [api.request("GET", "/x") for _ in range(3)] == [{"ok": True}] * 3


# --- tuning variables ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf", "1e9", "0x10"])
def test_a_malformed_backoff_factor_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", value)
    with pytest.raises(VendorSettingError) as caught:
        VendorClient("Neon", "https://console.neon.tech", credential_hint="NEON_API_KEY")
    assert f"VENDOR_API_BACKOFF_FACTOR: found {value!r}; allowed: a number of seconds from 0 to 60" in str(caught.value)


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "4000", "a minute"])
def test_a_malformed_deadline_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("VENDOR_API_DEADLINE_SECONDS", value)
    with pytest.raises(VendorSettingError) as caught:
        VendorClient("Neon", "https://console.neon.tech", credential_hint="NEON_API_KEY")
    assert f"VENDOR_API_DEADLINE_SECONDS: found {value!r}; allowed: a number of seconds above 0" in str(caught.value)
