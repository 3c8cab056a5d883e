"""The steps behind `python -m ops.preview_env`: create, delete and clean up a pull request's preview
environment (one Neon branch, a `DATABASE_URL` preview variable per dev site scoped to the git branch).

Every step first looks at what exists and changes only what is not already right, so running a command
again after a failure part-way resumes it, and running `create` on every push changes nothing that is
already in place (see docs/previews.md, "Re-runs and failures").
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from components.database_url import postgres_uri
from components.settings import NEON_AU_REGIONS, Settings
from ops.isolation import Credentials, ProdStack, Refused, refuse_prod_capable
from ops.neon import Branch, Endpoint, NeonApi, Project, rfc3339
from ops.vercel import Marker, Variable, VercelApi
from vendor_api import VendorAPIError

VARIABLE = "DATABASE_URL"
BRANCH_PREFIX = "preview/pr-"
PREVIEW_BRANCH = re.compile(r"^preview/pr-(\d+)$")
# `create` sets the expiry again only when it is off by more than this, so pushes in quick succession
# change nothing in Neon; a branch expires `expiryDays` after the last push, give or take this margin.
RENEW_AFTER = timedelta(days=1)


def neon_branch_name(pr: int) -> str:
    return f"{BRANCH_PREFIX}{pr}"


@dataclass
class Outcome:
    """What a command did, for its output, the pull-request comment and the exit code."""

    command: str
    changed: bool = False
    report: dict[str, Any] = field(default_factory=dict)


class PreviewEnvironment:
    def __init__(
        self,
        stack: str,
        settings: Settings,
        neon: NeonApi,
        vercel: VercelApi,
        say: Callable[[str], None],
        hide: Callable[[str], None],
        now: datetime | None = None,
    ) -> None:
        self.stack, self.settings, self.neon, self.vercel = stack, settings, neon, vercel
        self.say, self.hide = say, hide  # hide: a secret that output must never show
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.outcome = Outcome("")
        self.projects = tuple(site.name for _, site in settings.vercel.sites.items())

    # --- guards ---------------------------------------------------------------------------------------

    def refuse_prod_capable_credentials(self, prod_stacks: Iterable[ProdStack]) -> None:
        """Refuse to run with a credential that can see a prod resource: these jobs run a pull request's
        preview, and no pull-request job may hold a credential that can read or change prod (ops.isolation)."""
        refuse_prod_capable(Credentials(neon=self.neon, vercel=self.vercel), prod_stacks, self.say)

    def _project(self, *, creating: bool) -> Project:
        neon = self.settings.neon
        project = self.neon.find_project(neon.project_name, neon.org_id)
        if project is None:
            where = f" in organisation {neon.org_id}" if neon.org_id else ""
            raise VendorAPIError(
                "Neon",
                f"no project named {neon.project_name!r}{where} visible to NEON_API_KEY (stack {self.stack!r}, "
                f"neon.projectName)",
                404,
            )
        if creating and project.region not in NEON_AU_REGIONS:
            raise Refused(
                f"Neon project {project.name!r} ({project.id}) is in region {project.region!r}, outside Australia; "
                f"a preview branch would hold data there; allowed: {', '.join(NEON_AU_REGIONS)}. Nothing was created."
            )
        return project

    @staticmethod
    def _owned(branch: Branch) -> None:
        if branch.default or branch.protected:
            kind = "the project's default branch" if branch.default else "a protected branch"
            raise Refused(f"Neon branch {branch.name!r} ({branch.id}) is {kind}; preview commands never touch it")

    # --- create ---------------------------------------------------------------------------------------

    def create(self, pr: int, git_branch: str) -> Outcome:
        self.outcome = Outcome("create")
        previews = self.settings.preview_branches
        project = self._project(creating=True)
        name = neon_branch_name(pr)
        expires_at = self.now + timedelta(days=previews.expiry_days)
        branch = self.neon.branch_named(project, name)
        endpoint: Endpoint | None = None
        parent_name = previews.parent_branch or "the default branch"
        if branch is None:
            parent = self._parent(project)
            parent_name = parent.name
            try:
                branch, endpoint = self.neon.create_branch(project, name, parent, previews.data, expires_at)
            except VendorAPIError as error:
                if error.status != 409:
                    raise
                branch = self.neon.branch_named(project, name)  # made by another run meanwhile
                if branch is None:
                    raise
                self.say(f"Neon: branch {name} appeared meanwhile (HTTP 409); using it")
            else:
                self._changed()
                self.say(
                    f"Neon: created branch {name} ({branch.id}) from {parent.name} ({previews.data}) in project "
                    f"{project.name}, {project.region}; expires {rfc3339(expires_at)}"
                )
        else:
            self._owned(branch)
            if branch.expires_at is None or abs(branch.expires_at - expires_at) > RENEW_AFTER:
                self.neon.set_expiry(project, branch, expires_at)
                self._changed()
                self.say(f"Neon: branch {name} ({branch.id}) now expires {rfc3339(expires_at)}")
            else:
                expires_at = branch.expires_at
                self.say(f"Neon: branch {name} ({branch.id}) exists, expires {rfc3339(expires_at)}; unchanged")

        endpoint = endpoint or self.neon.read_write_endpoint(project, branch)
        if endpoint is None:
            endpoint = self.neon.create_endpoint(project, branch)
            self._changed()
            self.say(f"Neon: added read-write endpoint {endpoint.id} to {name}")
        password = self._role_and_database(project, branch)
        self._variables(pr, git_branch, project, branch, endpoint, password)
        self.outcome.report = {
            "command": "create",
            "pr": pr,
            "gitBranch": git_branch,
            "stack": self.stack,
            "neonProject": project.name,
            "neonRegion": project.region,
            "neonBranch": name,
            "neonBranchId": branch.id,
            "copiedFrom": parent_name,
            "data": previews.data,
            "expiresAt": rfc3339(expires_at),
            "vercelProjects": list(self.projects),
            "changed": self.outcome.changed,
        }
        return self.outcome

    def _parent(self, project: Project) -> Branch:
        previews = self.settings.preview_branches
        branches = self.neon.branches(project)
        if previews.parent_branch is None:
            parent = next((b for b in branches if b.default), None)
            if parent is None:
                raise VendorAPIError("Neon", f"project {project.name} ({project.id}) has no default branch")
            return parent
        parent = next((b for b in branches if b.name == previews.parent_branch), None)
        if parent is None:
            names = ", ".join(sorted(b.name for b in branches if not PREVIEW_BRANCH.match(b.name))) or "none"
            raise Refused(
                f"neon.previews.parentBranch: found {previews.parent_branch!r}; no such branch in project "
                f"{project.name}; allowed: one of its branches ({names})"
            )
        if previews.data == "parent-data" and parent.default:
            raise Refused(
                f"neon.previews.parentBranch: found {parent.name!r}, the project's default branch, with data "
                f"parent-data; previews would copy dev's data. Allowed: a maintained, anonymised base branch, or "
                f"data: schema-only."
            )
        return parent

    def _role_and_database(self, project: Project, branch: Branch) -> str | None:
        """Make sure the app's role and database exist on the branch; the role's password if it was just
        created (Neon shows it once)."""
        neon = self.settings.neon
        password = None
        if not self.neon.has_role(project, branch, neon.app_role):
            password = self.neon.create_role(project, branch, neon.app_role)
            self.hide(password)
            self._changed()
            self.say(f"Neon: created role {neon.app_role} on {branch.name}")
        if not self.neon.has_database(project, branch, neon.database):
            self.neon.create_database(project, branch, neon.database, neon.app_role)
            self._changed()
            self.say(f"Neon: created database {neon.database} on {branch.name}")
        return password

    def _variables(
        self, pr: int, git_branch: str, project: Project, branch: Branch, endpoint: Endpoint, password: str | None
    ) -> None:
        current = {p: self._ours(self.vercel.variables(p, git_branch), git_branch) for p in self.projects}
        wanted = (pr, branch.id, endpoint.id)
        markers = [v.marker for found in current.values() for v in found]
        generations = {m.credential for m in markers if m and (m.pr, m.neon_branch, m.endpoint) == wanted}
        in_place = (
            password is None
            and all(
                len(found) == 1 and found[0].marker in {Marker(*wanted, g) for g in generations}
                for found in current.values()
            )
            and len(generations) == 1
        )
        if in_place:
            self.say(f"Vercel: {VARIABLE} for branch {git_branch!r} in {', '.join(self.projects)}: in place; unchanged")
            return
        neon = self.settings.neon
        if password is None:
            # A fresh password for this branch only: its roles start with the parent's passwords, which
            # must not reach a preview. Every site then gets the new one, all with one generation marker.
            password = self.neon.reset_password(project, branch, neon.app_role)
            self.hide(password)
            self._changed()
            self.say(f"Neon: new password for role {neon.app_role} on {branch.name} (this branch only)")
        self.hide(quote(password, safe=""))
        url = postgres_uri(neon.app_role, password, endpoint.host, neon.database)
        self.hide(url)
        marker = Marker(pr, branch.id, endpoint.id, secrets.token_hex(6))
        for name, found in current.items():
            for extra in found[1:]:
                self.vercel.delete(extra)
            self.vercel.upsert(name, VARIABLE, url, git_branch, marker)
            self._changed()
            self.say(f"Vercel: {name}: {VARIABLE} (sensitive, preview, branch {git_branch!r}) set")

    @staticmethod
    def _ours(variables: list[Variable], git_branch: str) -> list[Variable]:
        return [v for v in variables if v.key == VARIABLE and v.git_branch == git_branch and "preview" in v.targets]

    # --- delete and cleanup ---------------------------------------------------------------------------

    def delete(self, pr: int, git_branch: str) -> Outcome:
        self.outcome = Outcome("delete")
        project = self._project(creating=False)
        removed = 0
        for name in self.projects:
            for variable in self.vercel.variables(name, git_branch):
                if variable.key == VARIABLE and variable.marker is not None and variable.marker.pr == pr:
                    removed += self._delete_variable(variable)
        if not removed:
            self.say(f"Vercel: no {VARIABLE} of pull request {pr} for branch {git_branch!r}; nothing to remove")
        branch_name = neon_branch_name(pr)
        branch = self.neon.branch_named(project, branch_name)
        if branch is None:
            self.say(f"Neon: no branch {branch_name}; nothing to remove")
        else:
            self._delete_branch(project, branch)
        self.outcome.report = {
            "command": "delete",
            "pr": pr,
            "gitBranch": git_branch,
            "stack": self.stack,
            "neonBranch": branch_name,
            "changed": self.outcome.changed,
        }
        return self.outcome

    def cleanup(self, open_prs: set[int]) -> Outcome:
        """Remove the preview branches of pull requests that are not open or whose branch has expired, and
        every preview variable whose pull request is closed or whose Neon branch is gone."""
        self.outcome = Outcome("cleanup")
        project = self._project(creating=False)
        branches = self.neon.branches(project)
        alive = {b.id for b in branches if not self._expired(b)}
        stale_branches = [
            b
            for b in branches
            if (m := PREVIEW_BRANCH.match(b.name)) and (int(m[1]) not in open_prs or self._expired(b))
        ]
        removed_variables = 0
        for name in self.projects:
            for variable in self.vercel.variables(name):
                marker = variable.marker
                if marker is not None and (marker.pr not in open_prs or marker.neon_branch not in alive):
                    removed_variables += self._delete_variable(variable)
        removed_branches = []
        for branch in stale_branches:
            if branch.default or branch.protected:
                self.say(f"Neon: {branch.name} ({branch.id}) is default or protected; left alone")
                continue
            if self._delete_branch(project, branch):
                removed_branches.append(branch.name)
        self.say(
            f"Cleanup: {len(removed_branches)} branch(es) and {removed_variables} variable(s) removed; "
            f"open pull requests: {', '.join(map(str, sorted(open_prs))) or 'none'}"
        )
        self.outcome.report = {
            "command": "cleanup",
            "stack": self.stack,
            "removedBranches": removed_branches,
            "removedVariables": removed_variables,
            "changed": self.outcome.changed,
        }
        return self.outcome

    def _expired(self, branch: Branch) -> bool:
        return branch.expires_at is not None and branch.expires_at <= self.now

    def _delete_variable(self, variable: Variable) -> int:
        if self.vercel.delete(variable):
            self._changed()
            where = f"branch {variable.git_branch!r}" if variable.git_branch else "no branch"
            self.say(f"Vercel: {variable.project}: removed {variable.key} ({variable.env_id}, {where})")
            return 1
        return 0

    def _delete_branch(self, project: Project, branch: Branch) -> bool:
        self._owned(branch)
        if self.neon.delete_branch(project, branch):
            self._changed()
            self.say(f"Neon: deleted branch {branch.name} ({branch.id})")
            return True
        self.say(f"Neon: branch {branch.name} ({branch.id}) was already gone")
        return False

    def _changed(self) -> None:
        self.outcome.changed = True
