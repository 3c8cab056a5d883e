"""The preflight and the residency report on Grafana, as a user runs them: the Grafana stack and its region are
shown, a stack outside Australia and unwatched sites are blocked, a shared stack's declared region is judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.commands import preflight
from tests.support.project import edit, project_copy
from tests.support.residency import rows

EDITS = (
    # dev uses staging's Grafana stack instead of declaring its own
    ("Pulumi.dev.yaml", "stackSlug: mmportaldev", "sharedFrom: staging\n    stackSlug: mmportalstaging"),
    # a stack moved out of Australia behind the settings' back, and the guest site left unwatched
    ("components/grafana_monitoring.py", "region_slug=settings.region_slug", 'region_slug="prod-us-central-0"'),
    (
        "components/grafana_monitoring.py",
        "for watched in domains\n",
        'for watched in domains if watched.site != "guest"\n',
    ),
)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    work = tmp_path_factory.mktemp("grafana")
    copy = project_copy(work)
    for file, old, new in EDITS:
        edit(copy / file, old, new)
    report_path = work / "report.json"
    result = preflight("--json", str(report_path), cwd=copy)
    assert result.returncode == 1, result.stdout + result.stderr
    return report_path, json.loads(report_path.read_text()), result.stdout


def violations(report: dict, stack: str, level: str) -> set[tuple[str, str]]:
    (found,) = [s for s in report["stacks"] if s["name"] == stack]
    return {
        (d["policy"], (d["urn"] or "").rsplit("::", 1)[-1])
        for d in found["diagnostics"]
        if d["enforcementLevel"] == level
    }


def test_the_preview_shows_the_grafana_stack_its_region_and_each_check(broken) -> None:
    _, _, stdout = broken
    assert "grafana:cloud/stack:Stack  grafana-stack  region=prod-us-central-0  protect" in stdout
    assert "motion-mavericks:index:GrafanaMonitoring  grafana  data_class=internal env=dev" in stdout
    assert "region=prod-au-southeast-1" in stdout
    assert "target=https://admin.portal.motionmavericks.com.au/  probes=43" in stdout


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_grafana_stack_outside_australia_and_an_unwatched_site_block_staging_and_prod(broken, stack) -> None:
    _, report, _ = broken
    mandatory = violations(report, stack, "mandatory")
    assert ("au-data-residency", "grafana-stack") in mandatory
    domain = "share.portal.motionmavericks.com.au" if stack == "prod" else "share.staging.portal.motionmavericks.com.au"
    assert ("monitoring-coverage", f"guest-domain-{domain}") in mandatory


def test_dev_shares_staging_s_stack_its_region_judged_and_unwatched_sites_advised(broken) -> None:
    report_path, report, _ = broken
    assert violations(report, "dev", "mandatory") == set()
    assert ("monitoring-coverage-dev", "guest-domain-share.dev.portal.motionmavericks.com.au") in violations(
        report, "dev", "advisory"
    )
    (dev,) = [s for s in report["stacks"] if s["name"] == "dev"]
    assert not [r for r in dev["resources"] if r["type"] == "grafana:cloud/stack:Stack"]
    result = preflight("residency", "--from-report", str(report_path))
    assert result.returncode == 1, "staging's and prod's stacks are outside Australia"
    found = rows(result.stdout, "dev")
    assert found["Grafana Cloud stack (shared)"] == [
        "`grafana`",
        "prod-au-southeast-1 (stack mmportalstaging, declared by the staging stack file) (Australia)",
        "yes",
        "Australian",
    ]
    prod = rows(result.stdout, "prod")
    assert prod["Grafana Cloud stack"] == [
        "`grafana-stack`",
        "prod-us-central-0 (US Central, USA)",
        "**no: violation**",
        "**VIOLATION**",
    ]
