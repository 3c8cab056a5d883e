"""The Motion Mavericks Portal policy pack's policies, importable without starting a pack server.

`policy/__main__.py` builds the one PolicyPack from POLICIES; tests import this package directly.
"""

from pulumi_policy import Policy

from .alerting import sentry_alerting, sentry_alerting_dev
from .governance import main_branch_rules, plan_archive_lock, production_approval
from .monitoring import monitoring_coverage, monitoring_coverage_dev
from .protection import prod_data_protection
from .redis import redis_no_eviction
from .residency import au_data_residency, au_data_residency_exceptions
from .retention import backup_retention, backup_retention_upstash
from .sensitive_env import secrets_are_sensitive
from .tags import required_tags, required_tags_ancestry

PACK_NAME = "motion-mavericks-portal-policy"
PACK_DESCRIPTION = (
    "Guardrails for the Motion Mavericks Portal: Australian data residency, tagging, backups, Redis "
    "durability, prod protection, sensitive secrets, Sentry alerting, site monitoring, and the delivery system's "
    "own guard rails (prod approval gate, main's branch rules, plan archive lock)."
)

POLICIES: tuple[Policy, ...] = (
    au_data_residency,
    au_data_residency_exceptions,
    required_tags,
    required_tags_ancestry,
    backup_retention,
    backup_retention_upstash,
    redis_no_eviction,
    prod_data_protection,
    secrets_are_sensitive,
    sentry_alerting,
    sentry_alerting_dev,
    monitoring_coverage,
    monitoring_coverage_dev,
    plan_archive_lock,
    production_approval,
    main_branch_rules,
)

__all__ = ["PACK_DESCRIPTION", "PACK_NAME", "POLICIES"]
