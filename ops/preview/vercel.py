"""The subset of Vercel's REST API that preview environments use: a project's variables for one git
branch, creating or replacing a branch-scoped preview variable, deleting one, and whether a project is
visible to the token at all.

Sources (docs/previews.md, "Sources"): vercel.com/docs/rest-api/projects: `GET /v10/projects/{idOrName}/env`
(`gitBranch` filters to variables of that branch, which must target preview), `POST
/v10/projects/{idOrName}/env?upsert=true` (an existing variable of the same key, target and git branch
is updated instead of refused), `DELETE /v9/projects/{idOrName}/env/{id}`, `GET /v9/projects/{idOrName}`;
vercel/terraform-provider-vercel `client/environment_variable.go` for the body (`key`, `value`, `type`,
`target`, `gitBranch`, `comment`) and the answer's `created` / `failed`.

A variable's value is `sensitive` and cannot be read back, so the command recognises its own variables
by their `comment`: a marker naming the pull request, the Neon branch and endpoint and the credential's
generation (`Marker`), never anything secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ops.vercel import targets_of, team_params
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
class PreviewVariable:
    project: str
    env_id: str
    key: str
    git_branch: str | None
    targets: tuple[str, ...]
    marker: Marker | None


class VercelApi:
    """The Vercel API, for previews (not `components.settings.Vercel`, the stack's `vercel` settings)."""

    def __init__(self, token: str, team: str, base_url: str = DEFAULT_BASE_URL) -> None:
        self.client = VendorClient(VENDOR, base_url, credential_hint="VERCEL_API_TOKEN", bearer_token=token)
        self.team = team
        self.team_params = team_params(team)

    def project_visible(self, project: str, team: str) -> bool:
        """Whether the token can see the project of `team` at all (404 or 403: it cannot)."""
        try:
            self.client.request("GET", f"/v9/projects/{quote(project)}", params=team_params(team))
        except VendorAPIError as error:
            if error.status in (403, 404):
                return False
            raise
        return True

    def variables(self, project: str, git_branch: str | None = None) -> list[PreviewVariable]:
        """The project's variables; with `git_branch`, only those scoped to that branch."""
        params = dict(self.team_params)
        if git_branch is not None:
            params["gitBranch"] = git_branch
        answer = self.client.request(
            "GET",
            f"/v10/projects/{quote(project)}/env",
            params=params,
            not_found=f"no Vercel project {project!r} in team {self.team!r}",
        )
        envs = answer.get("envs", []) if isinstance(answer, dict) else []
        return [_variable(project, env) for env in envs if isinstance(env, dict) and env.get("id")]

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
            not_found=f"no Vercel project {project!r} in team {self.team!r}",
            idempotent=True,  # upsert: sent twice, the variable ends the same
        )
        failed = answer.get("failed") if isinstance(answer, dict) else None
        if failed:
            codes = ", ".join(str((f.get("error") or {}).get("code", "?")) for f in failed if isinstance(f, dict))
            raise VendorAPIError(VENDOR, f"project {project}: {key} for branch {git_branch!r} not saved ({codes})")

    def delete(self, variable: PreviewVariable) -> bool:
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


def _variable(project: str, env: dict[str, Any]) -> PreviewVariable:
    branch = env.get("gitBranch")
    return PreviewVariable(
        project=project,
        env_id=str(env["id"]),
        key=str(env.get("key", "")),
        git_branch=branch if isinstance(branch, str) and branch else None,
        targets=targets_of(env.get("target")),
        marker=Marker.parse(env.get("comment")),
    )
