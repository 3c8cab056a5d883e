"""Vercel: each site's project is connected to its Git repository (the Vercel Git app is installed).

The Pulumi program asks for the connection (`git_repository`), but only an installed Vercel GitHub app
makes it work, and an uninstall later breaks deployments silently. API: `GET /v9/projects/{idOrName}`
(`link`: type, org, repo, productionBranch). https://vercel.com/docs/rest-api/projects
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, Check, Context, Result, client, env
from vendor_api import VendorAPIError


def check_git_links(context: Context) -> Result:
    vercel = context.settings.vercel
    api = client("Vercel", "https://api.vercel.com", "VERCEL_API_TOKEN", bearer_token=env("VERCEL_API_TOKEN"))
    team = {"teamId": vercel.team} if vercel.team.startswith("team_") else {"slug": vercel.team}
    problems, linked = [], []
    for _, site in vercel.sites.items():
        try:
            project = api.request("GET", f"/v9/projects/{site.name}", params=team)
        except VendorAPIError as exc:
            if exc.status != 404:
                raise
            problems.append(f"{site.name}: no such project in team {vercel.team} (not deployed yet?)")
            continue
        link = project.get("link") if isinstance(project, dict) else None
        if not isinstance(link, dict):
            problems.append(f"{site.name}: not connected to any Git repository")
            continue
        found = f"{link.get('org', '')}/{link.get('repo', '')}" if link.get("org") else str(link.get("repo", ""))
        issues = []
        if link.get("type") != site.git.type:
            issues.append(f"linked to {link.get('type')!r}, expected {site.git.type!r}")
        elif site.git.type == "github" and found.lower() != site.git.repo.lower():
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
