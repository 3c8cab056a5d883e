"""The subset of Vercel's REST API the operator commands use: a project's environment variables by key,
and editing one's value.

Authentication: `Authorization: Bearer $VERCEL_API_TOKEN`. Base URL `VERCEL_API_BASE_URL`, default
Vercel's. The team is the stack's `vercel.team`: an id (`team_...`) goes as `teamId`, a slug as `slug` (the
API takes either query parameter). A variable's `target` is a list of environments or one environment as a
plain string (Vercel's OpenAPI description, `filterProjectEnvs`: `target: Array<...> | "production" | ...`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from vendor_api import VendorAPIError, VendorClient

DEFAULT_BASE_URL = "https://api.vercel.com"
VENDOR = "Vercel"


@dataclass(frozen=True)
class Variable:
    project: str
    env_id: str
    key: str
    targets: tuple[str, ...]


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
    """The Vercel API, for the rotation (not `components.settings.Vercel`, the stack's `vercel` settings)."""

    def __init__(self, token: str, team: str, base_url: str = DEFAULT_BASE_URL) -> None:
        self.client = VendorClient(VENDOR, base_url, credential_hint="VERCEL_API_TOKEN", bearer_token=token)
        self.team = team
        self.team_params = team_params(team)

    def variables(self, project: str, key: str) -> list[Variable]:
        """Every variable named `key` in the project (one per target set), except those scoped to a git
        branch: those belong to one pull request's preview and hold its own database branch's URL
        (`python -m ops.preview_env`, docs/previews.md), which a stack-wide change must not overwrite."""
        answer = self.client.request(
            "GET",
            f"/v10/projects/{quote(project)}/env",
            params=self.team_params,
            not_found=f"no project {project!r} in team {self.team!r}",
        )
        # Vercel answers an object: `{envs, pagination}`, `{envs}` or `{}` (vercel/sdk FilterProjectEnvsResponseBody).
        envs = answer.get("envs", []) if isinstance(answer, dict) else []
        return [
            Variable(project, env["id"], env["key"], targets_of(env.get("target")))
            for env in envs
            if env.get("key") == key and not env.get("gitBranch")
        ]

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

    @staticmethod
    def no_such_variable(project: str, key: str) -> VendorAPIError:
        return VendorAPIError(
            VENDOR, f"project {project!r} has no {key} variable; `pulumi up` creates it (components/vercel_site.py)"
        )
