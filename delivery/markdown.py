"""Markdown for job summaries, drift issues and the pull-request comment.

Reviewers approve production from the `preview-prod` job summary, so it leads with what would change
and the policy verdict, and keeps the full text diff one click away. Every text is bounded: GitHub
rejects an issue or comment body over 65,536 characters and a step summary over 1 MiB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from delivery import digest

ISSUE_LIMIT = 60_000
SUMMARY_LIMIT = 200_000
ICONS = {"ok": "✅", "clean": "✅", "failed": "❌", "drift": "⚠️", "error": "❌"}
VERDICTS = {
    "ok": "passed: no error and no mandatory policy violation",
    "failed": "failed: see the errors or mandatory policy violations in the output",
    "clean": "no drift: the cloud matches the state and the program",
    "drift": "drift: the cloud no longer matches the state or the program",
    "error": "could not be checked",
}


def run_summary(out: Path, result: dict[str, Any], *, title: str | None = None, limit: int = SUMMARY_LIMIT) -> str:
    """One run (preview, drift or up) from its output directory."""
    status = result["status"]
    title = title or f"pulumi {result['command']} `{result['stack_ref']}`"
    icon = ICONS.get(status)
    lines = [f"### {icon + ' ' if icon else ''}{title}", "", f"**{VERDICTS.get(status, status)}**"]
    if result.get("reason") and status not in ("ok", "clean"):
        lines += ["", _escape(result["reason"])]
    pack = "not run (drift compares the cloud with the state)" if result["command"] == "drift" else "`policy`"
    if result.get("policy_pack_config"):
        pack += f" with `{result['policy_pack_config']}`"
    lines += ["", f"Policy pack: {pack}."]

    if result.get("changes"):
        ops = result["changes"]
        lines += ["", "| " + " | ".join(ops) + " |", "|" + "---|" * len(ops)]
        lines.append("| " + " | ".join(str(n) for n in ops.values()) + " |")

    preview_json = out / "preview.json"
    if preview_json.is_file():
        try:
            parsed = digest.load(preview_json)
        except digest.DigestError:
            parsed = None
        if parsed is not None:
            lines += _changes_table(digest.changes(parsed)) + _problems_table(digest.problems(parsed))

    text_file = next((out / n for n in ("preview.txt", "up.txt") if (out / n).is_file()), None)
    if text_file is not None:
        lines += ["", f"<details><summary>CLI output ({text_file.name})</summary>", ""]
        lines += _fenced(text_file.read_text(), budget=max(1000, limit - sum(len(line) + 1 for line in lines) - 200))
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def comment(body: str, *, marker: str, link: str, limit: int = ISSUE_LIMIT) -> str:
    """A pull-request comment: the marker that finds it again, the body (cut at a line if too long)."""
    footer = f"\n---\nReal `pulumi preview` per stack, with the policy pack: [job summaries and artefacts]({link})."
    budget = limit - len(marker) - len(footer) - 200
    if len(body) > budget:
        cut = body.rfind("\n", 0, budget)
        body = body[: cut if cut > 0 else budget] + (
            f"\n\n_Truncated at {budget:,} characters: the whole report is in the job summary and the "
            "`preflight` artefact._\n"
        )
    return f"{marker}\n{body.rstrip()}\n{footer}\n"


def _changes_table(changes: list[digest.Change]) -> list[str]:
    if not changes:
        return ["", "No resource would change."]
    rows = ["", "| Operation | Type | Name | Because of |", "|---|---|---|---|"]
    for c in changes:
        reasons = ", ".join(f"`{r}`" for r in c.reasons)
        rows.append(f"| {c.op} | `{_escape(c.type)}` | `{_escape(c.name)}` | {reasons} |")
    return rows


def _problems_table(problems: list[tuple[str, str, str]]) -> list[str]:
    if not problems:
        return []
    rows = ["", "| Severity | Resource | Message |", "|---|---|---|"]
    rows += [f"| {sev} | `{_escape(name)}` | {_escape(msg)} |" for sev, name, msg in problems]
    return rows


def _fenced(text: str, *, budget: int) -> list[str]:
    if len(text) > budget:
        text = text[-budget:]
        text = "[... earlier output cut: the whole file is in the run's artefact ...]\n" + text[text.find("\n") + 1 :]
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return [fence + "text", text.rstrip("\n"), fence]


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return longest


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")
