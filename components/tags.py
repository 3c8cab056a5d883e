"""Cost-allocation tags and the component base that carries them.

Every component takes the tags and passes them as its own input property `tags`, so the engine (and
the policy pack's `required-tags`) sees them on the component itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

TYPE_PREFIX = "motion-mavericks:index:"


@dataclass(frozen=True)
class ResourceTags:
    env: str
    owner: str
    data_class: str

    def as_props(self) -> dict[str, str]:
        return {"env": self.env, "owner": self.owner, "data_class": self.data_class}


def tags_for(settings: Any) -> ResourceTags:
    """The stack's tags: `owner` and `data_class` from the stack file, `env` from `environment`."""
    return ResourceTags(env=settings.environment, owner=settings.tags.owner, data_class=settings.tags.data_class)


class TaggedComponent(pulumi.ComponentResource):
    """A `motion-mavericks:index:<Name>` component whose inputs are its tags, plus any `props` a policy needs
    to see on the component itself."""

    def __init__(
        self,
        kind: str,
        name: str,
        tags: ResourceTags,
        opts: pulumi.ResourceOptions | None = None,
        props: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(TYPE_PREFIX + kind, name, {**(props or {}), "tags": tags.as_props()}, opts)
        self.resource_tags = tags

    def child(self, **options: Any) -> pulumi.ResourceOptions:
        """Options for a child resource: parented to this component, plus `options`."""
        return pulumi.ResourceOptions(parent=self, **options)
