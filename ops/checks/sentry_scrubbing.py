"""Sentry: the organisation scrubs personal data server-side (the limit on the residency exception).

The Sentry provider cannot set an organisation's data-scrubbing options, so they are manual. API:
`GET /api/0/organizations/{slug}/` (`dataScrubber`, `dataScrubberDefaults`, `scrubIPAddresses`) on the
organisation's data-storage host. https://docs.sentry.io/api/organizations/
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, Check, Context, Result, client, env

REQUIRED = {
    "dataScrubber": "Require Data Scrubber",
    "dataScrubberDefaults": "Require Using Default Scrubbers",
    "scrubIPAddresses": "Prevent Storing of IP Addresses",
}


def check_scrubbing(context: Context) -> Result:
    sentry = context.settings.sentry
    api = client(
        "Sentry",
        f"https://{sentry.data_storage}.sentry.io",
        "SENTRY_AUTH_TOKEN",
        bearer_token=env("SENTRY_AUTH_TOKEN"),
    )
    organisation = api.request(
        "GET",
        f"/api/0/organizations/{sentry.organization}/",
        not_found=f"organisation {sentry.organization} not found on {sentry.data_storage}.sentry.io",
    )
    organisation = organisation if isinstance(organisation, dict) else {}
    off = [f"{label} ({key})" for key, label in REQUIRED.items() if organisation.get(key) is not True]
    if off:
        return Result(FAIL, f"{sentry.organization}: off: {', '.join(off)}")
    return Result(PASS, f"{sentry.organization}: {', '.join(REQUIRED.values())} all on")


CHECKS = (
    Check(
        "sentry-scrubbing",
        "sentry",
        "Security Specialist",
        "organisation-wide server-side data scrubbing on",
        check_scrubbing,
    ),
)
