"""The subset of Neon's API (v2) the operator commands use: find a project by name, its default branch
and read-write host, a role, the project's owner role, and reset a role's password.

Authentication: `Authorization: Bearer $NEON_API_KEY`. Base URL `NEON_API_BASE_URL`, default Neon's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from vendor_api import VendorAPIError, VendorClient

DEFAULT_BASE_URL = "https://console.neon.tech/api/v2"
VENDOR = "Neon"


@dataclass(frozen=True)
class Branch:
    project_id: str
    project_name: str
    branch_id: str
    branch_name: str
    host: str  # the branch's read-write endpoint


class NeonApi:
    """The Neon API, for the rotation (not `components.settings.Neon`, the stack's `neon` settings)."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL) -> None:
        self.client = VendorClient(VENDOR, base_url, credential_hint="NEON_API_KEY", bearer_token=api_key)

    def default_branch(self, project_name: str, org_id: str | None = None) -> Branch:
        """The project named `project_name` (exactly one), its default branch and read-write host.

        Looked up by name, which needs only the API key: no Pulumi state, no project id in any file."""
        params = {"search": project_name, "limit": "100"}
        if org_id:
            params["org_id"] = org_id
        answer = self.client.request("GET", "/projects", params=params) or {}
        matches = [p for p in answer.get("projects", []) if p.get("name") == project_name]
        where = f" in organisation {org_id}" if org_id else ""
        if not matches:
            raise VendorAPIError(
                VENDOR,
                f"no project named {project_name!r}{where} visible to NEON_API_KEY; check neon.projectName in the "
                f"stack file and that the key belongs to the project's account or organisation",
            )
        if len(matches) > 1:
            ids = ", ".join(p.get("id", "?") for p in matches)
            raise VendorAPIError(VENDOR, f"{len(matches)} projects are named {project_name!r}{where} ({ids})")
        project_id = matches[0]["id"]

        branches = self.client.request(
            "GET", f"/projects/{quote(project_id)}/branches", not_found=f"project {project_id} not found"
        )
        branches = (branches or {}).get("branches", [])
        branch = next((b for b in branches if b.get("default")), None) or next(
            (b for b in branches if b.get("name") == "main"), None
        )
        if branch is None:
            raise VendorAPIError(VENDOR, f"project {project_name!r} ({project_id}) has no default branch")

        endpoints = self.client.request("GET", f"/projects/{quote(project_id)}/endpoints") or {}
        endpoint = next(
            (
                e
                for e in endpoints.get("endpoints", [])
                if e.get("branch_id") == branch["id"] and e.get("type") == "read_write"
            ),
            None,
        )
        if endpoint is None or not endpoint.get("host"):
            raise VendorAPIError(
                VENDOR, f"branch {branch.get('name')!r} of project {project_name!r} has no read-write endpoint"
            )
        return Branch(project_id, project_name, branch["id"], branch.get("name", branch["id"]), endpoint["host"])

    def check_role(self, branch: Branch, role: str) -> None:
        """Raise, naming the roles that do exist, unless `role` exists on the branch."""
        path = f"/projects/{quote(branch.project_id)}/branches/{quote(branch.branch_id)}/roles"
        try:
            self.client.request("GET", f"{path}/{quote(role)}")
        except VendorAPIError as error:
            if error.status != 404:
                raise
            roles = (self.client.request("GET", path) or {}).get("roles", [])
            names = ", ".join(sorted(r.get("name", "?") for r in roles)) or "none"
            raise VendorAPIError(
                VENDOR,
                f"no role {role!r} on branch {branch.branch_name!r} of project {branch.project_name!r}; "
                f"roles there: {names}",
                404,
            ) from None

    def owner_role(self, branch: Branch) -> str:
        """The role that owns the branch's first database: the project's owner role, created with the project.

        This is the role whose password the Neon provider reveals into the Project resource's state
        (`database_user`, `database_password`, `connection_uri`) on every create and read: it takes the
        branch's databases, sorts them by `created_at` and uses the first one's `owner_name`
        (kislerdm/terraform-provider-neon, `internal/provider/resource_project.go`, `newDbConnectionInfo`
        and `findDefaultDatabase`). Neon API v2: `GET /projects/{id}/branches/{id}/databases`."""
        answer = self.client.request(
            "GET",
            f"/projects/{quote(branch.project_id)}/branches/{quote(branch.branch_id)}/databases",
            not_found=f"branch {branch.branch_name!r} of project {branch.project_name!r} not found",
        )
        databases = answer.get("databases") if isinstance(answer, dict) else None
        if not isinstance(databases, list) or not all(isinstance(d, dict) for d in databases):
            raise VendorAPIError(
                VENDOR, "GET .../databases: expected a list of databases; the API may have changed", 200
            )
        owned = [d for d in databases if isinstance(d.get("owner_name"), str) and d.get("owner_name")]
        if not owned:
            raise VendorAPIError(
                VENDOR,
                f"branch {branch.branch_name!r} of project {branch.project_name!r} has no database with an owner",
            )
        first = min(owned, key=lambda d: str(d.get("created_at", "")))
        return first["owner_name"]

    def reset_password(self, branch: Branch, role: str) -> str:
        """Reset the role's password; Neon generates the new one and returns it once. It is usable when
        Neon's operations finish, and the old one stops working then."""
        answer = self.client.request(
            "POST",
            f"/projects/{quote(branch.project_id)}/branches/{quote(branch.branch_id)}/roles/{quote(role)}"
            "/reset_password",
            not_found=f"no role {role!r} on branch {branch.branch_name!r} of project {branch.project_name!r}",
        )
        password = _password(answer)
        if not password:
            raise VendorAPIError(VENDOR, "reset_password answered without a password", 200)
        return password


def _password(answer: Any) -> str | None:
    if isinstance(answer, dict) and isinstance(answer.get("role"), dict):
        value = answer["role"].get("password")
        return value if isinstance(value, str) else None
    return None
