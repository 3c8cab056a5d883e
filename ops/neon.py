"""The one client of Neon's API (v2) for every operator command: the project by name and its region,
branches (list; create with `parent_id`, `init_source` and `expires_at`; renew the expiry; delete; the
default branch), read-write endpoints, roles (check, create, reset a password), databases (check, create,
the owner of the first one), and Neon's asynchronous operations. `ops.rotate_neon_password` resets the
stack's roles' passwords; `ops.preview_env` (through `ops.preview.environment`) makes a pull request's
branch; `ops.isolation` asks whether a key sees prod's project.

Sources (docs/previews.md, "Sources"): neon.com/docs/reference/api (projects; create, update and delete
branch; endpoints; roles and reset_password; databases; operations) and
neon.com/docs/guides/branching-schema-only. Authentication is `Authorization: Bearer $NEON_API_KEY`;
base URL `NEON_API_BASE_URL`, default Neon's.

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
    region: str = ""  # Neon's `region_id`; "" when not known (a rotation's journal records none)


@dataclass(frozen=True)
class Branch:
    """A branch; `default`, `protected` and `expires_at` as Neon answered them, or False and None where they
    were not read (a rotation's journal records only the id and name)."""

    id: str
    name: str
    default: bool = False
    protected: bool = False
    expires_at: datetime | None = None

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
    """The Neon API (not `components.settings.Neon`, the stack's `neon` settings)."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        self.client = VendorClient(VENDOR, base_url, credential_hint="NEON_API_KEY", bearer_token=api_key)
        self.wait = wait

    # --- projects -----------------------------------------------------------------------------------

    def find_project(self, name: str, org_id: str | None = None) -> Project | None:
        """The project named exactly `name` visible to the key, or None; two of that name is an error.

        Looked up by name, which needs only the API key: no Pulumi state, no project id in any file."""
        params = {"search": name, "limit": "100"}
        if org_id:
            params["org_id"] = org_id
        answer = self._call("GET", "/projects", params=params) or {}
        matches = [p for p in answer.get("projects", []) if p.get("name") == name]
        if len(matches) > 1:
            ids = ", ".join(str(p.get("id", "?")) for p in matches)
            where = f" in organisation {org_id}" if org_id else ""
            raise VendorAPIError(VENDOR, f"{len(matches)} projects are named {name!r}{where} ({ids})")
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

    def default_branch(self, project_name: str, org_id: str | None = None) -> tuple[Project, Branch, Endpoint]:
        """The project named `project_name` (exactly one), its default branch (else the one named `main`)
        and that branch's read-write endpoint; an error naming what is missing."""
        project = self.find_project(project_name, org_id)
        if project is None:
            where = f" in organisation {org_id}" if org_id else ""
            raise VendorAPIError(
                VENDOR,
                f"no project named {project_name!r}{where} visible to NEON_API_KEY; check neon.projectName in the "
                f"stack file and that the key belongs to the project's account or organisation",
            )
        branches = self.branches(project)
        branch = next((b for b in branches if b.default), None) or next((b for b in branches if b.name == "main"), None)
        if branch is None:
            raise VendorAPIError(VENDOR, f"project {project.name!r} ({project.id}) has no default branch")
        endpoint = self.read_write_endpoint(project, branch)
        if endpoint is None:
            raise VendorAPIError(
                VENDOR, f"branch {branch.name!r} of project {project.name!r} has no read-write endpoint"
            )
        return project, branch, endpoint

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

    # --- endpoints ----------------------------------------------------------------------------------

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

    # --- roles --------------------------------------------------------------------------------------

    def has_role(self, project: Project, branch: Branch, role: str) -> bool:
        return self._exists(f"{self._branch_path(project, branch)}/roles/{quote(role)}")

    def check_role(self, project: Project, branch: Branch, role: str) -> None:
        """Raise, naming the roles that do exist, unless `role` exists on the branch."""
        if self.has_role(project, branch, role):
            return
        roles = (self._call("GET", f"{self._branch_path(project, branch)}/roles") or {}).get("roles", [])
        names = ", ".join(sorted(r.get("name", "?") for r in roles)) or "none"
        raise VendorAPIError(
            VENDOR,
            f"no role {role!r} on branch {branch.name!r} of project {project.name!r}; roles there: {names}",
            404,
        )

    def create_role(self, project: Project, branch: Branch, role: str) -> str:
        """Create the role on the branch; Neon generates its password and returns it once."""
        answer = self._call("POST", f"{self._branch_path(project, branch)}/roles", json={"role": {"name": role}})
        password = _password(answer)
        self.wait_for(project, (answer or {}).get("operations", []))
        return password

    def reset_password(self, project: Project, branch: Branch, role: str, *, wait: bool = True) -> str:
        """A new password for the role on this branch only (a branch's roles start with its parent's
        passwords); Neon generates it and returns it once. It is usable when Neon's operations finish, and
        the old one stops working then; `wait=False` returns as soon as Neon answers (the rotation stores
        the password first, so that no wait can lose it)."""
        answer = self._call(
            "POST",
            f"{self._branch_path(project, branch)}/roles/{quote(role)}/reset_password",
            not_found=f"no role {role!r} on branch {branch.name!r} of project {project.name!r}",
        )
        password = _password(answer)
        if wait:
            self.wait_for(project, (answer or {}).get("operations", []))
        return password

    # --- databases ----------------------------------------------------------------------------------

    def has_database(self, project: Project, branch: Branch, database: str) -> bool:
        return self._exists(f"{self._branch_path(project, branch)}/databases/{quote(database)}")

    def create_database(self, project: Project, branch: Branch, database: str, owner: str) -> None:
        answer = self._call(
            "POST",
            f"{self._branch_path(project, branch)}/databases",
            json={"database": {"name": database, "owner_name": owner}},
        )
        self.wait_for(project, (answer or {}).get("operations", []))

    def owner_role(self, project: Project, branch: Branch) -> str:
        """The role that owns the branch's first database: the project's owner role, created with the project.

        This is the role whose password the Neon provider reveals into the Project resource's state
        (`database_user`, `database_password`, `connection_uri`) on every create and read: it takes the
        branch's databases, sorts them by `created_at` and uses the first one's `owner_name`
        (kislerdm/terraform-provider-neon, `internal/provider/resource_project.go`, `newDbConnectionInfo`
        and `findDefaultDatabase`). Neon API v2: `GET /projects/{id}/branches/{id}/databases`."""
        answer = self._call(
            "GET",
            f"{self._branch_path(project, branch)}/databases",
            not_found=f"branch {branch.name!r} of project {project.name!r} not found",
        )
        databases = answer.get("databases") if isinstance(answer, dict) else None
        if not isinstance(databases, list) or not all(isinstance(d, dict) for d in databases):
            raise VendorAPIError(
                VENDOR, "GET .../databases: expected a list of databases; the API may have changed", 200
            )
        owned = [d for d in databases if isinstance(d.get("owner_name"), str) and d.get("owner_name")]
        if not owned:
            raise VendorAPIError(
                VENDOR, f"branch {branch.name!r} of project {project.name!r} has no database with an owner"
            )
        first = min(owned, key=lambda d: str(d.get("created_at", "")))
        return first["owner_name"]

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
