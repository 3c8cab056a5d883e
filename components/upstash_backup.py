"""UpstashDailyBackup: Upstash's daily backup of one Redis database, managed by Pulumi.

The Upstash provider (`upstash_pulumi`) has no backup setting, so this is a Pulumi dynamic provider that
calls Upstash's Developer API (https://api.upstash.com, or `UPSTASH_API_BASE_URL`):

| Pulumi      | Upstash Developer API                                 |
|-------------|-------------------------------------------------------|
| create      | `PATCH /v2/redis/enable-dailybackup/{id}`              |
| update      | the same (re-enables after drift, see `diff`)         |
| delete      | `PATCH /v2/redis/disable-dailybackup/{id}`             |
| read        | `GET /v2/redis/database/{id}?credentials=hide` -> `daily_backup_enabled` |

How the engine runs it: the provider object is pickled (dill) into the resource's `__provider` input and
unpickled by the `pulumi-python` dynamic provider host, started from the project directory. The class is
pickled by reference (this module's path), so the pickle is small and holds no state: credentials are
read from the environment (`UPSTASH_EMAIL`, `UPSTASH_API_KEY`, the Upstash provider's own) at call time,
never taken as inputs, so they never reach the state. Moving or renaming this class breaks the stored
references of existing stacks: keep it here, or keep an alias.

Preview (check, diff) needs no credentials and no network; only create, update, delete and refresh call
Upstash. Under the mock monitor (tests, preflight) nothing here runs at all.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from sdk_internals import UNKNOWN_WIRE

KIND = "upstash-daily-backup"  # the marker input the policy pack identifies this resource by
TYPE_TOKEN = "pulumi-python:dynamic/upstash:DailyBackup"  # what the engine sees (module/name below)

BASE_URL_ENV = "UPSTASH_API_BASE_URL"
DEFAULT_BASE_URL = "https://api.upstash.com"
EMAIL_ENV = "UPSTASH_EMAIL"
API_KEY_ENV = "UPSTASH_API_KEY"
CREDENTIALS_HINT = f"{EMAIL_ENV} and {API_KEY_ENV}"

INPUTS = ("database_id", "kind")
PROVIDER_KEY = "__provider"
_DATABASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_REFUSED = (400, 409, 422)  # Upstash refusing a repeat (already on / already off): re-read, then decide


class UpstashBackupError(Exception):
    """A daily-backup call that failed for good; its message says what to do and holds no secret.

    `status` is Upstash's HTTP status, None when there was no answer (or no call).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or value == UNKNOWN_WIRE


def _client() -> Any:
    """A Developer API client with the credentials in the environment now (never stored anywhere)."""
    # Imported here, not at module level: the program imports this module on every preview and test run,
    # and only the engine's provider host ever talks to Upstash.
    from vendor_api import VendorAPIError, VendorClient
    from vendor_api.http import check_base_url

    missing = [name for name in (EMAIL_ENV, API_KEY_ENV) if not os.environ.get(name)]
    if missing:
        raise UpstashBackupError(
            f"Upstash daily backup needs {CREDENTIALS_HINT} in the environment (the Upstash provider's "
            f"credentials: account e-mail and Developer API key); missing: {', '.join(missing)}"
        )
    base_url = os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    try:
        check_base_url("Upstash", base_url)  # https only (http to loopback for tests): credentials go there
    except VendorAPIError as error:
        raise UpstashBackupError(f"{BASE_URL_ENV}: {error}") from None
    try:
        return VendorClient(
            "Upstash",
            base_url,
            credential_hint=CREDENTIALS_HINT,
            auth=(os.environ[EMAIL_ENV], os.environ[API_KEY_ENV]),
        )
    except VendorAPIError as error:  # a tuning variable (VENDOR_API_*), named in the message
        raise UpstashBackupError(str(error)) from None


def _call(doing: str, method: str, path: str, database_id: str, **kwargs: Any) -> Any:
    from vendor_api import VendorAPIError

    client = _client()
    try:
        return client.request(method, path, not_found=f"unknown database {database_id}", **kwargs)
    except VendorAPIError as error:
        raise UpstashBackupError(f"{doing} Upstash database {database_id}: {error}", error.status) from None


