"""Reading `pulumi preview --json` (the CLI's PreviewDigest: config, steps, diagnostics, changeSummary).

The digest never carries policy violations (the CLI skips policy events when it serialises a preview),
so the verdict of the policy pack comes from the text run and its exit code, never from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Operations that change nothing. The CLI's `--expect-no-changes` ignores the first four; a refresh
# step only reads the provider, and the change it finds shows as the step that follows it.
NO_CHANGE_OPS = frozenset({"same", "read", "read-discard", "read-replacement", "refresh"})


class DigestError(Exception):
    """The file is missing, empty or not a preview digest."""


@dataclass(frozen=True, order=True)
class Change:
    op: str
    urn: str
    reasons: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        return urn_type(self.urn)

    @property
    def name(self) -> str:
        return urn_name(self.urn)


def load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise DigestError(f"{path}: cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise DigestError(f"{path}: empty (the preview produced no JSON)")
    try:
        digest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DigestError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(digest, dict):
        raise DigestError(f"{path}: not a preview digest (a JSON object is expected)")
    return digest


def changes(digest: dict[str, Any]) -> list[Change]:
    """Every step that would change something, sorted, with the properties that cause it."""
    found = []
    for step in digest.get("steps") or []:
        op = str(step.get("op", ""))
        if op in NO_CHANGE_OPS:
            continue
        reasons = tuple(sorted({*(step.get("diffReasons") or []), *(step.get("replaceReasons") or [])}))
        found.append(Change(op, str(step.get("urn", "")), reasons))
    return sorted(found)


def counts(digest: dict[str, Any]) -> dict[str, int]:
    """Resources per operation, as the CLI summarised them (from the steps if it did not)."""
    summary = digest.get("changeSummary")
    if isinstance(summary, dict) and summary:
        return {str(op): int(n) for op, n in sorted(summary.items())}
    tally: dict[str, int] = {}
    for step in digest.get("steps") or []:
        op = str(step.get("op", ""))
        tally[op] = tally.get(op, 0) + 1
    return dict(sorted(tally.items()))


def has_changes(digest: dict[str, Any]) -> bool:
    if digest.get("steps"):
        return bool(changes(digest))
    return any(n for op, n in counts(digest).items() if op not in NO_CHANGE_OPS)


def problems(digest: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(severity, resource name or '', message) for each warning and error the preview reported."""
    out = []
    for diag in digest.get("diagnostics") or []:
        severity = str(diag.get("severity", ""))
        if severity not in ("warning", "error"):
            continue
        urn = str(diag.get("urn") or "")
        out.append((severity, urn_name(urn) if urn else "", str(diag.get("message", "")).strip()))
    return out


def urn_type(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>` -> the resource's own type."""
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


def urn_name(urn: str) -> str:
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def compare(approved: dict[str, Any], current: dict[str, Any]) -> tuple[list[Change], list[Change]]:
    """Changes only in the approved preview, and changes only in the current one."""
    before, after = set(changes(approved)), set(changes(current))
    return sorted(before - after), sorted(after - before)
