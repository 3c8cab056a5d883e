"""monitoring-coverage (mandatory outside dev) and monitoring-coverage-dev (advisory in dev): every site domain
has a Synthetic Monitoring check with a probe, and prod has a contact point; passing, failing, unset and
unknown fixtures."""

from __future__ import annotations

import pytest
from blocking_outside_dev import environment_split_tests
from policy_harness import (
    DROP,
    UNKNOWN,
    flagged,
    grafana_check,
    grafana_contact_point,
    in_process_pack,
    messages,
    resource,
    vercel_domain,
)

MANDATORY = "monitoring-coverage"
ADVISORY = "monitoring-coverage-dev"


def site(name: str, **check_changes):
    """A domain `<name>.example.com.au` and a check on it, changed by `check_changes` (`no_check=True`: none)."""
    domain = f"{name}.example.com.au"
    resources = [vercel_domain(f"{name}-domain", domain=domain)]
    if check_changes.pop("no_check", False):
        return resources
    changes = {"target": f"https://{domain}/", **check_changes}
    return [*resources, grafana_check(f"{name}-check", **changes)]


# Resource types that sort before and after the Grafana check, contact point and Vercel domain types.
OTHER_TYPES = ("aws:route53/healthCheck:HealthCheck", "zabbix:index/httpTest:HttpTest")


def impostors(name: str):
    """A domain `<name>.example.com.au` watched only by resources of other types that carry a check's, a contact
    point's and a site's inputs; each impostor also claims another domain, which is therefore no site."""
    domain = f"{name}.example.com.au"
    inputs = {
        "target": f"https://{domain}/",
        "probes": [43],
        "enabled": True,
        "domain": f"not-a-site.{domain}",
        "emails": [{"addresses": ["owner@example.com.au"]}],
    }
    return [
        vercel_domain(f"{name}-domain", domain=domain),
        *(resource(type_, f"{name}-{i}", inputs) for i, type_ in enumerate(OTHER_TYPES)),
    ]


def fixtures():
    return [
        *site("watched"),
        *site("bare-host-target", target="bare-host-target.example.com.au"),
        *site("two-checks-one-good", enabled=False),
        grafana_check("two-checks-one-good-second", target="https://two-checks-one-good.example.com.au/status"),
        *site("unwatched", no_check=True),
        *site("probes-empty", probes=[]),
        *site("probes-unset", probes=DROP),
        *site("probes-unknown", probes=UNKNOWN),
        *site("probe-element-unknown", probes=[UNKNOWN]),
        *site("disabled", enabled=False),
        *site("enabled-unknown", enabled=UNKNOWN),
        *site("target-unknown", target=UNKNOWN),
        *site("target-elsewhere", target="https://status.example.org/"),
        *site("target-unset", target=DROP),
        *site("target-not-text", target=443),
        *site("target-malformed", target="https://[target-malformed.example.com.au/"),
        *site("probes-one-unknown", probes=[43, UNKNOWN]),
        *site("probes-not-a-list", probes="43"),
        # Other resources with a check's or a site's inputs are neither: types sorting before and after the real ones.
        *impostors("impostor-watched"),
        vercel_domain("domain-unset", domain=DROP),
        vercel_domain("domain-unknown", domain=UNKNOWN),
        grafana_contact_point(),
    ]


UNWATCHED = {
    "unwatched-domain",
    "probes-empty-domain",
    "probes-unset-domain",
    "probes-unknown-domain",
    "probe-element-unknown-domain",
    "disabled-domain",
    "enabled-unknown-domain",
    "target-unknown-domain",
    "target-elsewhere-domain",
    "target-unset-domain",
    "target-not-text-domain",
    "target-malformed-domain",
    "probes-one-unknown-domain",
    "probes-not-a-list-domain",
    "impostor-watched-domain",
    "domain-unset",
    "domain-unknown",
}


test_blocks_outside_dev, test_advises_in_dev = environment_split_tests(MANDATORY, ADVISORY, fixtures, UNWATCHED)


