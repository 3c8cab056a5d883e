"""The compliance documents stay in step with the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ops.check_manual import CHECKS
from tests.support.project import ROOT

DOCS = [
    *sorted((ROOT / "docs" / "runbooks").glob("*.md")),
    *sorted((ROOT / "docs" / "compliance").glob("*.md")),
    ROOT / "docs" / "manual-configuration.md",
]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def policies() -> list[str]:
    table = (ROOT / "policy" / "README.md").read_text().split("## The policies", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z0-9-]+)` \| (?:mandatory|advisory) \|", table, flags=re.MULTILINE)


def test_every_policy_has_a_triage_section() -> None:
    runbook = (ROOT / "docs" / "runbooks" / "policy-violations.md").read_text()
    names = policies()
    assert len(names) >= 10
    missing = [name for name in names if not re.search(rf"^## .*`{re.escape(name)}`", runbook, flags=re.MULTILINE)]
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    for target in LINK.findall(doc.read_text()):
        if "://" in target:
            continue
        path = (doc.parent / target).resolve()
        assert path.exists(), f"{doc.name}: broken link {target}"


def test_every_manual_check_is_registered_with_its_owner() -> None:
    registry = (ROOT / "docs" / "manual-configuration.md").read_text()
    for check in CHECKS:
        row = next((line for line in registry.splitlines() if line.startswith("|") and f"`{check.name}`" in line), "")
        assert check.owner in row, f"{check.name}: the registry's table must name it with owner {check.owner}"
    for section in registry.split("\n## ")[1:]:
        assert "Owner: **" in section and "Verify" in section, section.splitlines()[0]


def test_the_runbooks_the_issue_asks_for_exist() -> None:
    names = {p.name for p in (ROOT / "docs" / "runbooks").glob("*.md")}
    assert {"disaster-recovery.md", "drift.md", "policy-violations.md", "credential-rotation.md"} <= names
