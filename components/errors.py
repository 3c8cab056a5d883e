"""Errors a user can cause, reported without a traceback."""

import pulumi


class ConfigError(pulumi.RunError):
    """Invalid stack configuration. A `RunError`, so the Pulumi CLI prints only the message."""
