"""The subset of Neon's API (v2) that preview environments use: the project and its region, branches
(create with `parent_id`, `init_source` and `expires_at`, renew the expiry, delete), read-write
endpoints, the app's role and database on a branch, and Neon's asynchronous operations.

Sources (docs/previews.md, "Sources"): neon.com/docs/reference/api (create, update and delete branch;
endpoints; roles; operations) and neon.com/docs/guides/branching-schema-only. Authentication is
`Authorization: Bearer $NEON_API_KEY`; base URL `NEON_API_BASE_URL`, default Neon's.

Neon answers 423 Locked while another operation runs on the project (one branch's creation blocks the
next call for a few seconds); `NeonApi` waits and tries again, a bounded number of times. A 409 on creating
a branch means one of that name now exists (another run made it): the caller looks it up again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from vendor_api import VendorAPIError, VendorClient

DEFAULT_BASE_URL = "https://console.neon.tech/api/v2"
VENDOR = "Neon"
LOCKED = 423
# Seconds; waits grow 1, 2, 4, 8, 16 x this while Neon answers 423 or an operation is still running.
DEFAULT_WAIT_SECONDS = 1.0
WAIT_VARIABLE = "NEON_OPERATION_WAIT_SECONDS"
LOCKED_ATTEMPTS = 6
OPERATION_POLLS = 30
FINISHED = "finished"
FAILED_OPERATION_STATUSES = frozenset({"failed", "error", "cancelled", "cancelling"})

T = TypeVar("T")


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    region: str


@dataclass(frozen=True)
class Branch:
    id: str
    name: str
    default: bool
    protected: bool
    expires_at: datetime | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Branch:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            default=bool(data.get("default")),
            protected=bool(data.get("protected")),
            expires_at=parse_time(data.get("expires_at")),
        )


@dataclass(frozen=True)
class Endpoint:
    id: str
    host: str


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    """Neon's `expires_at` format: RFC 3339, UTC, precision up to seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_seconds(environ: dict[str, str] | None = None) -> float:
    environ = os.environ if environ is None else environ
    raw = environ.get(WAIT_VARIABLE, "")
    if not raw.strip():
        return DEFAULT_WAIT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60:
        raise ValueError(f"{WAIT_VARIABLE}: found {raw[:40]!r}; allowed: a number of seconds from 0 to 60")
    return value


