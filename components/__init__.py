"""One ComponentResource per service, the stack's settings and its tags."""

from components.errors import ConfigError
from components.grafana_monitoring import GrafanaMonitoring, WatchedDomain
from components.neon_database import NeonDatabase
from components.sentry_project import SentryProject, sentry_provider
from components.settings import Secrets, Settings, load_secrets, load_settings
from components.tags import ResourceTags, tags_for
from components.upstash_redis import UpstashRedis
from components.vercel_site import SiteServices, VercelSite, vercel_provider

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
