"""One HTTP client for every vendor API: retries with backoff, clear errors, nothing secret in them.

Retrying is urllib3's (`Retry`): 429 and 5xx answers are retried with exponential backoff, honouring
`Retry-After`, then the last answer is turned into a `VendorAPIError` whose message says what to do.
Credentials travel only in headers; an error message never contains a header, and any text taken from
a response body passes through `redact` with the secrets the caller holds.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRIED_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_RETRIES = 4
# Seconds; the n-th retry waits factor * 2**(n-1) (urllib3 makes the first retry immediate).
# Operators tune it with VENDOR_API_BACKOFF_FACTOR, e.g. to wait longer on a rate-limited account.
DEFAULT_BACKOFF_FACTOR = 0.5
REDACTED = "[redacted]"


class VendorAPIError(Exception):
    """A vendor API call that failed for good. `status` is None when no answer came at all."""

    def __init__(self, vendor: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{vendor} API: {message}")
        self.vendor = vendor
        self.status = status


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every non-empty secret occurring in `text` by a fixed placeholder."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _backoff_factor() -> float:
    raw = os.environ.get("VENDOR_API_BACKOFF_FACTOR")
    if raw is None:
        return DEFAULT_BACKOFF_FACTOR
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise VendorAPIError("vendor", f"VENDOR_API_BACKOFF_FACTOR: found {raw!r}; allowed: a number of seconds >= 0")
    return value


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
        self.base_url = base_url.rstrip("/")
        self.credential_hint = credential_hint
        self.timeout = timeout
        self._secrets = [s for s in (*(auth or ()), bearer_token) if s]
        self._session = requests.Session()
        self._session.auth = auth
        if bearer_token:
            self._session.headers["Authorization"] = f"Bearer {bearer_token}"
        self._session.headers["Accept"] = "application/json"
        self._session.headers["User-Agent"] = "motion-mavericks-portal-infra"
        retry = Retry(
            total=retries,
            connect=retries,
            read=0,  # a request whose answer was lost may have taken effect; do not send it twice
            status=retries,
            status_forcelist=RETRIED_STATUSES,
            allowed_methods=None,  # every method: the vendor refused it (429/5xx) before acting on it
            backoff_factor=_backoff_factor(),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self.retries = retries

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        not_found: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one call and return its decoded JSON body (None when empty).

        `not_found` is the message for a 404, naming what the caller looked for.
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        try:
            response = self._session.request(method, url, json=json, params=params, timeout=self.timeout)
        except requests.exceptions.RetryError as error:
            raise VendorAPIError(
                self.vendor, f"{method} {path}: still failing after {self.retries} retries ({self._reason(error)})"
            ) from None
        except requests.exceptions.RequestException as error:
            raise VendorAPIError(
                self.vendor, f"{method} {path}: cannot reach {self.base_url} ({self._reason(error)})"
            ) from None
        if response.ok:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise VendorAPIError(
                    self.vendor, f"{method} {path}: answer is not JSON", response.status_code
                ) from None
        raise self._error(method, path, response, not_found)

    def _error(self, method: str, path: str, response: requests.Response, not_found: str | None) -> VendorAPIError:
        status = response.status_code
        detail = self._detail(response)
        if status in (401, 403):
            message = f"credentials rejected (HTTP {status}); check {self.credential_hint}"
        elif status == 404:
            message = not_found or f"{method} {path}: not found (HTTP 404)"
        elif status in RETRIED_STATUSES:
            message = f"{method} {path}: HTTP {status} after {self.retries} retries"
        else:
            message = f"{method} {path}: HTTP {status}"
        if detail:
            message += f": {detail}"
        return VendorAPIError(self.vendor, message, status)

    def _detail(self, response: requests.Response) -> str:
        """The vendor's own error text, shortened and with our secrets taken out."""
        try:
            body = response.json()
        except ValueError:
            text = response.text
        else:
            if isinstance(body, dict):
                text = str(body.get("error") or body.get("message") or body.get("detail") or "")
            else:
                text = str(body)
        text = " ".join(text.split())[:300]
        return redact(text, self._secrets)

    def _reason(self, error: Exception) -> str:
        # urllib3's messages carry the URL (never credentials: those are headers); keep them short.
        reason = error.args[0] if error.args else error
        return redact(" ".join(str(reason).split())[:200], self._secrets)
