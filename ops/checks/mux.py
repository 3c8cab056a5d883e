"""Mux: URL signing keys exist, and direct uploads ask for signed playback only.

Mux has no stored "upload preset": the settings of each direct upload (`new_asset_settings`) are sent by
the application. What the API can show is what recent uploads actually asked for, so that is checked.
API: `GET /system/v1/signing-keys`, `GET /video/v1/uploads` (basic auth: token id and secret).
https://www.mux.com/docs/api-reference

An upload's `new_asset_settings` name playback policies in three fields (Mux's OpenAPI description, as
generated into `muxinc/mux-node-sdk` `AssetOptions`): `playback_policies` (a list, or one string),
the deprecated `playback_policy`, and `advanced_playback_policies` (objects with `policy` and, for DRM, a
`drm_configuration_id`). Each policy is `public`, `signed` or `drm`. `signed` and `drm` playback IDs play
only with a playback token signed by one of the environment's signing keys; `public` plays for anyone.
"""

from __future__ import annotations

from ops.checks.base import FAIL, PASS, SKIPPED, Check, Context, Result, client, env, items

HINT = "MUX_TOKEN_ID and MUX_TOKEN_SECRET"
RECENT_UPLOADS = 25
TOKEN_PROTECTED = frozenset({"signed", "drm"})


def playback_policies(settings: dict) -> list[str]:
    """Every playback policy an upload's `new_asset_settings` asks for, from all three fields."""
    found: list[str] = []
    for field in ("playback_policies", "playback_policy"):
        value = settings.get(field)
        found += [value] if isinstance(value, str) else [str(p) for p in value or []]
    for advanced in settings.get("advanced_playback_policies") or []:
        policy = advanced.get("policy") if isinstance(advanced, dict) else None
        found.append(str(policy) if policy is not None else "no policy")
    return found


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
        settings = upload.get("new_asset_settings")
        policies = playback_policies(settings if isinstance(settings, dict) else {})
        if not policies or not set(policies) <= TOKEN_PROTECTED:
            public.append(f"{upload.get('id', '?')} ({', '.join(policies) or 'no playback policy'})")
    if public:
        return Result(FAIL, f"uploads not limited to signed playback: {', '.join(public)}")
    return Result(PASS, f"the last {len(uploads)} direct uploads ask for signed (or DRM) playback only")


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
