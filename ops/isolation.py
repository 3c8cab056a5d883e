"""Can this credential reach prod? One read-only question per vendor, asked before a pull request's code runs.

The pull-request jobs (`pull-request.yml` `preview`, `preview-env.yml`) hold the `preview-dev` /
`preview-staging` secrets. They must never hold a credential that can read or change prod. The stack files
put prod in accounts of its own (`account_isolation`), but a secret is pasted into GitHub by hand: the
wrong token in the wrong environment is the mistake this guards against. So each vendor is asked whether the
credential can see what prod's stack file names:

- Neon, `NEON_API_KEY`: `GET /projects?search=<prod project>&org_id=<org>`; it reaches prod when prod's
  project is listed.
- Vercel, `VERCEL_API_TOKEN`: `GET /v10/projects?slug=<prod team>&limit=1` (a token scoped to prod's team
  lists its projects), then `GET /v9/projects/<each prod project>?slug=<prod team>` (a project-scoped token
  reads its one project); it reaches prod when either answers.
- Upstash, `UPSTASH_EMAIL` + `UPSTASH_API_KEY`: `GET /v2/redis/databases`; it reaches prod when prod's
  database is among the key's databases.
- Sentry, `SENTRY_AUTH_TOKEN`: `GET /api/0/organizations/<prod org>/` on prod's data-storage host; it
  reaches prod when that answers.

403 and 404 mean "cannot see". Anything else (a rejected credential, a 5xx) proves nothing, and is an error.
Sources: neon.com/docs/reference/api (list projects; project-scoped API keys, neon.com/docs/manage/api-keys),
vercel.com/docs/rest-api (`GET /v10/projects`, `GET /v9/projects/{idOrName}`; tokens scoped to an account,
a team or one project: vercel.com/docs/accounts/access-tokens), upstash.com/docs/devops/developer-api
(`GET /v2/redis/databases`, the databases of the key's account or team), docs.sentry.io/api/organizations/
(retrieve an organisation; organisation tokens and internal integrations are bound to one organisation:
docs.sentry.io/account/auth-tokens).

This guards against misconfiguration. It runs from the reviewed base commit, but a pull request that holds
the same secrets could skip it by changing the workflow: what protects prod from a malicious branch is that
the non-prod environments hold no prod credential at all (docs/delivery.md, "The credential guard").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import account_isolation
from ops.common import CANNOT_SEE
from vendor_api import VendorAPIError, VendorClient

if TYPE_CHECKING:
    from components.settings import Settings
    from ops.neon import NeonApi
    from ops.vercel import VercelApi

WHERE = "docs/delivery.md, 'The credential guard'"


class Refused(Exception):
    """The command will not act (wrong region, a prod-capable credential, a branch it does not own)."""


@dataclass(frozen=True)
class ProdStack:
    """Where a prod stack's resources are, to prove a non-prod credential cannot reach them."""

    stack: str
    neon_project: str
    neon_org: str | None
    vercel_team: str
    vercel_projects: tuple[str, ...]
    upstash_database: str = ""
    sentry_organization: str = ""
    sentry_host: str = ""  # https://us.sentry.io or https://de.sentry.io

    @classmethod
    def of(cls, stack: str, settings: Settings) -> ProdStack:
        return cls(
            stack,
            settings.neon.project_name,
            settings.neon.org_id,
            settings.vercel.team,
            tuple(site.name for _, site in settings.vercel.sites.items()),
            settings.upstash.database_name,
            settings.sentry.organization,
            f"https://{settings.sentry.data_storage}.sentry.io",
        )


def load_stacks(root: Path, stack: str) -> tuple[Settings, list[ProdStack]]:
    """The stack's settings, and where every prod stack's resources are. Refused if the stack files already
    put the stack in prod's Vercel team or Sentry organisation (account_isolation: no vendor is asked then);
    ProjectError or SettingsError for a stack file that cannot be read."""
    from components.settings import settings_from_stack_config
    from stack_config import Project

    project = Project.load(root)
    settings = settings_from_stack_config(project.stack_config(stack).values, stack)
    shared = account_isolation.problems(project, [stack])
    if stack in shared:
        raise Refused(shared[stack])
    prod = []
    for other in project.stacks():
        other_settings = settings_from_stack_config(project.stack_config(other).values, other)
        if other_settings.environment == account_isolation.PROD:
            prod.append(ProdStack.of(other, other_settings))
    return settings, prod


