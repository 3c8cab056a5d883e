"""`python -m compliance residency REPORT.json`: per stack, every service, where its data lives, and the exceptions.

The rows and verdicts are the report's residency table (`preflight/report.py: residency_rows`): where each
data-holding resource says it lives, next to the policy pack's `au-data-residency` verdict. Nothing here
judges a region; this module only names services and places for a reader (catalog.py), and states what
limits the data sent to a documented exception. It reads a report written earlier; `python -m preflight
residency` evaluates the stacks first and shows the same.

Every value from the report is shown inert (compliance/markdown.py): the report may come from a pull
request's program.

Exit codes: 0 every row is Australian or a documented exception; 1 a residency violation; 2 a stack or
report could not be evaluated or read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import catalog
from compliance.markdown import code, fenced, text
from compliance.reports import ReportError, load_report

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2

SERVICE_NOTES = {
    "vercel": (
        "Only where functions run is pinned (`syd1`, failover off). Vercel serves static assets from its "
        "global CDN cache and runs builds in its own build region (build logs show Washington, D.C., `iad1`), "
        "so pages and builds must not embed customer data."
    ),
}

SENTRY_LIMITS = """\
What limits the data sent to Sentry:

- Enforced here: `au-data-residency` blocks any Sentry resource that no active documented exception covers
  (the pack's `exceptions` config: justification, approver, optional expiry, owned by security), and
  `au-data-residency-exceptions` reports every one (the rows above). The organisation's storage location
  is fixed per stack by `sentry.dataStorage` (`us` or `de`): the provider talks only to that host.
- Not enforced here, manual: server-side data scrubbing on the Sentry organisation (Data Scrubber, default
  scrubbers, IP address scrubbing). The provider (`pulumiverse-sentry` 0.0.9) cannot set it, so it is a
  registered manual setting, checked read-only by `python -m ops.check_manual --only sentry`
  (docs/manual-configuration.md).
- Not enforced here, in the apps: the Sentry SDK set up with `sendDefaultPii: false`, without request
  bodies, cookies or user records, and a `beforeSend` that drops personal data. That lives in the
  application repositories, not in this one.
"""


def main(argv: list[str], prog: str = "python -m compliance residency") -> int:
    name = prog.removeprefix("python -m ")
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Where each service's data lives, per stack, with the policy pack's residency verdicts, "
        "from a preflight JSON report (`python -m preflight --json FILE`).",
    )
    parser.add_argument("report", type=Path, metavar="REPORT.json", help="a preflight JSON report")
    parser.add_argument("--stack", action="append", metavar="NAME", help="only this stack (repeatable)")
    parser.add_argument("--format", choices=("markdown",), default="markdown", help="output format (markdown)")
    args = parser.parse_args(argv)
    try:
        report = load_report(args.report, "the")
    except ReportError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return show(report, args.stack, args.report, name)


def show(report: dict[str, Any], wanted: list[str] | None, path: Path | None, name: str) -> int:
    """Print the residency report of the stacks wanted (all by default); the exit code.

    `path`: the report file it was read from, or None for a fresh evaluation."""
    names = [s["name"] for s in report["stacks"]]
    unknown = [s for s in wanted or [] if s not in names]
    if unknown:
        where = f"not in {path}" if path is not None else "not evaluated"
        print(f"{name}: --stack {', '.join(unknown)}: {where}; stacks there: {', '.join(names)}", file=sys.stderr)
        return EXIT_USAGE
    stacks = [s for s in report["stacks"] if not wanted or s["name"] in wanted]
    if path is not None:
        source = f"report {code(path, False)} ({text(report['generatedAt'])})"
    else:
        source = f"a fresh evaluation ({text(report['generatedAt'])})"
    sys.stdout.write(markdown(report, stacks, source))
    if any(s["status"] == "error" for s in stacks):
        return EXIT_USAGE
    if any(row["verdict"] == "violation" for s in stacks for row in s["residency"]):
        return EXIT_VIOLATION
    return EXIT_OK


def markdown(report: dict[str, Any], stacks: list[dict[str, Any]], source: str) -> str:
    pack = report.get("policyPack")
    pack_text = f"policy pack {code(pack['name'], False)} {text(pack['version'])}" if pack else "no policy pack"
    out = [
        f"# Data residency: {text(report['project'])}",
        "",
        f"From {source}. Verdicts are the {pack_text}'s `au-data-residency` results; regions are what the "
        "program asks each provider for (see docs/compliance/README.md for what this does and does not prove).",
    ]
    for stack in stacks:
        out += ["", f"## Stack {code(stack['name'], False)}", ""]
        if stack["error"]:
            out += ["Could not be evaluated, so nothing is known about it:", "", *fenced(stack["error"])]
            continue
        rows = sorted(stack["residency"], key=_order)
        out += [
            "| Service | Data | Resource | Where the data lives | Australia | Verdict |",
            "|---|---|---|---|---|---|",
        ]
        for row in rows:
            service, data = _service(row)
            out.append(
                f"| {text(service)} | {text(data)} | {code(row['resource'])} | {text(_where(row['region']))} | "
                f"{_australia(row['verdict'])} | {_verdict(row)} |"
            )
        out += _exceptions(rows)
        out += _violations(rows)
    out += _limits([row for stack in stacks for row in stack["residency"]])
    return "\n".join(out).rstrip("\n") + "\n"


def _exceptions(rows: list[dict[str, str]]) -> list[str]:
    by_place: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row["verdict"] == "exception":
            by_place.setdefault((row["type"].split(":", 1)[0], _where(row["region"])), []).append(row["resource"])
    out = ["", "Documented exceptions:", ""] if by_place else []
    for (service, where), resources in by_place.items():
        names = ", ".join(code(r, False) for r in resources)
        out.append(f"- {text(_service_name(service))}: data stored in {text(where)}, for {names} (limits below).")
    return out


def _limits(rows: list[dict[str, str]]) -> list[str]:
    """Once for the whole report: what bounds each exception, and what the rows cannot show."""
    services = {row["type"].split(":", 1)[0] for row in rows}
    exceptions = [row for row in rows if row["verdict"] == "exception"]
    out = ["", "## Exceptions and limits"]
    if any(row["type"].startswith("sentry:") for row in exceptions):
        detail = next(row["detail"] for row in exceptions if row["type"].startswith("sentry:"))
        out += [
            "",
            "The pack's verdict on each Sentry resource, for example:",
            "",
            f"> {text(detail, line_start=True)}",
            "",
        ]
        out.append(SENTRY_LIMITS.rstrip("\n"))
    for service in sorted(services & SERVICE_NOTES.keys()):
        out += ["", f"{_service_name(service)}: {SERVICE_NOTES[service]}"]
    return out if len(out) > 2 else []


def _violations(rows: list[dict[str, str]]) -> list[str]:
    violations = [row for row in rows if row["verdict"] == "violation"]
    if not violations:
        return []
    out = ["", "### Violations (blocking)", ""]
    out += [f"- {code(row['resource'], False)}: {text(row['detail'])}" for row in violations]
    return out


def _order(row: dict[str, str]) -> tuple[int, str]:
    types = catalog.residency_types()
    return (types.index(row["type"]) if row["type"] in types else len(types), row["resource"])


def _service(row: dict[str, str]) -> tuple[str, str]:
    # The report names a service by its component ("VercelSite admin"); the site is the component's name.
    component = row["service"].rsplit(" ", 1)[-1]
    site = component.removeprefix("sentry-").capitalize()
    known = catalog.lookup(row["type"])
    if known is None or known.residency is None:
        return row["service"], "data"
    return known.residency.label.format(site=site), known.residency.data


def _service_name(prefix: str) -> str:
    return catalog.service_name(prefix)


def _where(region: str) -> str:
    places = catalog.places_in(region)
    return f"{region} ({'; '.join(places)})" if places else region


def _australia(verdict: str) -> str:
    return {"australian": "yes", "exception": "no (documented exception)"}.get(verdict, "**no: violation**")


def _verdict(row: dict[str, str]) -> str:
    return {"australian": "Australian", "exception": "exception"}.get(row["verdict"], "**VIOLATION**")
