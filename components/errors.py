"""Errors a user can cause, reported without a traceback."""

import pulumi

from components.settings_error import SettingsError


class ConfigError(SettingsError, pulumi.RunError):
    """Invalid stack configuration, as the program reports it. A `RunError`, so the Pulumi CLI prints only the
    message; a `SettingsError`, so whoever reads settings catches both the same way."""
