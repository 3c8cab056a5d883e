"""`SettingsError`: a stack's configuration is invalid. Plain Python, in a module of its own, so that the
settings (components/settings.py) and the program's `ConfigError` (components/errors.py) both build on it
without importing each other, and the tools that only read stack files (`ops/`) never import the SDK."""


class SettingsError(Exception):
    """The message names each bad key, the value found and what is allowed. The program raises it as a
    `ConfigError`, which is one of these."""
