"""The repository's .github/CODEOWNERS says exactly what platform/ declares as code owners, rule by rule."""

from __future__ import annotations

import json

import yaml

from tests.support.platform import platform_config
from tests.support.project import ROOT

CODEOWNERS = ROOT / ".github" / "CODEOWNERS"
OWNERS = ROOT / ".github" / "owners.yml"


def github() -> dict:
    return json.loads(platform_config()["motion-mavericks-platform:github"])


def file_rules(text: str) -> list[tuple[str, list[str]]]:
    """(pattern, owners) per rule line, in order; comments and blank lines aside."""
    rules = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *owners = line.split()
            rules.append((pattern, owners))
    return rules


def declared_rules(config: dict) -> list[tuple[str, list[str]]]:
    return [
        (pattern, [f"@{config['owner']}/{slug}" for slug in slugs]) for pattern, slugs in config["codeOwners"].items()
    ]


def test_codeowners_is_what_the_platform_declares() -> None:
    assert file_rules(CODEOWNERS.read_text()) == declared_rules(github())


def test_the_teams_are_the_owners_files_and_production_is_reviewed_by_them() -> None:
    owners, config = yaml.safe_load(OWNERS.read_text()), github()
    assert config["owner"] == owners["organization"]
    assert set(config["teams"]) == set(owners["teams"].values())
    security = owners["teams"]["security"]
    assert security in config["environments"]["production"]["reviewers"]
    assert config["codeOwners"]["/policy/"] == [security], "security owns the pack"


def test_a_codeowners_file_that_differs_is_noticed() -> None:
    text = CODEOWNERS.read_text()
    loosened = text.replace("/policy/ @maverick/portal-security", "/policy/ @maverick/portal-platform")
    assert loosened != text
    assert file_rules(loosened) != declared_rules(github())
    reordered = "\n".join(reversed(text.splitlines()))
    assert file_rules(reordered) != declared_rules(github()), "the last matching rule wins: order matters"
