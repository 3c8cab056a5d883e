"""SentryProject: one site's error tracking, its client key (DSN) and its alerts.

Sentry keeps events in the US or the EU (Frankfurt) only, fixed per organisation: that is a documented
residency exception (docs/compliance.md), which is why the API host is chosen from configuration and
the policy pack reports every Sentry resource at advisory level.
"""

from __future__ import annotations

import pulumi
import pulumiverse_sentry as sentry

from components.settings import Sentry
from components.tags import ResourceTags, TaggedComponent

FIRST_SEEN = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
EVENT_FREQUENCY = "sentry.rules.conditions.event_frequency.EventFrequencyCondition"
NOTIFY_EMAIL = "sentry.mail.actions.NotifyEmailAction"
ABOVE = 0  # Sentry's threshold type: alert when the value goes above the threshold


def sentry_provider(settings: Sentry) -> sentry.Provider:
    """The Sentry provider for the organisation's data-storage host (`us` or `de`).

    The token comes from `SENTRY_AUTH_TOKEN` in the environment, never from a file in the repo.
    """
    return sentry.Provider(f"sentry-{settings.data_storage}", base_url=settings.api_url)


class SentryProject(TaggedComponent):
    """Outputs: `slug`, `dsn` (the public DSN the browser SDK needs)."""

    def __init__(
        self,
        name: str,
        slug: str,
        environment: str,
        settings: Sentry,
        tags: ResourceTags,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("SentryProject", name, tags, opts)
        org = settings.organization
        project = sentry.SentryProject(
            f"{name}-project",
            organization=org,
            name=slug,
            slug=slug,
            teams=[settings.team],
            platform=settings.platform,
            opts=self.child(),
        )
        key = sentry.SentryKey(f"{name}-key", organization=org, project=project.slug, name="vercel", opts=self.child())
        issue = settings.alerts.issue
        notify_team = {"id": NOTIFY_EMAIL, "targetType": "Team", "targetIdentifier": settings.team_id}
        sentry.SentryIssueAlert(
            f"{name}-issue-alert",
            organization=org,
            project=project.slug,
            name=f"{slug}: new or frequent issue",
            environment=environment,
            action_match="any",
            filter_match="all",
            frequency=issue.action_interval_minutes,
            conditions=[
                {"id": FIRST_SEEN},
                {"id": EVENT_FREQUENCY, "value": str(issue.events), "interval": issue.interval},
            ],
            actions=[notify_team],
            opts=self.child(),
        )
        errors = settings.alerts.errors
        team_email = {"type": "email", "target_type": "team", "target_identifier": settings.team_id}
        sentry.SentryMetricAlert(
            f"{name}-error-alert",
            organization=org,
            project=project.slug,
            name=f"{slug}: error volume",
            environment=environment,
            dataset="events",
            event_types=["error"],
            query="",
            aggregate="count()",
            time_window=errors.time_window_minutes,
            threshold_type=ABOVE,
            triggers=[
                {
                    "label": "critical",
                    "alert_threshold": errors.critical,
                    "threshold_type": ABOVE,
                    "actions": [team_email],
                },
                {
                    "label": "warning",
                    "alert_threshold": errors.warning,
                    "threshold_type": ABOVE,
                    "actions": [team_email],
                },
            ],
            opts=self.child(),
        )
        self.slug: pulumi.Output[str] = project.slug
        self.dsn: pulumi.Output[str] = key.dsn_public
        self.register_outputs({"slug": self.slug, "dsn": self.dsn})
