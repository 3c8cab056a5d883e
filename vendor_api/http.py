"""One HTTP client for every vendor API: retries with backoff, clear errors, nothing secret in them.

- **https only.** Credentials are sent only to an `https://` base URL; `http://` is accepted for a
  loopback address alone (127.0.0.0/8, ::1, `localhost`: the tests' local servers). Redirects are not
  followed (no vendor API we call redirects, and a redirect could lead the credentials elsewhere).
- **Retries** are urllib3's (`Retry`), with exponential backoff honouring `Retry-After`, then the last
  answer becomes a `VendorAPIError` whose message says what to do. Which answers are retried depends on
  whether repeating the request is harmless:
  - idempotent calls (GET, HEAD, OPTIONS, PUT, DELETE, or any call the caller marks `idempotent=True`):
    429, 500, 502, 503 and 504;
  - other calls (POST, PATCH: e.g. Neon's `reset_password`): only 429, which the vendor's rate limiter
    answers before acting. A 5xx, and above all a 502 or 504 from a gateway, does not mean the vendor did
    not act, so it ends the call with an error that says so; the caller resumes (the rotation command
    through its journal) instead of acting twice.
  - A connection that could not be made is retried for every call (nothing was sent); an answer lost
    after sending is never retried.
- **An overall deadline per call** (`VENDOR_API_DEADLINE_SECONDS`, default 120 s) bounds connecting,
  every retry and its wait, and reading the whole answer, so a vendor answering one byte at a time
  cannot hold the caller longer (see `vendor_api/deadline.py`); `timeout` (30 s) still bounds each read.
- **Nothing secret in an error.** Credentials travel only in headers; a message never contains a header;
  any text taken from an answer is first redacted of every secret the client holds, and only then
  shortened, so a secret cut in two by the shortening cannot leak its first half.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.util.retry import Retry

from vendor_api.deadline import Deadline, DeadlineAdapter, DeadlineExceeded, DeadlineRetry

RETRIED_STATUSES = (429, 500, 502, 503, 504)
# Answered before the vendor acted, so even a non-idempotent call may be repeated.
RETRIED_STATUSES_NOT_IDEMPOTENT = (429,)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_RETRIES = 4
# Seconds; the n-th retry waits factor * 2**(n-1) (urllib3 makes the first retry immediate).
# Operators tune it with VENDOR_API_BACKOFF_FACTOR, e.g. to wait longer on a rate-limited account.
DEFAULT_BACKOFF_FACTOR = 0.5
MAX_BACKOFF_FACTOR = 60.0
# The most one call may take, retries included. Operators tune it with VENDOR_API_DEADLINE_SECONDS.
DEFAULT_DEADLINE_SECONDS = 120.0
MAX_DEADLINE_SECONDS = 3600.0
DETAIL_LIMIT = 300
REDACTED = "[redacted]"
LOOPBACK_NAMES = frozenset({"localhost"})


class VendorAPIError(Exception):
    """A vendor API call that failed for good. `status` is None when no answer came at all."""

    def __init__(self, vendor: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{vendor} API: {message}")
        self.vendor = vendor
        self.status = status


class VendorSettingError(VendorAPIError):
    """A setting of the client (a base URL, a tuning variable) is wrong: the operator's mistake."""


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every non-empty secret occurring in `text` by a fixed placeholder."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def shorten(text: str, secrets: Iterable[str | None], limit: int) -> str:
    """Redact, then fold whitespace, then cut to `limit` characters: in that order, so that no part of a
    secret survives (a secret cut by the limit would not be found any more, and neither would one whose
    whitespace was folded)."""
    text = " ".join(redact(text, secrets).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def credential_problem(value: str) -> str | None:
    """What makes `value` unusable as a credential in an HTTP header, described without showing it: None
    if every character is visible ASCII (what API tokens, keys and e-mail addresses are made of). A line
    break (a token pasted with its newline) would break the header; a character outside Latin-1 cannot
    be sent at all."""
    for position, char in enumerate(value, start=1):
        if "!" <= char <= "~":
            continue
        if char in "\r\n":
            what = "a line break"
        elif char in " \t":
            what = "a space or tab"
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            what = "a control character"
        else:
            what = "a character outside ASCII (e.g. a typographic quote or dash)"
        return f"{what} at character {position}"
    return None


def _tuning(name: str, default: float, *, low: float, high: float, low_allowed: bool, allowed: str) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    above_low = value >= low if low_allowed else value > low
    if not (math.isfinite(value) and above_low and value <= high):
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise VendorSettingError("vendor", f"{name}: found {shown!r}; allowed: {allowed}")
    return value


def backoff_factor() -> float:
    return _tuning(
        "VENDOR_API_BACKOFF_FACTOR",
        DEFAULT_BACKOFF_FACTOR,
        low=0,
        high=MAX_BACKOFF_FACTOR,
        low_allowed=True,
        allowed=f"a number of seconds from 0 to {MAX_BACKOFF_FACTOR:g}",
    )


def deadline_seconds() -> float:
    return _tuning(
        "VENDOR_API_DEADLINE_SECONDS",
        DEFAULT_DEADLINE_SECONDS,
        low=0,
        high=MAX_DEADLINE_SECONDS,
        low_allowed=False,
        allowed=f"a number of seconds above 0, at most {MAX_DEADLINE_SECONDS:g}",
    )


def check_base_url(vendor: str, base_url: str) -> str:
    """The base URL, if credentials may be sent to it: https, or http to a loopback address."""
    parts = urlsplit(base_url)
    shown = parts._replace(netloc=parts.hostname or "").geturl() if parts.username or parts.password else base_url
    if parts.username or parts.password:
        raise VendorSettingError(
            vendor, f"base URL {shown!r} carries credentials; allowed: https://host[/path], credentials in headers"
        )
    if parts.scheme == "https" and parts.hostname:
        return base_url
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return base_url
    raise VendorSettingError(
        vendor,
        f"base URL {shown!r}: credentials are sent only over https; "
        "allowed: https://..., or http:// to 127.0.0.1, ::1 or localhost (local test servers)",
    )


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class VendorClient:
    """JSON over HTTPS to one vendor. `credential_hint` names where the credentials come from."""

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        credential_hint: str,
        auth: tuple[str, str] | None = None,
        bearer_token: str | None = None,
        retries: int = DEFAULT_RETRIES,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.vendor = vendor
        self.base_url = check_base_url(vendor, base_url).rstrip("/")
        self.credential_hint = credential_hint
        self.timeout = timeout
        self.deadline = deadline_seconds()
        self.retries = retries
        self._secrets = [s for s in (*(auth or ()), bearer_token) if s]
        for secret in self._secrets:
            problem = credential_problem(secret)
            if problem:  # the value is never shown: only what is wrong with it, and where
                raise VendorSettingError(
                    vendor,
                    f"a credential from {credential_hint} holds {problem} (value not shown); "
                    "allowed: visible ASCII characters only",
                )
        factor = backoff_factor()
        self._sessions = {
            idempotent: self._session(auth, bearer_token, self._retry(idempotent, factor))
            for idempotent in (True, False)
        }

    def _retry(self, idempotent: bool, factor: float) -> Retry:
        retries = self.retries
        return DeadlineRetry(
            total=retries,
            connect=retries,  # no connection, nothing sent: always safe to try again
            read=0,  # a request whose answer was lost may have taken effect; do not send it twice
            other=0,
            status=retries,
            status_forcelist=RETRIED_STATUSES if idempotent else RETRIED_STATUSES_NOT_IDEMPOTENT,
            allowed_methods=None,  # the forcelist above already says what is safe for this kind of call
            backoff_factor=factor,
            respect_retry_after_header=True,
            raise_on_status=False,
        )

    @staticmethod
    def _session(auth: tuple[str, str] | None, bearer_token: str | None, retry: Retry) -> requests.Session:
        session = requests.Session()
        session.auth = auth
        if bearer_token:
            session.headers["Authorization"] = f"Bearer {bearer_token}"
        session.headers["Accept"] = "application/json"
        session.headers["User-Agent"] = "motion-mavericks-portal-infra"
        adapter = DeadlineAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        not_found: str | None = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one call and return its decoded JSON body (None when empty).

        `not_found` is the message for a 404, naming what the caller looked for. `idempotent` says
        whether sending the call twice is harmless (default: by its method; see the module's doc).
        """
        method = method.upper()
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        url = f"{self.base_url}/{path.lstrip('/')}"
        session = self._sessions[repeatable]
        deadline = Deadline(self.deadline)
        try:
            with deadline:
                response = session.request(
                    method, url, json=json, params=params, timeout=self.timeout, allow_redirects=False
                )
        except DeadlineExceeded:
            raise self._late(method, path) from None
        except requests.exceptions.RetryError as error:
            if deadline.expired:
                raise self._late(method, path) from None
            raise VendorAPIError(
                self.vendor, f"{method} {path}: still failing after {self.retries} retries ({self._reason(error)})"
            ) from None
        except requests.exceptions.RequestException as error:
            if deadline.expired:
                raise self._late(method, path) from None
            raise VendorAPIError(
                self.vendor, f"{method} {path}: cannot reach {self.base_url} ({self._reason(error)})"
            ) from None
        if deadline.expired:
            raise self._late(method, path)
        if 200 <= response.status_code < 300:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise VendorAPIError(
                    self.vendor, f"{method} {path}: answer is not JSON", response.status_code
                ) from None
        raise self._error(method, path, response, not_found, repeatable)

    def _late(self, method: str, path: str) -> VendorAPIError:
        return VendorAPIError(
            self.vendor,
            f"{method} {path}: no complete answer within {self.deadline:g} s (the overall deadline of one call, "
            f"retries included; VENDOR_API_DEADLINE_SECONDS)",
        )

    def _error(
        self, method: str, path: str, response: requests.Response, not_found: str | None, repeatable: bool
    ) -> VendorAPIError:
        status = response.status_code
        detail = self._detail(response)
        if status in (401, 403):
            message = f"credentials rejected (HTTP {status}); check {self.credential_hint}"
        elif status == 404:
            message = not_found or f"{method} {path}: not found (HTTP 404)"
        elif 300 <= status < 400:
            message = f"{method} {path}: HTTP {status} redirect, not followed (credentials go to the base URL only)"
        elif status == 429 or (repeatable and status in RETRIED_STATUSES):
            message = f"{method} {path}: HTTP {status} after {self.retries} retries"
        elif status >= 500:
            message = (
                f"{method} {path}: HTTP {status}, not retried: the vendor may have acted on it (a {method} is not "
                "safe to repeat); check the result before trying again"
            )
        else:
            message = f"{method} {path}: HTTP {status}"
        if detail:
            message += f": {detail}"
        return VendorAPIError(self.vendor, message, status)

    def _detail(self, response: requests.Response) -> str:
        """The vendor's own error text, redacted of our secrets, then shortened."""
        try:
            body = response.json()
        except ValueError:
            text = response.text
        else:
            if isinstance(body, dict):
                text = str(body.get("error") or body.get("message") or body.get("detail") or "")
            else:
                text = str(body)
        return shorten(text, self._secrets, DETAIL_LIMIT)

    def _reason(self, error: Exception) -> str:
        # urllib3's messages carry the URL (never credentials: those are headers); keep them short.
        reason = error.args[0] if error.args else error
        return shorten(str(reason), self._secrets, 200)
