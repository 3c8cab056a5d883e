"""One ComponentResource per service, the stack's settings and its tags.

The names below are imported on first use (PEP 562), not all at once: a tool that needs only the settings
(`ops/` reads a stack through `components.settings`) does not pay for every provider SDK the components
import (Vercel, Grafana, Sentry, Upstash, Neon), which more than doubles its start-up time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.errors import ConfigError
    from components.grafana_monitoring import GrafanaMonitoring, WatchedDomain
    from components.neon_database import NeonDatabase
    from components.sentry_project import SentryProject, sentry_provider
    from components.settings import Secrets, Settings, load_secrets, load_settings
    from components.tags import ResourceTags, tags_for
    from components.upstash_redis import UpstashRedis
    from components.vercel_site import SiteServices, VercelSite, vercel_provider

_WHERE = {
    "ConfigError": "errors",
    "GrafanaMonitoring": "grafana_monitoring",
    "WatchedDomain": "grafana_monitoring",
    "NeonDatabase": "neon_database",
    "SentryProject": "sentry_project",
    "sentry_provider": "sentry_project",
    "Secrets": "settings",
    "Settings": "settings",
    "load_secrets": "settings",
    "load_settings": "settings",
    "ResourceTags": "tags",
    "tags_for": "tags",
    "UpstashRedis": "upstash_redis",
    "SiteServices": "vercel_site",
    "VercelSite": "vercel_site",
    "vercel_provider": "vercel_site",
}
__all__ = [
    "ConfigError",
    "GrafanaMonitoring",
    "NeonDatabase",
    "ResourceTags",
    "Secrets",
    "SentryProject",
    "Settings",
    "SiteServices",
    "UpstashRedis",
    "VercelSite",
    "WatchedDomain",
    "load_secrets",
    "load_settings",
    "sentry_provider",
    "tags_for",
    "vercel_provider",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(importlib.import_module(f"components.{_WHERE[name]}"), name)
