"""UpstashRedis: the share-token cache and rate limiter, primary in Sydney, never evicting keys."""

from __future__ import annotations

import pulumi
import upstash_pulumi as upstash

from components.settings import Upstash
from components.tags import ResourceTags, TaggedComponent


class UpstashRedis(TaggedComponent):
    """A global Upstash database with its primary in `ap-southeast-2` and no read regions.

    Upstash has no second Australian region, so a read region would copy share tokens abroad; regional
    databases are deprecated and refused by Upstash. `eviction=False` is the seed's `noeviction`: a
    share token must never be dropped to make room. Outputs: `endpoint`, `rest_url`, `rest_token`
    (secret).
    """

    def __init__(
        self,
        name: str,
        settings: Upstash,
        tags: ResourceTags,
        protect: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("UpstashRedis", name, tags, opts)
        database = upstash.RedisDatabase(
            f"{name}-database",
            database_name=settings.database_name,
            region="global",
            primary_region=settings.region,
            eviction=False,
            tls=True,
            prod_pack=settings.prod_pack,
            budget=settings.budget,
            auto_scale=settings.auto_scale,
            opts=self.child(protect=protect, retain_on_delete=protect),
        )
        self.endpoint: pulumi.Output[str] = database.endpoint
        self.rest_url: pulumi.Output[str] = pulumi.Output.secret(
            database.endpoint.apply(lambda host: f"https://{host}")
        )
        self.rest_token: pulumi.Output[str] = pulumi.Output.secret(database.rest_token)
        self.register_outputs({"endpoint": self.endpoint, "rest_url": self.rest_url, "rest_token": self.rest_token})