@dataclass
class Credentials:
    """The clients of whichever credentials the environment holds; None for a credential it does not."""

    neon: NeonApi | None = None
    vercel: VercelApi | None = None
    upstash: VendorClient | None = None
    sentry_token: str | None = None
    sentry_base_url: str | None = None  # a test's server; else prod's data-storage host


def refuse_prod_capable(credentials: Credentials, prod_stacks: Iterable[ProdStack], say: Callable[[str], None]) -> None:
    """Raise Refused at the first credential that can see a prod resource; say what each one cannot see."""
    for prod in prod_stacks:
        if credentials.neon is not None:
            _neon(credentials.neon, prod, say)
        if credentials.vercel is not None:
            _vercel(credentials.vercel, prod, say)
        if credentials.upstash is not None and prod.upstash_database:
            _upstash(credentials.upstash, prod, say)
        if credentials.sentry_token is not None and prod.sentry_organization:
            _sentry(credentials, prod, say)


def _refused(credential: str, what: str, prod: ProdStack, allowed: str) -> Refused:
    return Refused(
        f"{credential} can see {what} of stack {prod.stack!r}. The jobs that hold it run pull requests' code and "
        f"must hold non-prod credentials only; allowed: {allowed} ({WHERE})."
    )


def _neon(neon: NeonApi, prod: ProdStack, say: Callable[[str], None]) -> None:
    try:
        found = neon.find_project(prod.neon_project, prod.neon_org)
    except VendorAPIError as error:
        if error.status not in CANNOT_SEE:
            raise
        found = None
    if found is not None:
        raise _refused(
            "NEON_API_KEY",
            f"Neon project {prod.neon_project!r}",
            prod,
            "an API key scoped to the stack's own Neon project",
        )
    say(f"Neon: NEON_API_KEY cannot see project {prod.neon_project!r} of stack {prod.stack!r}")


def _vercel(vercel: VercelApi, prod: ProdStack, say: Callable[[str], None]) -> None:
    if vercel.projects_visible(prod.vercel_team):
        raise _refused(
            "VERCEL_API_TOKEN",
            f"the projects of Vercel team {prod.vercel_team!r}",
            prod,
            f"a token scoped to the non-prod team {vercel.team!r}",
        )
    visible = [p for p in prod.vercel_projects if vercel.project_visible(p, prod.vercel_team)]
    if visible:
        raise _refused(
            "VERCEL_API_TOKEN",
            f"Vercel project {visible[0]!r}",
            prod,
            f"a token scoped to the non-prod team {vercel.team!r}",
        )
    say(
        f"Vercel: VERCEL_API_TOKEN cannot see team {prod.vercel_team!r} of stack {prod.stack!r} nor its projects "
        f"({', '.join(prod.vercel_projects)})"
    )


def _upstash(upstash: VendorClient, prod: ProdStack, say: Callable[[str], None]) -> None:
    answer = upstash.request("GET", "/v2/redis/databases")
    databases = answer.get("data") if isinstance(answer, dict) else answer  # a bare list, as documented
    databases = databases if isinstance(databases, list) else []
    names = sorted(str(d.get("database_name")) for d in databases if isinstance(d, dict))
    if prod.upstash_database in names:
        raise _refused(
            "UPSTASH_API_KEY",
            f"Upstash database {prod.upstash_database!r}",
            prod,
            "a key of the non-prod Upstash team, which holds no prod database",
        )
    say(
        f"Upstash: UPSTASH_API_KEY cannot see database {prod.upstash_database!r} of stack {prod.stack!r} "
        f"(it sees {', '.join(names) or 'no database'})"
    )


def _sentry(credentials: Credentials, prod: ProdStack, say: Callable[[str], None]) -> None:
    assert credentials.sentry_token is not None
    client = VendorClient(
        "Sentry",
        credentials.sentry_base_url or prod.sentry_host,
        credential_hint="SENTRY_AUTH_TOKEN",
        bearer_token=credentials.sentry_token,
    )
    try:
        client.request("GET", f"/api/0/organizations/{quote(prod.sentry_organization)}/")
    except VendorAPIError as error:
        if error.status not in CANNOT_SEE:
            raise
    else:
        raise _refused(
            "SENTRY_AUTH_TOKEN",
            f"Sentry organisation {prod.sentry_organization!r}",
            prod,
            "a token of the non-prod Sentry organisation (an organisation token or internal integration there)",
        )
    say(f"Sentry: SENTRY_AUTH_TOKEN cannot see organisation {prod.sentry_organization!r} of stack {prod.stack!r}")
