"""Human-readable renderings of a preflight report: a terminal preview and CI's markdown comment."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from catalog import highlights
from compliance import markdown as md
from compliance.reports import violation_text

SEVERITY_ORDER = ("mandatory", "advisory", "remediate", "disabled")


class Style:
    """ANSI styling, or none when the output is not a terminal (or NO_COLOR is set)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


def _children(stack: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in stack["resources"]:
        children[resource["parent"]].append(resource)
    return children


def _tree_lines(stack: dict[str, Any], style: Style) -> list[str]:
    children = _children(stack)
    lines: list[str] = []

    def walk(resource: dict[str, Any], prefix: str, last: bool, depth: int) -> None:
        branch = "" if depth == 0 else ("└─ " if last else "├─ ")
        detail = "  ".join(highlights(resource))
        label = f"{style.green('+')} {resource['type']}  {style.bold(resource['name'])}"
        lines.append(f"{prefix}{branch}{label}" + (f"  {style.dim(detail)}" if detail else ""))
        kids = children.get(resource["urn"], [])
        extension = "" if depth == 0 else ("   " if last else "│  ")
        for index, kid in enumerate(kids):
            walk(kid, prefix + extension, index == len(kids) - 1, depth + 1)

    for root in children.get("", []):
        walk(root, "  ", True, 0)
    return lines


def _grouped(diagnostics: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for diagnostic in diagnostics:
        groups[(diagnostic["enforcementLevel"], diagnostic["policy"])].append(diagnostic)
    order = {level: i for i, level in enumerate(SEVERITY_ORDER)}
    return [
        (level, policy, items)
        for (level, policy), items in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1]))
    ]


def _message(diagnostic: dict[str, Any]) -> str:
    return violation_text(diagnostic["message"], diagnostic.get("description", ""))


def _resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "(stack)"


def _stack_summary(stack: dict[str, Any]) -> str:
    s = stack["summary"]
    return f"{s['resources']} resources, {s['mandatory']} mandatory, {s['advisory']} advisory"


def text(report: dict[str, Any], style: Style) -> str:
    out: list[str] = []
    for stack in report["stacks"]:
        status = {"pass": style.green("PASS"), "fail": style.red("FAIL"), "error": style.red("ERROR")}
        out.append(style.bold(f"Stack {stack['name']}") + f"  {status[stack['status']]}  {_stack_summary(stack)}")
        # Before an error too: an unresolved import is often why the program stopped.
        for item in stack["unresolved"]:
            out.append(style.yellow(f"  not resolved offline: {item}"))
        if stack["error"]:
            out.append(style.red("  could not be evaluated:"))
            out += [f"    {line}" for line in stack["error"].splitlines()]
            out.append("")
            continue
        out.append("  Would create:")
        out += _tree_lines(stack, style)
        out.append("")
        if stack["diagnostics"]:
            out.append("  Policy violations:")
            for level, policy, items in _grouped(stack["diagnostics"]):
                colour = style.red if level == "mandatory" else style.yellow
                out.append(f"    {colour(f'[{level}]')} {style.bold(policy)} ({len(items)})")
                for d in items:
                    out.append(f"      - {_resource_name(d['urn'])}: {_message(d)}")
        else:
            out.append(style.green("  Policy violations: none"))
        out.append("")
        out.append("  Residency:")
        rows = [(r["service"], r["resource"], r["region"], _verdict_text(r)) for r in stack["residency"]]
        out += _table(("service", "resource", "region", "verdict"), rows, indent="    ")
        out.append("")
    summary = report["summary"]
    line = (
        f"{summary['stacks']} stacks: {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['errors']} could not be evaluated; {summary['mandatory']} mandatory and "
        f"{summary['advisory']} advisory policy violations"
    )
    colour = style.green if summary["exitCode"] == 0 else style.red
    out.append(colour(line))
    return "\n".join(out) + "\n"


def _verdict_text(row: dict[str, str]) -> str:
    if row["verdict"] == "australian":
        return "Australian"
    # The pack's full message is in the violations listed with the stack; the table only points at it.
    if row["verdict"] == "exception":
        return "EXCEPTION (documented; see au-data-residency-exceptions)"
    return "VIOLATION (see au-data-residency)"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], indent: str) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]
    widths[-1] = 0  # the last column is free text

    def fmt(row: tuple[str, ...]) -> str:
        return indent + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()

    return [fmt(header)] + [fmt(row) for row in rows]


def markdown(report: dict[str, Any]) -> str:
    """The pull request comment. Every value from the report is inert (compliance/markdown.py): names and
    messages come from the pull request's program and pack."""
    summary = report["summary"]
    icon = {0: "✅", 1: "❌", 2: "⚠️"}[summary["exitCode"]]
    out = [
        f"## {icon} Preflight: {md.text(report['project'])}",
        "",
        f"{summary['stacks']} stacks: {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['errors']} could not be evaluated; **{summary['mandatory']} mandatory** and "
        f"{summary['advisory']} advisory policy violations. Offline: Pulumi's mock monitor and the real "
        "policy pack over the Analyzer protocol; no credentials, no state.",
        "",
        "| Stack | Status | Resources | Mandatory | Advisory |",
        "|---|---|---|---|---|",
    ]
    for stack in report["stacks"]:
        s = stack["summary"]
        out.append(
            md.row(
                md.code(stack["name"]), stack["status"], *(str(s[k]) for k in ("resources", "mandatory", "advisory"))
            )
        )
    for stack in report["stacks"]:
        out += ["", f"### Stack {md.code(stack['name'], cell=False)}", ""]
        for item in stack["unresolved"]:
            out.append(f"- not resolved offline: {md.text(item)}")
        if stack["unresolved"]:
            out.append("")  # a list runs into whatever follows it without a blank line
        if stack["error"]:
            out += ["Could not be evaluated:", "", *md.fenced(stack["error"])]
            continue
        if stack["diagnostics"]:
            out += ["| Level | Policy | Resource | Message |", "|---|---|---|---|"]
            for level, policy, items in _grouped(stack["diagnostics"]):
                for d in items:
                    out.append(
                        md.row(md.text(level), md.code(policy), md.code(_resource_name(d["urn"])), md.text(_message(d)))
                    )
        else:
            out.append("No policy violations.")
        out += ["", "| Service | Resource | Region | Residency |", "|---|---|---|---|"]
        for r in stack["residency"]:
            out.append(
                md.row(md.text(r["service"]), md.code(r["resource"]), md.text(r["region"]), md.text(_verdict_text(r)))
            )
        out += ["", "<details><summary>Would create</summary>", ""]
        out += md.fenced("\n".join(line.strip("\n") for line in _tree_lines(stack, Style(False))))
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
