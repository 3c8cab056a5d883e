"""Every use of the Pulumi SDKs' private internals, in one place.

The program, the preflight and the tests need a few things the `pulumi` and `pulumi-policy` packages do
not publish as API: running a program under the mock monitor as a fresh deployment, reading every
configuration key the engine handed over, the policy SDK's servicer for in-process tests. They are
reached only through this module, so that a Dependabot bump that changes one of them breaks here, and
`tests/test_sdk_internals.py` (the contract test) names which one broke. Nothing else imports a private
name of either SDK; a test keeps it so. (The policy pack is the one exception by design: it is
self-contained, owned by security, and imports `pulumi_policy.proxy` itself; the contract covers that too.)
"""

from __future__ import annotations

from pulumi.runtime import config as _runtime_config


def config_keys() -> set[str]:
    """Every configuration key the program was given: by the engine (the language host passes the stack's
    whole configuration as the PULUMI_CONFIG environment variable) or by the mocks (`set_all_config`)."""
    return set(_runtime_config.CONFIG.get()) | set(_runtime_config.get_config_env())
