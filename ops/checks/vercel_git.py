"""Vercel: each site's project is connected to its Git repository (the Vercel Git app is installed).

The Pulumi program asks for the connection (`git_repository`), but only an installed Vercel GitHub app
makes it work, and an uninstall later breaks deployments silently. API: `GET /v9/projects/{idOrName}`
(`link`). https://vercel.com/docs/rest-api/projects

Vercel's project `link` has one shape per Git provider (Vercel's OpenAPI description, as generated into
`vercel/sdk` `GetProjectsLink*`): GitHub answers as `github`, `github-limited` (a GitHub app installation
with access to selected repositories) or `github-custom-host` (GitHub Enterprise Server), each with `org`
and `repo`; GitLab as `gitlab` with `projectNamespace` and `projectName`; Bitbucket as `bitbucket` with
`owner` and `slug`. All three GitHub types are the stack's `git.type: github`.
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, Check, Context, Result, base_url, env
from ops.vercel import DEFAULT_BASE_URL, VercelApi
from vendor_api import VendorAPIError

# Vercel link type -> the stack file's `git.type`.
PROVIDER_OF_LINK = {
    "github": "github",
    "github-limited": "github",
    "github-custom-host": "github",
    "gitlab": "gitlab",
    "bitbucket": "bitbucket",
}
# Where each provider's link names the repository: (owner field, name field).
REPOSITORY_FIELDS = {
    "github": ("org", "repo"),
    "gitlab": ("projectNamespace", "projectName"),
    "bitbucket": ("owner", "slug"),
}


def linked_repository(link: dict) -> tuple[str | None, str | None]:
    """(the stack-file provider, `owner/name`) the link points at; None where the answer does not say."""
    provider = PROVIDER_OF_LINK.get(str(link.get("type")))
    if provider is None:
        return None, None
    owner_field, name_field = REPOSITORY_FIELDS[provider]
    owner, name = link.get(owner_field), link.get(name_field)
    if not isinstance(owner, str) or not isinstance(name, str) or not owner or not name:
        return provider, None
    return provider, f"{owner}/{name}"


def check_git_links(context: Context) -> Result:
    vercel = context.settings.vercel
    api = VercelApi(env("VERCEL_API_TOKEN"), vercel.team, base_url("Vercel", DEFAULT_BASE_URL))
    problems, linked = [], []
    for _, site in vercel.sites.items():
        try:
            project = api.project(site.name)
        except VendorAPIError as exc:
            if exc.status != 404:
                raise
            problems.append(f"{site.name}: no such project in team {vercel.team} (not deployed yet?)")
            continue
        link = project.get("link") if isinstance(project, dict) else None
        if not isinstance(link, dict):
            problems.append(f"{site.name}: not connected to any Git repository")
            continue
        provider, found = linked_repository(link)
        issues = []
        if provider != site.git.type:
            issues.append(f"linked to {link.get('type')!r}, expected {site.git.type!r}")
        elif found is None:
            issues.append(f"the {link.get('type')!r} link names no repository; expected {site.git.repo!r}")
        elif found.lower() != site.git.repo.lower():
            issues.append(f"linked to {found!r}, expected {site.git.repo!r}")
        branch = link.get("productionBranch")
        if branch is not None and branch != site.git.production_branch:
            issues.append(f"production branch {branch!r}, expected {site.git.production_branch!r}")
        if issues:
            problems.append(f"{site.name}: {'; '.join(issues)}")
        else:
            linked.append(site.name)
    if problems:
        return Result(FAIL, " | ".join(problems))
    return Result(PASS, f"connected to their repositories: {', '.join(linked)}")


CHECKS = (
    Check(
        "vercel-git",
        "vercel",
        "Technical Lead",
        "each site's project is connected to its Git repository",
        check_git_links,
    ),
)
