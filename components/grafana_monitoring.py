"""GrafanaMonitoring: the environment's Grafana Cloud stack in Australia, watching every site from Australia.

Per stack: the Grafana Cloud stack (unless another environment's stack file declares it: `grafana.sharedFrom`),
one Synthetic Monitoring HTTP check per site domain from the configured Australian probes, a rule group
(site down, slow, certificate expiring), a contact point to the owner, a notification policy, and a folder
with a dashboard. Two providers live inside the component: one with the Grafana Cloud access policy token
(the stack itself) and one for the stack's own API (its service-account token) and Synthetic Monitoring
(its access token); all three tokens are secrets from the stack's ESC environment.

The component's own inputs carry the stack's slug and declared region next to its tags, so the policy pack
judges the region even when this environment does not declare the stack.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumiverse_grafana.alerting as alerting
import pulumiverse_grafana.cloud as cloud
import pulumiverse_grafana.oss as oss
import pulumiverse_grafana.syntheticmonitoring as synthetic
from pulumiverse_grafana.provider import Provider

from components.grafana_content import alert_rules, dashboard_model, job_name
from components.settings import Grafana, Secrets
from components.tags import ResourceTags, TaggedComponent

CHECK_TIMEOUT_MS = 10_000  # Synthetic Monitoring allows 1 s to 180 s; never longer than the check period


@dataclass(frozen=True)
class WatchedDomain:
    """A site's domain to check: which site (for labels and the job name) and the hostname."""

    site: str
    domain: str


class GrafanaMonitoring(TaggedComponent):
    """Outputs: `stack_url`, `dashboard_url` (None until known), `checks` (domain -> check id)."""

    def __init__(
        self,
        name: str,
        settings: Grafana,
        environment: str,
        domains: Sequence[WatchedDomain],
        secrets: Secrets,
        tags: ResourceTags,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        declared_by = "this stack" if settings.declares_stack else f"the {settings.shared_from} stack file"
        stack_props = {"slug": settings.stack_slug, "regionSlug": settings.region_slug, "declaredBy": declared_by}
        super().__init__("GrafanaMonitoring", name, tags, opts, props={"grafanaStack": stack_props})

        stack_url: pulumi.Input[str] = settings.stack_url
        if settings.declares_stack:
            cloud_provider = Provider(
                f"{name}-cloud",
                cloud_access_policy_token=secrets.grafana("grafanaCloudAccessPolicyToken"),
                opts=self.child(),
            )
            stack = cloud.Stack(
                f"{name}-stack",
                name=settings.stack_slug,
                slug=settings.stack_slug,
                region_slug=settings.region_slug,
                labels=tags.as_props(),
                description=f"Motion Mavericks Portal monitoring ({environment})",
                delete_protection=True,
                opts=self.child(provider=cloud_provider, protect=environment == "prod"),
            )
            stack_url = stack.url
        stack_provider = Provider(
            f"{name}-stack",
            url=stack_url,
            auth=secrets.grafana("grafanaStackServiceAccountToken"),
            sm_url=settings.synthetic_monitoring_url.rstrip("/"),
            sm_access_token=secrets.grafana("grafanaSmAccessToken"),
            opts=self.child(),
        )
        inside = self.child(provider=stack_provider)

        checks = {
            watched.domain: synthetic.Check(
                f"{name}-check-{watched.domain}",
                job=job_name(environment, watched.site),
                target=f"https://{watched.domain}/",
                probes=[probe.id for probe in settings.probes],
                frequency=settings.check_frequency_seconds * 1000,
                timeout=min(CHECK_TIMEOUT_MS, settings.check_frequency_seconds * 1000),
                enabled=True,
                labels={"env": environment, "site": watched.site},
                settings={
                    "http": {
                        "method": "GET",
                        "ip_version": "V4",
                        "valid_status_codes": [200],
                        "fail_if_not_ssl": True,
                        "tls_config": {"server_name": watched.domain, "insecure_skip_verify": False},
                    }
                },
                opts=inside,
            )
            for watched in domains
        }

        folder = oss.Folder(
            f"{name}-folder",
            title=f"Motion Mavericks Portal ({environment})",
            uid=f"mm-portal-{environment}",
            opts=inside,
        )
        alerts = settings.alerting
        contact = alerting.ContactPoint(
            f"{name}-contact",
            name=f"mm-portal-{environment}-owner",
            emails=[{"addresses": list(alerts.contact_emails), "single_email": True}],
            **_webhook(alerts.webhook, secrets),
            opts=inside,
        )
        rules = alert_rules(
            environment, settings.check_frequency_seconds, alerts.latency_threshold_ms, alerts.certificate_expiry_days
        )
        if not settings.declares_stack:
            # The stack's one notification policy belongs to the environment that declares the stack; rules of
            # a sharing environment name their contact point themselves.
            rules = [{**rule, "notification_settings": {"contact_point": contact.name}} for rule in rules]
        alerting.RuleGroup(
            f"{name}-rules",
            name=f"mm-portal-{environment}-sites",
            folder_uid=folder.uid,
            interval_seconds=60,
            rules=rules,
            opts=inside,
        )
        if settings.declares_stack:
            alerting.NotificationPolicy(
                f"{name}-notification-policy",
                contact_point=contact.name,
                group_bies=["alertname", "env", "instance"],
                group_wait="30s",
                group_interval="5m",
                repeat_interval="4h",
                policies=[
                    {
                        "matchers": [{"label": "env", "match": "=", "value": environment}],
                        "contact_point": contact.name,
                        "group_bies": ["alertname", "instance"],
                    }
                ],
                opts=inside,
            )
        sites = sorted({watched.site for watched in domains})
        dashboard = oss.Dashboard(
            f"{name}-dashboard",
            folder=folder.uid,
            config_json=json.dumps(dashboard_model(environment, f"mm-portal-{environment}-sites", sites)),
            overwrite=True,
            opts=inside,
        )

        self.stack_url: pulumi.Output[str] = pulumi.Output.from_input(stack_url)
        self.dashboard_url: pulumi.Output[str] = dashboard.url
        self.checks: dict[str, pulumi.Output[str]] = {domain: check.id for domain, check in checks.items()}
        self.register_outputs({"stack_url": self.stack_url, "dashboard_url": self.dashboard_url})


def _webhook(kind: str, secrets: Secrets) -> dict[str, list[dict[str, pulumi.Input[str]]]]:
    """The contact point's optional chat or paging integration, its URL a secret from ESC."""
    if kind == "none":
        return {}
    url = secrets.grafana("grafanaAlertWebhookUrl")
    return {"slacks": [{"url": url}]} if kind == "slack" else {"webhooks": [{"url": url}]}
