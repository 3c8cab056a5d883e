"""The Upstash daily-backup provider against a real local HTTP server speaking the Developer API subset.

The provider's own methods are called as the dynamic provider host calls them; nothing of ours is mocked.
The last tests go one step further: the engine's `pulumi-python` dynamic provider host, started from the
project directory, unpickles the provider from `__provider` and serves Create over gRPC.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from components.upstash_backup import KIND, UpstashBackupError, UpstashDailyBackupProvider
from sdk_internals import provider_pb2, provider_pb2_grpc
from tests.support.project import ROOT

EMAIL = "ops@motion-mavericks.test"
API_KEY = "upstash-dev-api-key-never-printed-7f3a"
AUTH = "Basic " + base64.b64encode(f"{EMAIL}:{API_KEY}".encode()).decode()
DB = "6gcefvfd-9627-2tz5-4l71-c5679g19d2g4"
ENABLE = f"/v2/redis/enable-dailybackup/{DB}"
DISABLE = f"/v2/redis/disable-dailybackup/{DB}"
DATABASE = f"/v2/redis/database/{DB}"
PROPS = {"database_id": DB, "kind": KIND}


@pytest.fixture(autouse=True)
def upstash(monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> HTTPServer:
    monkeypatch.setenv("UPSTASH_API_BASE_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("UPSTASH_EMAIL", EMAIL)
    monkeypatch.setenv("UPSTASH_API_KEY", API_KEY)
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")
    return httpserver


def database(enabled: bool) -> dict:
    """GET /v2/redis/database/{id} with credentials hidden, as the Developer API documents it."""
    return {"database_id": DB, "database_name": "mm-portal-prod", "state": "active", "daily_backup_enabled": enabled}


def counting(status: int, body: str, calls: list[str]):
    def handler(request: Request) -> Response:
        calls.append(request.path)
        return Response(body, status=status, content_type="application/json")

    return handler


def assert_clean(error: UpstashBackupError) -> None:
    """One exception with one message: no chained vendor error, no credential."""
    assert error.__cause__ is None and error.__suppress_context__
    assert API_KEY not in str(error) and EMAIL not in str(error)


# --- create, read, update, delete ----------------------------------------------------------------------------


def test_create_enables_daily_backup_with_basic_auth(upstash: HTTPServer) -> None:
    upstash.expect_oneshot_request(ENABLE, method="PATCH", headers={"Authorization": AUTH}).respond_with_json("OK")
    result = UpstashDailyBackupProvider().create(dict(PROPS))
    upstash.check_assertions()
    assert result.id == DB
    assert result.outs == {"database_id": DB, "kind": KIND, "daily_backup_enabled": True}
    assert API_KEY not in repr(result.outs) and EMAIL not in repr(result.outs)


def test_refresh_reads_daily_backup_enabled_so_drift_shows(upstash: HTTPServer) -> None:
    upstash.expect_oneshot_request(
        DATABASE, method="GET", query_string="credentials=hide", headers={"Authorization": AUTH}
    ).respond_with_json(database(enabled=False))
    result = UpstashDailyBackupProvider().read(DB, {**PROPS, "daily_backup_enabled": True})
    upstash.check_assertions()
    assert (result.id, result.outs) == (DB, {"database_id": DB, "kind": KIND, "daily_backup_enabled": False})


def test_refresh_of_a_deleted_database_drops_the_backup_from_state(upstash: HTTPServer) -> None:
    upstash.expect_oneshot_request(DATABASE, method="GET").respond_with_json({"error": "not found"}, status=404)
    result = UpstashDailyBackupProvider().read(DB, dict(PROPS))
    assert result.id is None


def test_refresh_refuses_an_answer_without_the_field(upstash: HTTPServer) -> None:
    upstash.expect_oneshot_request(DATABASE, method="GET").respond_with_json({"database_id": DB})
    with pytest.raises(UpstashBackupError, match="daily_backup_enabled is no such field; expected true or false"):
        UpstashDailyBackupProvider().read(DB, dict(PROPS))


def test_update_re_enables_after_drift(upstash: HTTPServer) -> None:
    upstash.expect_oneshot_request(ENABLE, method="PATCH").respond_with_json("OK")
    olds = {**PROPS, "daily_backup_enabled": False}
    result = UpstashDailyBackupProvider().update(DB, olds, dict(PROPS))
    upstash.check_assertions()
    assert result.outs["daily_backup_enabled"] is True


def test_delete_disables_daily_backup(upstash: HTTPServer) -> None:
    upstash.expect_oneshot_request(DISABLE, method="PATCH", headers={"Authorization": AUTH}).respond_with_json("OK")
    UpstashDailyBackupProvider().delete(DB, {**PROPS, "daily_backup_enabled": True})
    upstash.check_assertions()


def test_delete_of_an_already_deleted_database_succeeds(upstash: HTTPServer) -> None:
    upstash.expect_oneshot_request(DISABLE, method="PATCH").respond_with_json({"error": "not found"}, status=404)
    UpstashDailyBackupProvider().delete(DB, dict(PROPS))
    upstash.check_assertions()


def test_a_refused_repeat_is_success_when_upstash_already_has_it_so(upstash: HTTPServer) -> None:
    upstash.expect_ordered_request(ENABLE, method="PATCH").respond_with_json(
        {"error": "daily backup is already enabled"}, status=400
    )
    upstash.expect_ordered_request(DATABASE, method="GET").respond_with_json(database(enabled=True))
    assert UpstashDailyBackupProvider().create(dict(PROPS)).outs["daily_backup_enabled"] is True
    upstash.check_assertions()


def test_a_refusal_is_reported_when_upstash_does_not_have_it_so(upstash: HTTPServer) -> None:
    upstash.expect_ordered_request(ENABLE, method="PATCH").respond_with_json(
        {"error": "daily backup is not available on this plan"}, status=400
    )
    upstash.expect_ordered_request(DATABASE, method="GET").respond_with_json(database(enabled=False))
    with pytest.raises(UpstashBackupError) as caught:
        UpstashDailyBackupProvider().create(dict(PROPS))
    assert str(caught.value) == (
        f"enabling daily backup of Upstash database {DB}: Upstash API: PATCH {ENABLE}: HTTP 400: "
        "daily backup is not available on this plan"
    )
    assert_clean(caught.value)


# --- each error class ----------------------------------------------------------------------------------------


def test_401_names_the_credentials_and_never_prints_them(upstash: HTTPServer) -> None:
    upstash.expect_request(ENABLE).respond_with_json({"error": f"invalid api key {API_KEY} for {EMAIL}"}, status=401)
    with pytest.raises(UpstashBackupError) as caught:
        UpstashDailyBackupProvider().create(dict(PROPS))
    message = str(caught.value)
    assert message.startswith(f"enabling daily backup of Upstash database {DB}: Upstash API: credentials rejected")
    assert "(HTTP 401); check UPSTASH_EMAIL and UPSTASH_API_KEY" in message
    assert "[redacted]" in message
    assert_clean(caught.value)


def test_404_on_create_is_an_unknown_database(upstash: HTTPServer) -> None:
    upstash.expect_request(ENABLE).respond_with_json({"error": "database not found"}, status=404)
    with pytest.raises(UpstashBackupError, match=f"Upstash API: unknown database {DB}: database not found") as caught:
        UpstashDailyBackupProvider().create(dict(PROPS))
    assert caught.value.status == 404
    assert_clean(caught.value)


def test_429_then_success_is_retried(upstash: HTTPServer) -> None:
    upstash.expect_ordered_request(ENABLE, method="PATCH").respond_with_response(
        Response("rate limited", status=429, headers={"Retry-After": "0"})
    )
    upstash.expect_ordered_request(ENABLE, method="PATCH").respond_with_json("OK")
    assert UpstashDailyBackupProvider().create(dict(PROPS)).outs["daily_backup_enabled"] is True
    upstash.check_assertions()


def test_5xx_is_retried_then_fails_with_the_count(upstash: HTTPServer) -> None:
    calls: list[str] = []
    upstash.expect_request(DISABLE).respond_with_handler(counting(502, '{"error": "bad gateway"}', calls))
    with pytest.raises(UpstashBackupError) as caught:
        UpstashDailyBackupProvider().delete(DB, dict(PROPS))
    assert str(caught.value) == (
        f"disabling daily backup of Upstash database {DB}: Upstash API: PATCH {DISABLE}: HTTP 502 after 4 retries: "
        "bad gateway"
    )
    assert len(calls) == 5  # the first call and four retries
    assert_clean(caught.value)


@pytest.mark.parametrize("missing", ["UPSTASH_EMAIL", "UPSTASH_API_KEY"])
def test_missing_credentials_are_named_and_nothing_is_sent(
    upstash: HTTPServer, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.delenv(missing)
    with pytest.raises(UpstashBackupError) as caught:
        UpstashDailyBackupProvider().create(dict(PROPS))
    assert "needs UPSTASH_EMAIL and UPSTASH_API_KEY in the environment" in str(caught.value)
    assert str(caught.value).endswith(f"missing: {missing}")
    assert API_KEY not in str(caught.value)
    assert len(upstash.log) == 0


@pytest.mark.parametrize("base_url", ["api.upstash.com", "http://api.upstash.com", "ftp://127.0.0.1/"])
def test_a_base_url_that_is_not_https_is_refused_before_any_call(
    monkeypatch: pytest.MonkeyPatch, upstash: HTTPServer, base_url: str
) -> None:
    monkeypatch.setenv("UPSTASH_API_BASE_URL", base_url)
    with pytest.raises(UpstashBackupError) as caught:
        UpstashDailyBackupProvider().delete(DB, dict(PROPS))
    assert str(caught.value).startswith(f"UPSTASH_API_BASE_URL: Upstash API: base URL {base_url!r}: ")
    assert "credentials are sent only over https" in str(caught.value)
    assert API_KEY not in str(caught.value)
    assert len(upstash.log) == 0


# --- check and diff: preview, no credentials, no network -------------------------------------------------------


def test_check_accepts_the_inputs_and_an_id_unknown_at_preview(upstash: HTTPServer) -> None:
    provider = UpstashDailyBackupProvider()
    assert provider.check({}, {**PROPS, "__provider": "blob"}).failures == []
    assert provider.check({}, {"database_id": Unknown(), "kind": KIND}).failures == []
    assert len(upstash.log) == 0


@pytest.mark.parametrize(
    ("news", "property_", "reason"),
    [
        ({"kind": KIND}, "database_id", "found None; allowed: an Upstash database id"),
        ({"database_id": "../../teams", "kind": KIND}, "database_id", "found '../../teams'; allowed"),
        ({"database_id": DB}, "kind", "found None; allowed: 'upstash-daily-backup'"),
        ({**PROPS, "api_key": "x"}, "api_key", "unexpected input; allowed: database_id, kind. Credentials come from"),
    ],
)
def test_check_names_the_input_found_and_allowed(news: dict, property_: str, reason: str) -> None:
    [failure] = UpstashDailyBackupProvider().check({}, news).failures
    assert failure.property == property_
    assert reason in failure.reason


@pytest.mark.parametrize(
    ("olds", "news", "changes", "replaces"),
    [
        ({**PROPS, "daily_backup_enabled": True}, PROPS, False, []),
        ({**PROPS, "daily_backup_enabled": False}, PROPS, True, []),  # refresh found it off: re-enable
        ({**PROPS, "__provider": "old"}, {**PROPS, "__provider": "new"}, True, []),  # keep the state's code current
        (PROPS, {**PROPS, "database_id": "another-database"}, True, ["database_id"]),
        (PROPS, {**PROPS, "database_id": Unknown()}, True, ["database_id"]),  # the database is being replaced
    ],
)
def test_diff_replaces_only_for_another_database(olds: dict, news: dict, changes: bool, replaces: list) -> None:
    result = UpstashDailyBackupProvider().diff(DB, olds, news)
    assert (result.changes, result.replaces) == (changes, replaces)


# --- what reaches the state -------------------------------------------------------------------------------------


def test_the_serialized_provider_is_a_small_reference_without_credentials() -> None:
    blob = base64.b64decode(serialize_provider(UpstashDailyBackupProvider()))
    assert len(blob) < 200
    assert b"components.upstash_backup" in blob and b"UpstashDailyBackupProvider" in blob
    assert API_KEY.encode() not in blob and EMAIL.encode() not in blob


# --- through the engine's dynamic provider host --------------------------------------------------------------


@pytest.fixture
def dynamic_host() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """`python -m pulumi.dynamic` from the project directory, as the `pulumi-python` plugin starts it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"the dynamic provider host printed {port!r}, not a port"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.kill()
        process.wait()


