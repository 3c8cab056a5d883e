"""The platform's components carry the portal's cost-allocation tags the same way the portal's do.

Each is a `motion-mavericks:index:<Name>` component whose input `tags` holds `env`, `owner` and
`data_class`, so the policy pack's `required-tags` and `required-tags-ancestry` judge this project exactly
as they judge the portal. AWS resources also carry the tags as AWS tags (billing sees those).
"""

from __future__ import annotations

import pulumi

from governance.settings import Settings

TYPE_PREFIX = "motion-mavericks:index:"


def tags_of(settings: Settings) -> dict[str, str]:
    return {"env": settings.environment, "owner": settings.tags.owner, "data_class": settings.tags.data_class}


class GovernanceComponent(pulumi.ComponentResource):
    """A tagged component; children are created with `self.child()` so they inherit it as parent."""

    def __init__(self, kind: str, name: str, tags: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE_PREFIX + kind, name, {"tags": dict(tags)}, opts)
        self.tags = dict(tags)

    def child(self, **options: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **options)
