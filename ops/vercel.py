"""The one client of Vercel's REST API for every operator command: a project, its domain, whether the
token can see a team's projects or one project at all, a project's environment variables (all, those of
one git branch, or the stack-wide ones of a key), replacing one's value, creating or replacing a
branch-scoped preview variable, and deleting one. `ops.rotate_neon_password` sets the stack-wide
`DATABASE_URL`; `ops.preview_env` (through `ops.preview.environment`) sets and removes a pull request's
preview `DATABASE_URL`; `ops.isolation` asks whether a token sees prod's team or projects; the checks
`ops.checks.vercel_git` and `ops.checks.vercel_domains` read a project's Git link and its domains.

Authentication: `Authorization: Bearer $VERCEL_API_TOKEN`. Base URL `VERCEL_API_BASE_URL`, default
Vercel's. The team is the stack's `vercel.team`: an id (`team_...`) goes as `teamId`, a slug as `slug` (the
API takes either query parameter). A variable's `target` is a list of environments or one environment as a
plain string (Vercel's OpenAPI description, `filterProjectEnvs`: `target: Array<...> | "production" | ...`).

Sources (docs/previews.md, "Sources"): vercel.com/docs/rest-api/projects: `GET /v10/projects`, `GET
/v9/projects/{idOrName}`, `GET /v9/projects/{idOrName}/domains/{domain}`, `GET /v10/projects/{idOrName}/env`
(`gitBranch` filters to variables of that branch, which must target preview), `PATCH
/v9/projects/{idOrName}/env/{id}`, `POST /v10/projects/{idOrName}/env?upsert=true` (an existing variable of
the same key, target and git branch is updated instead of refused), `DELETE /v9/projects/{idOrName}/env/{id}`;
vercel/terraform-provider-vercel `client/environment_variable.go` for the body (`key`, `value`, `type`,
`target`, `gitBranch`, `comment`) and the answer's `created` / `failed`.

A preview variable's value is `sensitive` and cannot be read back, so `ops.preview_env` recognises its own
variables by their `comment`: a marker naming the pull request, the Neon branch and endpoint and the
credential's generation (`Marker`), never anything secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ops.common import CANNOT_SEE
from vendor_api import VendorAPIError, VendorClient

DEFAULT_BASE_URL = "https://api.vercel.com"
VENDOR = "Vercel"
MARKER_PREFIX = "motion-mavericks preview-env"
MARKER = re.compile(
    rf"^{MARKER_PREFIX} pr=(?P<pr>\d+) neon-branch=(?P<branch>\S+) endpoint=(?P<endpoint>\S+) "
    r"credential=(?P<credential>[0-9a-f]+)$"
)


@dataclass(frozen=True)
class Marker:
    """What a preview variable was made for; kept in the variable's `comment`."""

    pr: int
    neon_branch: str
    endpoint: str
    credential: str

    def text(self) -> str:
        return (
            f"{MARKER_PREFIX} pr={self.pr} neon-branch={self.neon_branch} endpoint={self.endpoint} "
            f"credential={self.credential}"
        )

    @classmethod
    def parse(cls, comment: Any) -> Marker | None:
        match = MARKER.match(comment) if isinstance(comment, str) else None
        if not match:
            return None
        return cls(int(match["pr"]), match["branch"], match["endpoint"], match["credential"])


@dataclass(frozen=True)
class Variable:
    """One of a project's environment variables (its value is never read)."""

    project: str
    env_id: str
    key: str
    targets: tuple[str, ...]
    git_branch: str | None = None  # set only on a variable scoped to one git branch (a preview's)
    marker: Marker | None = None  # set only on a preview variable `ops.preview_env` made


def team_params(team: str) -> dict[str, str]:
    """The query parameter naming the team: `teamId` for an id (`team_...`), `slug` for a slug."""
    return {"teamId": team} if team.startswith("team_") else {"slug": team}


def targets_of(target: object) -> tuple[str, ...]:
    """A variable's environments: Vercel answers a list, or a single environment as a plain string."""
    if isinstance(target, str):
        return (target,)
    if isinstance(target, list):
        return tuple(str(item) for item in target)
    return ()