def create_request(database_id: str) -> provider_pb2.CreateRequest:
    request = provider_pb2.CreateRequest(urn="urn:pulumi:dev::p::pulumi-python:dynamic/upstash:DailyBackup::b")
    request.properties.update(
        {"database_id": database_id, "kind": KIND, "__provider": serialize_provider(UpstashDailyBackupProvider())}
    )
    return request


def test_the_engines_dynamic_host_unpickles_the_provider_and_creates(upstash: HTTPServer, dynamic_host) -> None:
    upstash.expect_oneshot_request(ENABLE, method="PATCH", headers={"Authorization": AUTH}).respond_with_json("OK")
    response = dynamic_host.Create(create_request(DB), timeout=60)
    upstash.check_assertions()
    assert response.id == DB
    assert dict(response.properties)["daily_backup_enabled"] is True
    assert API_KEY not in str(response) and EMAIL not in str(response)


def test_the_engine_gets_the_clean_message_and_no_credential(upstash: HTTPServer, dynamic_host) -> None:
    upstash.expect_request(ENABLE).respond_with_json({"error": f"invalid key {API_KEY}"}, status=401)
    with pytest.raises(grpc.RpcError) as caught:
        dynamic_host.Create(create_request(DB), timeout=60)
    details = caught.value.details()
    assert "UpstashBackupError: enabling daily backup of Upstash database" in details
    assert "check UPSTASH_EMAIL and UPSTASH_API_KEY" in details
    assert "VendorAPIError" not in details, "the vendor client's error is not chained into the engine's message"
    assert API_KEY not in details and EMAIL not in details


@pytest.mark.parametrize("damage", ["\n", "\r\n", " ", "\u201d"])
def test_a_damaged_credential_is_refused_before_any_call_and_never_shown(
    monkeypatch: pytest.MonkeyPatch, upstash: HTTPServer, damage: str
) -> None:
    """A key pasted with its newline (or a typographic quote) would break, or leak into, the request."""
    monkeypatch.setenv("UPSTASH_API_KEY", API_KEY + damage)
    with pytest.raises(UpstashBackupError) as caught:
        UpstashDailyBackupProvider().create(dict(PROPS))
    message = str(caught.value)
    assert "a credential from UPSTASH_EMAIL and UPSTASH_API_KEY holds" in message
    assert "(value not shown); allowed: visible ASCII characters only" in message
    assert API_KEY not in message
    assert len(upstash.log) == 0