def test_messages_say_which_domain_why_and_how_to_fix(stack):
    stack("prod")
    found = {d.urn.rsplit("::", 1)[-1]: d.message for d in in_process_pack().analyze_stack(fixtures())}
    assert "no grafana:syntheticMonitoring/check:Check targets 'unwatched.example.com.au'" in found["unwatched-domain"]
    assert "'unwatched.example.com.au' (1 check(s) have a target unknown at preview" in found["unwatched-domain"]
    assert 'check "probes-empty-check" lists no probe ([])' in found["probes-empty-domain"]
    assert 'check "probes-unset-check" lists no probe (unset)' in found["probes-unset-domain"]
    assert "probes unknown at preview" in found["probes-unknown-domain"]
    assert 'check "probe-element-unknown-check" has probes unknown at preview' in found["probe-element-unknown-domain"]
    assert 'check "probes-one-unknown-check" has probes unknown at preview' in found["probes-one-unknown-domain"]
    assert "no grafana:syntheticMonitoring/check:Check targets 'target-malformed." in found["target-malformed-domain"]
    assert 'check "disabled-check" is disabled' in found["disabled-domain"]
    assert "domain is unknown at preview" in found["domain-unknown"]
    assert "target='https://<domain>/'" in found["unwatched-domain"]


NO_INTEGRATION = "1 contact point(s), none with an integration that can be shown to reach someone"
# case -> (resources, what prod is told it has, or None when a contact point reaches someone)
CONTACT_POINTS = {
    "emails": ([grafana_contact_point()], None),
    "slack only": ([grafana_contact_point(emails=DROP, slacks=[{"url": UNKNOWN}])], None),
    "an unknown entry, then a known one": (
        [grafana_contact_point(emails=[UNKNOWN, {"addresses": ["owner@example.com.au"]}])],
        None,
    ),
    "none": ([], "no contact point"),
    "no integration": ([grafana_contact_point(emails=DROP)], NO_INTEGRATION),
    "empty emails": ([grafana_contact_point(emails=[])], NO_INTEGRATION),
    "addresses unknown": ([grafana_contact_point(emails=[{"addresses": UNKNOWN}])], NO_INTEGRATION),
    "emails unknown": ([grafana_contact_point(emails=UNKNOWN)], NO_INTEGRATION),
    "only other resources with emails": (
        [r for r in impostors("impostor") if r.type in OTHER_TYPES],
        "no contact point",
    ),
}


@pytest.mark.parametrize("case", CONTACT_POINTS)
def test_prod_needs_a_contact_point_that_reaches_someone(stack, case):
    points, told = CONTACT_POINTS[case]
    stack("prod")
    diagnostics = in_process_pack().analyze_stack(site("watched") + points)
    stack_level = [m for m in messages(diagnostics, MANDATORY) if "\nprod has" in m]
    if told is None:
        assert stack_level == []
    else:
        [message] = stack_level
        assert f"\nprod has {told}, so its alerts reach no one." in message


@pytest.mark.parametrize("stack_name", ["staging", "dev"])
def test_outside_prod_a_contact_point_is_not_required(stack, stack_name):
    stack(stack_name)
    diagnostics = in_process_pack().analyze_stack(site("watched"))
    assert flagged(diagnostics, MANDATORY) | flagged(diagnostics, ADVISORY) == set()
    assert not [d for d in diagnostics if d.policy_name in (MANDATORY, ADVISORY)]


def test_a_stack_without_sites_needs_no_checks(stack):
    stack("staging")
    diagnostics = in_process_pack().analyze_stack([grafana_contact_point()])
    assert not [d for d in diagnostics if d.policy_name in (MANDATORY, ADVISORY)]


def test_a_prod_stack_with_nothing_to_watch_needs_no_contact_point(stack):
    """The platform project's prod stack has no sites and no checks."""
    stack("prod")
    diagnostics = in_process_pack().analyze_stack([])
    assert not [d for d in diagnostics if d.policy_name in (MANDATORY, ADVISORY)]
