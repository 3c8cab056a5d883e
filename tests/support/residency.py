"""The residency report's markdown, read back as a reviewer reads it."""

from __future__ import annotations

import re


def rows(markdown: str, stack: str) -> dict[str, list[str]]:
    section = markdown.split(f"## Stack `{stack}`", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 6 and cells[0] not in ("Service", "---"):
            found[cells[0]] = cells[2:]
    return found
