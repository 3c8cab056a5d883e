"""Every configuration key the platform program was given: the one SDK internal this project reads.

`pulumi.Config` reads one key at a time and cannot list them, yet a key no one reads (`archve:` for
`archive:`) must be refused, not ignored. The engine's language host passes the stack's whole configuration
as the PULUMI_CONFIG environment variable (`pulumi.runtime.get_config_env()`, public); Pulumi's mocks, and so
the preflight, set it with `pulumi.runtime.set_all_config`, whose store, `pulumi.runtime.config.CONFIG`, has
no public reader. The platform is its own Pulumi project (its own virtualenv, `platform/requirements.txt`), so
it cannot import the repository's `sdk_internals` adapter; this module is its counterpart for that one name,
and tests/test_sdk_internals.py says what broke if a `pulumi` upgrade changes it.
"""

from __future__ import annotations

from pulumi.runtime import config as _runtime_config
from pulumi.runtime import get_config_env, get_config_secret_keys_env, is_config_secret


def config_keys() -> set[str]:
    """Every `namespace:key` the program was given, by the engine or by the mocks."""
    return set(_runtime_config.CONFIG.get()) | set(get_config_env())


def is_secret(key: str) -> bool:
    """Whether `namespace:key` holds a secret (`pulumi config set --secret`, or an ESC secret)."""
    return is_config_secret(key) or key in get_config_secret_keys_env()
