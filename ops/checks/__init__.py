"""Read-only checks that the manual configuration in docs/manual-configuration.md is in place.

Each check reads one vendor's API with the shared client (`vendor_api`), never writes, and answers pass,
fail or skipped with a reason. Credentials and expectations come from the environment; every base URL
can be overridden (`<VENDOR>_API_BASE_URL`) so tests drive the real code against local servers.
"""
