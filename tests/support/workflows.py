"""The repository's GitHub Actions workflows, read as GitHub reads them."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.project import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def workflow(name: str) -> dict[str, Any]:
    return load((WORKFLOWS / name).read_text())


def all_workflows() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(WORKFLOWS.glob("*.yml"))}
