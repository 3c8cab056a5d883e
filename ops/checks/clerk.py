"""Clerk: the organisation roles the apps map to exist.

Magic-link (email link) sign-in is an instance setting the Backend API does not return, so it stays a
documented manual verification (docs/manual-configuration.md). API: `GET /v1/organization_roles`
(bearer: the instance's secret key). https://clerk.com/docs/reference/backend-api
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, Check, Context, Missing, Result, client, env, env_list, items


def check_roles(context: Context) -> Result:
    secret = env("CLERK_SECRET_KEY")
    expected = env_list("CLERK_ORG_ROLES")
    if not expected:
        raise Missing("CLERK_ORG_ROLES not set (the role keys the apps map to, e.g. org:admin)")
    api = client("Clerk", "https://api.clerk.com", "CLERK_SECRET_KEY", bearer_token=secret)
    body = api.request("GET", "/v1/organization_roles", params={"limit": "100"})
    keys = {str(role.get("key")) for role in items(body, "GET /v1/organization_roles")}
    missing = [key for key in expected if key not in keys]
    if missing:
        return Result(FAIL, f"roles missing: {', '.join(missing)}; present: {', '.join(sorted(keys)) or 'none'}")
    return Result(PASS, f"roles present: {', '.join(expected)}")


CHECKS = (Check("clerk-roles", "clerk", "Technical Lead", "organisation roles the apps map to exist", check_roles),)