class VercelApi:
    """The Vercel API (not `components.settings.Vercel`, the stack's `vercel` settings)."""

    def __init__(self, token: str, team: str, base_url: str = DEFAULT_BASE_URL) -> None:
        self.client = VendorClient(VENDOR, base_url, credential_hint="VERCEL_API_TOKEN", bearer_token=token)
        self.team = team
        self.team_params = team_params(team)

    def project(self, project: str, team: str | None = None) -> Any:
        """`GET /v9/projects/{idOrName}` in the stack's team (or `team`): Vercel's answer, the project (its
        Git `link` among it); a VendorAPIError with status 404 when there is no such project."""
        params = self.team_params if team is None else team_params(team)
        return self.client.request("GET", f"/v9/projects/{quote(project)}", params=params)

    def project_visible(self, project: str, team: str) -> bool:
        """Whether the token can see the project of `team` at all (404 or 403: it cannot)."""
        return _visible(lambda: self.project(project, team))

    def projects_visible(self, team: str) -> bool:
        """Whether the token can list the projects of `team` (`GET /v10/projects`, one is enough; 404 or 403:
        it cannot)."""
        return _visible(lambda: self.client.request("GET", "/v10/projects", params={**team_params(team), "limit": "1"}))

    def project_domain(self, project: str, domain: str) -> Any:
        """`GET /v9/projects/{idOrName}/domains/{domain}` in the stack's team: Vercel's answer (`verified`,
        `verification[]`); a VendorAPIError with status 404 when the domain is not on the project."""
        path = f"/v9/projects/{quote(project)}/domains/{quote(domain)}"
        return self.client.request("GET", path, params=self.team_params)

    def variables(self, project: str, git_branch: str | None = None) -> list[Variable]:
        """The project's variables; with `git_branch`, only those scoped to that branch."""
        params = dict(self.team_params)
        if git_branch is not None:
            params["gitBranch"] = git_branch
        answer = self.client.request(
            "GET",
            f"/v10/projects/{quote(project)}/env",
            params=params,
            not_found=f"no project {project!r} in team {self.team!r}",
        )
        # Vercel answers an object: `{envs, pagination}`, `{envs}` or `{}` (vercel/sdk FilterProjectEnvsResponseBody).
        envs = answer.get("envs", []) if isinstance(answer, dict) else []
        return [_variable(project, env) for env in envs if isinstance(env, dict) and env.get("id")]

    def stack_wide_variables(self, project: str, key: str) -> list[Variable]:
        """Every variable named `key` in the project (one per target set), except those scoped to a git
        branch: those belong to one pull request's preview and hold its own database branch's URL
        (`python -m ops.preview_env`, docs/previews.md), which a stack-wide change must not overwrite."""
        return [v for v in self.variables(project) if v.key == key and v.git_branch is None]

    def set_value(self, variable: Variable, value: str) -> None:
        """Replace the variable's value; its type (sensitive), targets and key stay as they are."""
        self.client.request(
            "PATCH",
            f"/v9/projects/{quote(variable.project)}/env/{quote(variable.env_id)}",
            json={"value": value},
            params=self.team_params,
            idempotent=True,  # setting the same value twice is harmless: retried after a 5xx
            not_found=(
                f"variable {variable.key} ({variable.env_id}) no longer exists in project {variable.project!r}; "
                f"if `pulumi up` recreated it, --resume looks it up again"
            ),
        )

    def upsert(self, project: str, key: str, value: str, git_branch: str, marker: Marker) -> None:
        """Create the sensitive preview variable for `git_branch`, or replace the one already there."""
        body = {
            "key": key,
            "value": value,
            "type": "sensitive",
            "target": ["preview"],
            "gitBranch": git_branch,
            "comment": marker.text(),
        }
        answer = self.client.request(
            "POST",
            f"/v10/projects/{quote(project)}/env",
            json=body,
            params={**self.team_params, "upsert": "true"},
            not_found=f"no project {project!r} in team {self.team!r}",
            idempotent=True,  # upsert: sent twice, the variable ends the same
        )
        failed = answer.get("failed") if isinstance(answer, dict) else None
        if failed:
            codes = ", ".join(str((f.get("error") or {}).get("code", "?")) for f in failed if isinstance(f, dict))
            raise VendorAPIError(VENDOR, f"project {project}: {key} for branch {git_branch!r} not saved ({codes})")

    def delete(self, variable: Variable) -> bool:
        """Delete the variable; False if it was already gone."""
        try:
            self.client.request(
                "DELETE",
                f"/v9/projects/{quote(variable.project)}/env/{quote(variable.env_id)}",
                params=self.team_params,
            )
        except VendorAPIError as error:
            if error.status == 404:
                return False
            raise
        return True

    @staticmethod
    def no_such_variable(project: str, key: str) -> VendorAPIError:
        return VendorAPIError(
            VENDOR, f"project {project!r} has no {key} variable; `pulumi up` creates it (components/vercel_site.py)"
        )


def _visible(call: Callable[[], object]) -> bool:
    try:
        call()
    except VendorAPIError as error:
        if error.status in CANNOT_SEE:
            return False
        raise
    return True


def _variable(project: str, env: dict[str, Any]) -> Variable:
    branch = env.get("gitBranch")
    return Variable(
        project=project,
        env_id=str(env["id"]),
        key=str(env.get("key", "")),
        targets=targets_of(env.get("target")),
        git_branch=branch if isinstance(branch, str) and branch else None,
        marker=Marker.parse(env.get("comment")),
    )