def _backup_enabled(database_id: str) -> bool:
    """Upstash's `daily_backup_enabled` for the database (credentials hidden from the answer)."""
    body = _call("reading", "GET", f"/v2/redis/database/{database_id}", database_id, params={"credentials": "hide"})
    enabled = body.get("daily_backup_enabled") if isinstance(body, dict) else None
    if not isinstance(enabled, bool):
        found = "no such field" if not isinstance(body, dict) or "daily_backup_enabled" not in body else repr(enabled)
        raise UpstashBackupError(
            f"reading Upstash database {database_id}: the answer's daily_backup_enabled is {found}; expected true or "
            f"false (has the Developer API changed? see https://upstash.com/docs/devops/developer-api)"
        )
    return enabled


def _set_backup(database_id: str, enabled: bool) -> None:
    """PATCH enable/disable-dailybackup. If Upstash refuses (a repeat of what is already so), re-read:
    being in the wanted state is success; anything else is the refusal."""
    action, doing = ("enable", "enabling") if enabled else ("disable", "disabling")
    try:
        # Switching daily backup on (or off) twice leaves it on (or off): safe to repeat after a 5xx.
        _call(
            f"{doing} daily backup of",
            "PATCH",
            f"/v2/redis/{action}-dailybackup/{database_id}",
            database_id,
            idempotent=True,
        )
        return
    except UpstashBackupError as error:
        if error.status not in _REFUSED:
            raise
        refusal = error
    if _backup_enabled(database_id) != enabled:  # outside the handler: the engine sees one error, not a chain
        raise refusal


def _outputs(database_id: str, enabled: bool) -> dict[str, Any]:
    return {"database_id": database_id, "kind": KIND, "daily_backup_enabled": enabled}


class UpstashDailyBackupProvider(ResourceProvider):
    """CRUD for one database's daily backup. Stateless: nothing but the class reaches `__provider`."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        database_id = news.get("database_id")
        if not _is_unknown(database_id) and not (isinstance(database_id, str) and _DATABASE_ID.fullmatch(database_id)):
            failures.append(
                CheckFailure(
                    "database_id",
                    f"found {database_id!r}; allowed: an Upstash database id (letters, digits, '-', '_'), e.g. "
                    f"RedisDatabase.database_id",
                )
            )
        if news.get("kind") != KIND:
            failures.append(CheckFailure("kind", f"found {news.get('kind')!r}; allowed: {KIND!r}"))
        for key in sorted(set(news) - {*INPUTS, PROVIDER_KEY}):
            failures.append(
                CheckFailure(
                    key,
                    f"unexpected input; allowed: {', '.join(INPUTS)}. Credentials come from {CREDENTIALS_HINT} in "
                    f"the environment, never from inputs (inputs are stored in the state)",
                )
            )
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Another database is a replacement; drift (refresh found backup off) or a new provider is an update."""
        database_id = news.get("database_id")
        if _is_unknown(database_id) or database_id != olds.get("database_id"):
            return DiffResult(changes=True, replaces=["database_id"], delete_before_replace=False)
        drifted = olds.get("daily_backup_enabled") is False
        changed = any(olds.get(key) != news.get(key) for key in ("kind", PROVIDER_KEY))
        return DiffResult(changes=drifted or changed, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        database_id = props["database_id"]
        _set_backup(database_id, True)
        return CreateResult(database_id, _outputs(database_id, True))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        database_id = news["database_id"]
        _set_backup(database_id, True)
        return UpdateResult(_outputs(database_id, True))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: what Upstash says now. A database that no longer exists has no backup: gone from state."""
        try:
            enabled = _backup_enabled(id_)
        except UpstashBackupError as error:
            if error.status == 404:
                return ReadResult(None, {})
            raise
        return ReadResult(id_, _outputs(id_, enabled))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        """Disable daily backup. A database already deleted has nothing left to disable."""
        try:
            _set_backup(id_, False)
        except UpstashBackupError as error:
            if error.status != 404:
                raise


class UpstashDailyBackup(Resource, module="upstash", name="DailyBackup"):
    """Daily backup of one Upstash Redis database: enabled while this resource exists, disabled on delete.

    Outputs `database_id` and `daily_backup_enabled` (what Upstash reported at the last create, update or
    refresh: `pulumi refresh` shows drift here, and the next `pulumi up` re-enables it).
    """

    database_id: pulumi.Output[str]
    daily_backup_enabled: pulumi.Output[bool]

    def __init__(self, name: str, database_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"database_id": database_id, "kind": KIND, "daily_backup_enabled": None}
        super().__init__(UpstashDailyBackupProvider(), name, props, opts)
