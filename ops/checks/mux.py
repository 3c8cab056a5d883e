"""Mux: URL signing keys exist, and direct uploads ask for signed playback only.

Mux has no stored "upload preset": the settings of each direct upload (`new_asset_settings`) are sent by
the application. What the API can show is what recent uploads actually asked for, so that is checked.
API: `GET /system/v1/signing-keys`, `GET /video/v1/uploads` (basic auth: token id and secret).
https://www.mux.com/docs/api-reference
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, SKIPPED, Check, Context, Result, client, env, items

HINT = "MUX_TOKEN_ID and MUX_TOKEN_SECRET"
RECENT_UPLOADS = 25


def _api():
    return client("Mux", "https://api.mux.com", HINT, auth=(env("MUX_TOKEN_ID"), env("MUX_TOKEN_SECRET")))


def check_signing_keys(context: Context) -> Result:
    keys = items(_api().request("GET", "/system/v1/signing-keys"), "GET /system/v1/signing-keys")
    if not keys:
        return Result(FAIL, "no signing key; signed playback URLs cannot be issued (create one, store it in 1Password)")
    return Result(PASS, f"{len(keys)} signing key{'s' if len(keys) != 1 else ''}")


def check_upload_settings(context: Context) -> Result:
    body = _api().request("GET", "/video/v1/uploads", params={"limit": str(RECENT_UPLOADS)})
    uploads = items(body, "GET /video/v1/uploads")
    if not uploads:
        return Result(SKIPPED, "no direct uploads yet, so no settings in use to check")
    public = []
    for upload in uploads:
        settings = upload.get("new_asset_settings") or {}
        policies = settings.get("playback_policies", settings.get("playback_policy", []))
        policies = [policies] if isinstance(policies, str) else list(policies or [])
        if policies != ["signed"]:
            public.append(f"{upload.get('id', '?')} ({', '.join(map(str, policies)) or 'no playback policy'})")
    if public:
        return Result(FAIL, f"uploads not limited to signed playback: {', '.join(public)}")
    return Result(PASS, f"the last {len(uploads)} direct uploads ask for signed playback only")


CHECKS = (
    Check("mux-signing-keys", "mux", "Reliability Partner", "at least one URL signing key", check_signing_keys),
    Check(
        "mux-upload-settings",
        "mux",
        "Reliability Partner",
        "recent direct uploads request signed playback only",
        check_upload_settings,
    ),
)
