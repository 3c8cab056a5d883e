"""Small, shared HTTP access to the vendors' own APIs (Upstash, Neon, Vercel, 1Password Connect, ...).

Used where no Pulumi provider covers a setting (the Upstash daily-backup resource) and by the operator
commands under `ops/`. Every base URL is configurable so tests drive the real code against local HTTP
servers.
"""

from vendor_api.http import VendorAPIError, VendorClient, VendorSettingError, redact

__all__ = ["VendorAPIError", "VendorClient", "VendorSettingError", "redact"]
