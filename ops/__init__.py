"""Operator commands that act on a stack's vendors directly, outside `pulumi up`.

Each runs as `python -m ops.<command>`, reads the stack's configuration from `Pulumi.<stack>.yaml`
(no Pulumi CLI or state needed) and talks to the vendors through `vendor_api.VendorClient`, whose base
URLs are configurable so tests drive the real code against local HTTP servers.
"""
