"""`python -m preflight residency` as an auditor runs it: every service, where its data lives, exceptions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.commands import preflight
from tests.support.compliance import Reports, load
from tests.support.residency import rows

AUSTRALIAN = {
    "Vercel Admin functions": ("admin-project", "functions syd1 (Sydney, Australia)"),
    "Vercel Agency functions": ("agency-project", "functions syd1 (Sydney, Australia)"),
    "Vercel Guest functions": ("guest-project", "functions syd1 (Sydney, Australia)"),
    "Neon Postgres": ("neon-project", "aws-ap-southeast-2 (Sydney, Australia)"),
    "Upstash Redis": ("upstash-database", "ap-southeast-2 (Sydney, Australia)"),
    "Grafana Cloud stack": ("grafana-stack", "prod-au-southeast-1 (Australia)"),
}
SENTRY = {f"Sentry {site} errors": f"sentry-{site.lower()}-project" for site in ("Admin", "Agency", "Guest")}


@pytest.fixture(scope="module")
def evaluated() -> subprocess.CompletedProcess[str]:
    return preflight("residency")


def test_every_stack_lists_every_service_with_its_region(evaluated) -> None:
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    out = evaluated.stdout
    assert out.startswith("# Data residency: motion-mavericks-portal")
    for stack in ("dev", "staging", "prod"):
        found = rows(out, stack)
        assert set(found) == set(AUSTRALIAN) | set(SENTRY), stack
        for service, (resource, where) in AUSTRALIAN.items():
            assert found[service] == [f"`{resource}`", where, "yes", "Australian"], (stack, service)
        for service, resource in SENTRY.items():
            assert found[service] == [
                f"`{resource}`",
                # The host comes from the program, so it is shown, not linked: `\:` stops GitHub's autolink.
                "Sentry data storage (https\\://us.sentry.io/api/) (United States)",
                "no (documented exception)",
                "exception",
            ], (stack, service)


def test_sentry_is_a_documented_exception_with_its_limits(evaluated) -> None:
    out = evaluated.stdout
    assert out.count("Documented exceptions:") == 3
    assert "- Sentry: data stored in Sentry data storage (https\\://us.sentry.io/api/) (United States)" in out
    limits = out.split("## Exceptions and limits", 1)[1]
    assert "data leaves Australia" in limits, "the pack's own verdict is quoted"
    assert "`sendDefaultPii: false`" in limits
    assert "python -m ops.check_manual --only sentry" in limits
    assert "cannot set it" in limits, "says what the program does not enforce"


def test_from_a_report_a_violation_is_shown_and_exits_1(prod_reports: Reports) -> None:
    result = preflight("residency", "--from-report", str(prod_reports.head))
    assert result.returncode == 1
    found = rows(result.stdout, "prod")
    assert found["Neon Postgres"] == [
        "`neon-project`",
        "aws-us-east-1 (N. Virginia, USA)",
        "**no: violation**",
        "**VIOLATION**",
    ]
    assert "### Violations (blocking)" in result.stdout
    assert f"From report `{prod_reports.head}`" in result.stdout


def test_the_verdict_is_the_reports_not_recomputed(prod_reports: Reports, tmp_path: Path) -> None:
    """A report is evidence: the command shows the verdicts it holds rather than judging regions itself."""
    report = load(prod_reports.base)
    row = next(r for r in report["stacks"][0]["residency"] if r["resource"] == "upstash-database")
    row.update(verdict="violation", detail="recorded by the pack at the time")
    (tmp_path / "report.json").write_text(json.dumps(report))
    result = preflight("residency", "--from-report", str(tmp_path / "report.json"), "--stack", "prod")
    assert result.returncode == 1
    assert "- `upstash-database`: recorded by the pack at the time" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--stack", "qa"], "--stack qa: no such stack; stacks shipped: dev, prod, staging"),
        (["--from-report", "/nonexistent.json"], "--from-report report /nonexistent.json: no such file"),
        (["--format", "html"], "argument --format: invalid choice: 'html'"),
    ],
)
def test_bad_arguments_exit_2(args: list[str], expected: str) -> None:
    result = preflight("residency", *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_stack_missing_from_the_report_is_named(prod_reports: Reports) -> None:
    result = preflight("residency", "--from-report", str(prod_reports.base), "--stack", "dev")
    assert result.returncode == 2
    assert f"--stack dev: not in {prod_reports.base}; stacks there: prod" in result.stderr
