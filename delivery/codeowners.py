"""`.github/CODEOWNERS`, generated from `.github/owners.yml`: the one place that names the owning teams.

    python -m delivery codeowners            # print the CODEOWNERS text for .github/owners.yml
    python -m delivery codeowners --check    # exit 1 if .github/CODEOWNERS differs from it

The owners file maps roles (security, technical-lead, platform) to team slugs once; every rule names
roles, so a renamed team is one edit. A wrong shape is refused with the key, the value and what is
allowed (exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

OWNERS_FILE = Path(".github") / "owners.yml"
CODEOWNERS_FILE = Path(".github") / "CODEOWNERS"
SLUG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
PATH = re.compile(r"[^\s#]+")


class OwnersError(ValueError):
    """The owners file cannot be used; the message names the key and the value."""


@dataclass(frozen=True)
class Rule:
    path: str
    roles: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Owners:
    organization: str
    teams: dict[str, str]  # role -> team slug
    rules: tuple[Rule, ...]

    def team(self, role: str) -> str:
        return f"@{self.organization}/{self.teams[role]}"


def load(path: Path) -> Owners:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OwnersError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    return parse(data, str(path))


def parse(data: object, where: str) -> Owners:
    _keys(data, where, {"organization", "teams", "rules"})
    organization = _slug(data["organization"], f"{where}: organization")
    teams = data["teams"]
    if not isinstance(teams, dict) or not teams:
        raise OwnersError(f"{where}: teams: found {teams!r}; allowed: a mapping of role to team slug")
    teams = {_slug(role, f"{where}: teams key"): _slug(slug, f"{where}: teams.{role}") for role, slug in teams.items()}
    rules = data["rules"]
    if not isinstance(rules, list) or not rules:
        raise OwnersError(f"{where}: rules: found {rules!r}; allowed: a non-empty list of {{path, owners, why}}")
    parsed = []
    for i, rule in enumerate(rules):
        at = f"{where}: rules[{i}]"
        _keys(rule, at, {"path", "owners", "why"})
        if not isinstance(rule["path"], str) or not PATH.fullmatch(rule["path"]):
            raise OwnersError(f"{at}.path: found {rule['path']!r}; allowed: a CODEOWNERS pattern without spaces")
        roles = rule["owners"]
        if not isinstance(roles, list) or not roles or any(r not in teams for r in roles):
            raise OwnersError(f"{at}.owners: found {roles!r}; allowed: a non-empty list of {sorted(teams)}")
        if not isinstance(rule["why"], str) or not rule["why"].strip() or "\n" in rule["why"]:
            raise OwnersError(f"{at}.why: found {rule['why']!r}; allowed: one line saying why")
        parsed.append(Rule(rule["path"], tuple(roles), rule["why"].strip()))
    return Owners(organization, teams, tuple(parsed))


def render(owners: Owners) -> str:
    lines = [
        "# GENERATED from .github/owners.yml by `python -m delivery codeowners`: edit that file, not this one.",
        '# The last matching rule wins. docs/delivery.md, "Code owners", says how reviews by these teams are',
        "# made required (branch ruleset on main: require review from Code Owners).",
    ]
    for rule in owners.rules:
        lines += ["", f"# {rule.why}", f"{rule.path} {' '.join(owners.team(r) for r in rule.roles)}"]
    return "\n".join(lines) + "\n"


def _keys(data: object, where: str, expected: set[str]) -> None:
    if not isinstance(data, dict):
        raise OwnersError(f"{where}: found {type(data).__name__}; allowed: a mapping with {sorted(expected)}")
    unknown, missing = set(map(str, data)) - expected, expected - set(map(str, data))
    if unknown or missing:
        raise OwnersError(
            f"{where}: keys {sorted(unknown)} unknown, {sorted(missing)} missing; allowed: exactly {sorted(expected)}"
        )


def _slug(value: object, where: str) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise OwnersError(f"{where}: found {value!r}; allowed: a GitHub name (letters, digits, '.', '_', '-')")
    return value
