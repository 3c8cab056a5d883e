"""Resend: the sending domains exist and are verified, with their DKIM and SPF records verified.

API: `GET /domains` (list: id, name, status) and `GET /domains/{id}` (adds `records`, each with `record`
SPF/DKIM/..., `name`, `type` and `status`). https://resend.com/docs/api-reference/domains
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, Check, Context, Result, client, env, env_list, items

REQUIRED_RECORDS = ("DKIM", "SPF")


def check_domains(context: Context) -> Result:
    api = client("Resend", "https://api.resend.com", "RESEND_API_KEY", bearer_token=env("RESEND_API_KEY"))
    domains = {d.get("name"): d for d in items(api.request("GET", "/domains"), "GET /domains")}
    expected = env_list("RESEND_DOMAINS") or sorted(name for name in domains if isinstance(name, str))
    if not expected:
        return Result(FAIL, "no domain on the Resend account; add the sending domain (docs/manual-configuration.md)")
    problems, verified = [], []
    for name in expected:
        if name not in domains:
            problems.append(f"{name}: not on the Resend account")
            continue
        domain_id = domains[name].get("id")
        detail = api.request("GET", f"/domains/{domain_id}", not_found=f"domain {name} ({domain_id}) not found")
        issues = _domain_issues(detail if isinstance(detail, dict) else {})
        if issues:
            problems.append(f"{name}: {'; '.join(issues)}")
        else:
            verified.append(name)
    if problems:
        return Result(FAIL, " | ".join(problems))
    return Result(PASS, f"verified with DKIM and SPF: {', '.join(verified)}")


def _domain_issues(domain: dict) -> list[str]:
    issues = []
    if domain.get("status") != "verified":
        issues.append(f"status {domain.get('status')!r}, expected 'verified'")
    records = [r for r in domain.get("records") or [] if isinstance(r, dict)]
    for kind in REQUIRED_RECORDS:
        found = [r for r in records if str(r.get("record", "")).upper() == kind]
        if not found:
            issues.append(f"no {kind} record")
        for record in found:
            if record.get("status") != "verified":
                where = f"{record.get('type', '?')} {record.get('name', '?')}"
                issues.append(f"{kind} record {where} is {record.get('status')!r}, expected 'verified'")
    return issues


CHECKS = (
    Check(
        "resend-domains",
        "resend",
        "Client Success Lead",
        "sending domains verified, DKIM and SPF records verified",
        check_domains,
    ),
)