class NeonApi:
    """The Neon API, for previews (not `components.settings.Neon`, the stack's `neon` settings)."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        self.client = VendorClient(VENDOR, base_url, credential_hint="NEON_API_KEY", bearer_token=api_key)
        self.wait = wait

    # --- projects -----------------------------------------------------------------------------------

    def find_project(self, name: str, org_id: str | None = None) -> Project | None:
        """The project named exactly `name` visible to the key, or None; two of that name is an error."""
        params = {"search": name, "limit": "100"}
        if org_id:
            params["org_id"] = org_id
        answer = self._call("GET", "/projects", params=params) or {}
        matches = [p for p in answer.get("projects", []) if p.get("name") == name]
        if len(matches) > 1:
            ids = ", ".join(str(p.get("id", "?")) for p in matches)
            raise VendorAPIError(VENDOR, f"{len(matches)} projects are named {name!r} ({ids})")
        if not matches:
            return None
        found = matches[0]
        return Project(str(found["id"]), name, str(found.get("region_id", "")))

    # --- branches -----------------------------------------------------------------------------------

    def branches(self, project: Project, search: str | None = None) -> list[Branch]:
        params = {"search": search} if search else None
        answer = self._call(
            "GET",
            f"/projects/{quote(project.id)}/branches",
            params=params,
            not_found=f"project {project.name} ({project.id}) not found",
        )
        return [Branch.from_api(b) for b in (answer or {}).get("branches", [])]

    def branch_named(self, project: Project, name: str) -> Branch | None:
        return next((b for b in self.branches(project, search=name) if b.name == name), None)

    def create_branch(
        self, project: Project, name: str, parent: Branch, init_source: str, expires_at: datetime
    ) -> tuple[Branch, Endpoint | None]:
        """Create the branch with a read-write endpoint and wait for Neon to finish. A 409 (the name now
        exists) is raised for the caller to look the branch up again."""
        body = {
            "branch": {
                "name": name,
                "parent_id": parent.id,
                "init_source": init_source,
                "expires_at": rfc3339(expires_at),
            },
            "endpoints": [{"type": "read_write"}],
        }
        answer = self._call("POST", f"/projects/{quote(project.id)}/branches", json=body) or {}
        branch = Branch.from_api(answer["branch"])
        endpoint = next(
            (
                Endpoint(str(e["id"]), str(e["host"]))
                for e in answer.get("endpoints", [])
                if e.get("type") == "read_write"
            ),
            None,
        )
        self.wait_for(project, answer.get("operations", []))
        return branch, endpoint

    def set_expiry(self, project: Project, branch: Branch, expires_at: datetime) -> None:
        answer = self._call(
            "PATCH",
            f"/projects/{quote(project.id)}/branches/{quote(branch.id)}",
            json={"branch": {"expires_at": rfc3339(expires_at)}},
            not_found=f"branch {branch.name} ({branch.id}) no longer exists",
        )
        self.wait_for(project, (answer or {}).get("operations", []))

    def delete_branch(self, project: Project, branch: Branch) -> bool:
        """Delete the branch; False if it was already gone."""
        try:
            answer = self._call("DELETE", f"/projects/{quote(project.id)}/branches/{quote(branch.id)}")
        except VendorAPIError as error:
            if error.status == 404:
                return False
            raise
        self.wait_for(project, (answer or {}).get("operations", []))
        return True

    # --- endpoints, roles, databases ----------------------------------------------------------------

    def read_write_endpoint(self, project: Project, branch: Branch) -> Endpoint | None:
        answer = self._call("GET", f"/projects/{quote(project.id)}/endpoints") or {}
        return next(
            (
                Endpoint(str(e["id"]), str(e["host"]))
                for e in answer.get("endpoints", [])
                if e.get("branch_id") == branch.id and e.get("type") == "read_write" and e.get("host")
            ),
            None,
        )

    def create_endpoint(self, project: Project, branch: Branch) -> Endpoint:
        answer = self._call(
            "POST",
            f"/projects/{quote(project.id)}/endpoints",
            json={"endpoint": {"branch_id": branch.id, "type": "read_write"}},
        )
        endpoint = (answer or {})["endpoint"]
        self.wait_for(project, (answer or {}).get("operations", []))
        return Endpoint(str(endpoint["id"]), str(endpoint["host"]))

    def has_role(self, project: Project, branch: Branch, role: str) -> bool:
        return self._exists(f"{self._branch_path(project, branch)}/roles/{quote(role)}")

    def create_role(self, project: Project, branch: Branch, role: str) -> str:
        """Create the role on the branch; Neon generates its password and returns it once."""
        answer = self._call("POST", f"{self._branch_path(project, branch)}/roles", json={"role": {"name": role}})
        password = _password(answer)
        self.wait_for(project, (answer or {}).get("operations", []))
        return password

    def reset_password(self, project: Project, branch: Branch, role: str) -> str:
        """A new password for the role on this branch only (a branch's roles start with its parent's
        passwords); returned once, usable when Neon's operations finish."""
        answer = self._call(
            "POST",
            f"{self._branch_path(project, branch)}/roles/{quote(role)}/reset_password",
            not_found=f"no role {role!r} on branch {branch.name}",
        )
        password = _password(answer)
        self.wait_for(project, (answer or {}).get("operations", []))
        return password

    def has_database(self, project: Project, branch: Branch, database: str) -> bool:
        return self._exists(f"{self._branch_path(project, branch)}/databases/{quote(database)}")

    def create_database(self, project: Project, branch: Branch, database: str, owner: str) -> None:
        answer = self._call(
            "POST",
            f"{self._branch_path(project, branch)}/databases",
            json={"database": {"name": database, "owner_name": owner}},
        )
        self.wait_for(project, (answer or {}).get("operations", []))

    # --- Neon's asynchronous operations and its 423 -------------------------------------------------

    def wait_for(self, project: Project, operations: list[dict[str, Any]]) -> None:
        """Wait until every operation has finished; raise if one failed or they take too long."""
        for operation in operations:
            status, polls = str(operation.get("status", "")), 0
            while status != FINISHED:
                if status in FAILED_OPERATION_STATUSES:
                    raise VendorAPIError(
                        VENDOR, f"operation {operation.get('id')} ({operation.get('action')}) ended {status}"
                    )
                if polls >= OPERATION_POLLS:
                    raise VendorAPIError(
                        VENDOR, f"operation {operation.get('id')} ({operation.get('action')}) still {status}"
                    )
                self._sleep(polls)
                polls += 1
                answer = self._call("GET", f"/projects/{quote(project.id)}/operations/{quote(str(operation['id']))}")
                status = str(((answer or {}).get("operation") or {}).get("status", ""))

    def _exists(self, path: str) -> bool:
        try:
            self._call("GET", path)
        except VendorAPIError as error:
            if error.status == 404:
                return False
            raise
        return True

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._while_locked(lambda: self.client.request(method, path, **kwargs), f"{method} {path}")

    def _while_locked(self, call: Callable[[], T], what: str) -> T:
        for attempt in range(LOCKED_ATTEMPTS):
            try:
                return call()
            except VendorAPIError as error:
                if error.status != LOCKED or attempt == LOCKED_ATTEMPTS - 1:
                    if error.status == LOCKED:
                        raise VendorAPIError(
                            VENDOR,
                            f"{what}: the project stayed locked by other operations (HTTP 423) after "
                            f"{LOCKED_ATTEMPTS} attempts; run the command again once they finish",
                            LOCKED,
                        ) from None
                    raise
                self._sleep(attempt)
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int) -> None:
        time.sleep(self.wait * 2 ** min(attempt, 4))

    @staticmethod
    def _branch_path(project: Project, branch: Branch) -> str:
        return f"/projects/{quote(project.id)}/branches/{quote(branch.id)}"


def _password(answer: Any) -> str:
    role = answer.get("role") if isinstance(answer, dict) else None
    password = role.get("password") if isinstance(role, dict) else None
    if not isinstance(password, str) or not password:
        raise VendorAPIError(VENDOR, "the role was changed but Neon's answer holds no password", 200)
    return password
