"""Vercel: every site domain is verified in the stack's team.

All sites are subdomains of `motionmavericks.com.au`, and prod's and the non-prod stacks' projects live in
different Vercel teams (docs/delivery.md, "Separate accounts for non-prod"). A domain already used in another
team stays `verified: false` in the project until a TXT record at `_vercel.<domain>` proves ownership, and
then it serves nothing. The program adds the domains; verifying them is the manual step this checks.
API: `GET /v9/projects/{idOrName}/domains/{domain}` (`verified`, `verification[]` with the TXT record still
needed). https://vercel.com/docs/rest-api/projects/get-a-project-domain
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, Check, Context, Result, base_url, env
from ops.vercel import DEFAULT_BASE_URL, VercelApi
from vendor_api import VendorAPIError


def check_domains_verified(context: Context) -> Result:
    vercel = context.settings.vercel
    api = VercelApi(env("VERCEL_API_TOKEN"), vercel.team, base_url("Vercel", DEFAULT_BASE_URL))
    problems, verified = [], []
    for _, site in vercel.sites.items():
        for domain in site.domains:
            try:
                answer = api.project_domain(site.name, domain)
            except VendorAPIError as exc:
                if exc.status != 404:
                    raise
                problems.append(f"{domain}: not on project {site.name} in team {vercel.team} (not deployed yet?)")
                continue
            answer = answer if isinstance(answer, dict) else {}
            if answer.get("verified") is True:
                verified.append(domain)
                continue
            records = [
                f"{r.get('type')} {r.get('domain')}"
                for r in answer.get("verification") or []
                if isinstance(r, dict) and r.get("type") and r.get("domain")
            ]
            needed = f"; Vercel asks for {', '.join(records)}" if records else ""
            problems.append(f"{domain}: not verified in team {vercel.team}{needed}")
    if problems:
        return Result(FAIL, " | ".join(problems))
    return Result(PASS, f"verified in team {vercel.team}: {', '.join(verified)}")


CHECKS = (
    Check(
        "vercel-domains",
        "vercel",
        "Technical Lead",
        "every site domain is verified in the stack's Vercel team",
        check_domains_verified,
    ),
)
