"""Motion Mavericks Portal: read the stack's settings once, compose one component per service."""

import pulumi

from components import (
    GrafanaMonitoring,
    NeonDatabase,
    SentryProject,
    SiteServices,
    UpstashRedis,
    VercelSite,
    WatchedDomain,
    load_secrets,
    load_settings,
    sentry_provider,
    tags_for,
    vercel_provider,
)

settings = load_settings()
secrets = load_secrets(settings.grafana)
tags = tags_for(settings)

database = NeonDatabase("neon", settings.neon, tags, protect=settings.protect_data)
redis = UpstashRedis("upstash", settings.upstash, tags, protect=settings.protect_data)
monitoring = pulumi.ResourceOptions(providers=[sentry_provider(settings.sentry)])
# One Vercel provider for the stack, configured with the team: resources carry no team_id of their own.
hosting = pulumi.ResourceOptions(providers=[vercel_provider(settings.vercel)])

for site_key, site in settings.vercel.sites.items():
    errors = SentryProject(
        f"sentry-{site_key}", site.name, settings.environment, settings.sentry, tags, opts=monitoring
    )
    services = SiteServices(
        database_url=database.connection_uri,
        redis_rest_url=redis.rest_url,
        redis_rest_token=redis.rest_token,
        sentry_dsn=errors.dsn,
        secrets=secrets.for_site(site_key),
    )
    web = VercelSite(site_key, site, settings.vercel, settings.environment, services, tags, opts=hosting)
    pulumi.export(f"{site_key}_url", web.url)
    pulumi.export(f"{site_key}_sentry_dsn", errors.dsn)

# Every site's domains, watched from Australia by the environment's Grafana Cloud stack.
watched = [
    WatchedDomain(site_key, domain) for site_key, site in settings.vercel.sites.items() for domain in site.domains
]
grafana = GrafanaMonitoring("grafana", settings.grafana, settings.environment, watched, secrets, tags)
pulumi.export("grafana_stack_url", grafana.stack_url)
pulumi.export("grafana_dashboard_url", grafana.dashboard_url)

pulumi.export("database_host", database.host)
pulumi.export("database_connection_uri", database.connection_uri)
pulumi.export("redis_endpoint", redis.endpoint)
