"""Pulumi project and stack files, read as the Pulumi CLI reads them, strictly; no Pulumi SDK import.

Shared by the program's tools and the preflight: `ops/` and `preflight/` both read stack files through
it, so neither depends on the other. Which keys the project itself knows is `components/settings.py`'s.
"""

from stack_config.project import (
    CONFIG_LIMIT,
    REDACTED,
    Project,
    ProjectError,
    StackConfig,
    config_env,
)

__all__ = ["CONFIG_LIMIT", "REDACTED", "Project", "ProjectError", "StackConfig", "config_env"]
