"""redis-no-eviction: the Redis database never silently drops keys, and never goes without TLS."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import tokens
from .props import UNKNOWN, UNKNOWN_HINT, describe, fail_closed, get, plain, show


@fail_closed
def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != tokens.UPSTASH_REDIS:
        return
    subject = describe(args.resource_type, args.name)
    props = plain(args.props)
    eviction = get(props, "eviction")
    if eviction is not False:
        detail = UNKNOWN_HINT if eviction is UNKNOWN else f"{show(eviction)}; it must be explicitly false"
        report(
            f"{subject}: eviction is {detail}. With eviction Redis drops keys when full (sessions, queues, "
            f"locks). Set eviction=False (Redis noeviction: writes fail loudly instead).",
            args.urn,
        )
    tls = get(props, "tls")
    if tls is False or tls is UNKNOWN:
        detail = "false" if tls is False else UNKNOWN_HINT
        report(f"{subject}: tls is {detail}; required true or unset (Upstash enables TLS by default).", args.urn)


redis_no_eviction = ResourceValidationPolicy(
    name="redis-no-eviction",
    display_name="Redis keeps every key and uses TLS",
    description="Every Upstash Redis database sets eviction explicitly to false and does not turn TLS off.",
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation_steps="Set eviction=False on the RedisDatabase; leave tls unset or true.",
    url="https://upstash.com/docs/redis/features/eviction",
)
