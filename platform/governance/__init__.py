"""The platform project's settings and components (named `governance`, not `components`, so that it never
shadows the portal's package when both are on one path, as in the tests and the preflight)."""

from governance.github_repository import RepositoryGovernance
from governance.plan_archive import PlanArchive
from governance.pulumi_cloud import StackGovernance
from governance.settings import ConfigError, Settings, load_settings
from governance.tagging import tags_of

__all__ = [
    "ConfigError",
    "PlanArchive",
    "RepositoryGovernance",
    "Settings",
    "StackGovernance",
    "load_settings",
    "tags_of",
]
