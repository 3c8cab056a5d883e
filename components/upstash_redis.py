"""UpstashRedis: the share-token cache and rate limiter, primary in Sydney, never evicting keys, backed up daily."""

from __future__ import annotations

import pulumi
import upstash_pulumi as upstash

from components.settings import Upstash
from components.tags import ResourceTags, TaggedComponent
from components.upstash_backup import UpstashDailyBackup


class UpstashRedis(TaggedComponent):
    """A global Upstash database with its primary in `ap-southeast-2` and no read regions.

    Upstash has no second Australian region, so a read region would copy share tokens abroad; regional
    databases are deprecated and refused by Upstash. `eviction=False` is the seed's `noeviction`: a
    share token must never be dropped to make room.

    Daily backup: the Upstash provider has no setting for it, so an `UpstashDailyBackup` (a dynamic
    provider over Upstash's Developer API, see `components/upstash_backup.py`) enables it on the database,
    wired by the database's `database_id` output. It carries the database's `protect` and
    `retain_on_delete`: deleting it disables the backup, so in prod it is as hard to remove as the database,
    and a database retained on delete keeps its backup. How long Upstash keeps each daily backup (1 or 3 days;
    3 needs the Prod Pack) is chosen in its console, not through its API (docs/upstash-backups.md).

    Outputs: `endpoint`, `rest_url`, `rest_token` (secret), `daily_backup_enabled`.
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
        backup = UpstashDailyBackup(
            f"{name}-daily-backup",
            database_id=database.database_id,
            opts=self.child(protect=protect, retain_on_delete=protect),
        )
        self.daily_backup_enabled: pulumi.Output[bool] = backup.daily_backup_enabled
        self.endpoint: pulumi.Output[str] = database.endpoint
        self.rest_url: pulumi.Output[str] = pulumi.Output.secret(
            database.endpoint.apply(lambda host: f"https://{host}")
        )
        self.rest_token: pulumi.Output[str] = pulumi.Output.secret(database.rest_token)
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "rest_url": self.rest_url,
                "rest_token": self.rest_token,
                "daily_backup_enabled": self.daily_backup_enabled,
            }
        )
