"""Non-prod stacks live in accounts prod does not: the cross-stack check every pull request runs.

Vercel tokens are scoped to a team (or a whole account), never to the three projects of a stack, and Sentry
tokens to an organisation. So a token that can change dev or staging can change prod whenever prod's
projects sit in the same Vercel team or Sentry organisation. The pull-request jobs hold non-prod tokens
(docs/delivery.md, "The trust boundary"), so the stack files keep prod in its own team and organisation:

- `vercel.team`: dev, staging and every personal `dev-<name>` stack name a team prod's stacks do not;
- `sentry.organization`: likewise.

No single stack shows a breach (the policy pack judges one stack at a time), so this reads every stack file
of the project and compares the non-prod ones with prod's. The preflight runs it before evaluating any
stack (`preflight/evaluation.py`), and `python -m ops.credential_guard` runs it before asking any vendor.
It imports only the standard library and `stack_config`, so the preflight can run it before the SDK loads.

A Vercel team can be named by its slug or its id (`team_...`), and offline nothing says whether a slug and an
id are the same team; so prod and the non-prod stacks must name their teams the same way (both slugs, or both
ids), or the check refuses. Sentry organisations are named by slug only.

Neon is not compared: it stays one organisation, with a project-scoped API key per stack (Neon API keys can
be limited to one project). Upstash keys are not in the stack files at all: which team a key belongs to is
checked online by `ops.credential_guard`, which asks Upstash whether the key can list prod's database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stack_config import Project, ProjectError

PROD = "prod"
# (top-level key, field, what it names): the accounts a token's reach is bounded by.
SHARED_ACCOUNT_KEYS = (
    ("vercel", "team", "Vercel team"),
    ("sentry", "organization", "Sentry organisation"),
)
VERCEL_TEAM_ID_PREFIX = "team_"
WHY = "docs/delivery.md, 'Separate accounts for non-prod'"


@dataclass(frozen=True)
class Accounts:
    """Where one stack's account-bounded resources live, as its stack file names them."""

    stack: str
    environment: str
    values: dict[str, str]  # "vercel.team" -> "motion-mavericks-nonprod", ...

    @property
    def is_prod(self) -> bool:
        return self.environment == PROD


def read_accounts(project: Project, stacks: Iterable[str]) -> list[Accounts]:
    """Each readable stack's environment and account names. A stack file that cannot be read, or that lacks
    these keys, is left out: the program's own validation names that problem when the stack is evaluated."""
    found = []
    for stack in stacks:
        try:
            config = project.stack_config(stack)
        except ProjectError:
            continue
        environment = _raw(config, f"{project.name}:environment")
        if not isinstance(environment, str):
            continue
        values = {}
        for key, field, _ in SHARED_ACCOUNT_KEYS:
            section = _raw(config, f"{project.name}:{key}")
            value = section.get(field) if isinstance(section, dict) else None
            if isinstance(value, str) and value:
                values[f"{key}.{field}"] = value
        found.append(Accounts(stack, environment.strip().lower(), values))
    return found


def problems(project: Project, checked: Iterable[str] | None = None) -> dict[str, str]:
    """For each non-prod stack among `checked` (default: all) that shares an account with a prod stack, one
    message naming the stack, the key, the value found and what is allowed. Empty when all is well, and
    when the project has no prod stack (nothing to keep apart)."""
    everything = read_accounts(project, project.stacks())
    wanted = set(project.stacks() if checked is None else checked)
    prod = [a for a in everything if a.is_prod]
    found: dict[str, str] = {}
    for stack in everything:
        if stack.is_prod or stack.stack not in wanted:
            continue
        lines = [line for other in prod for line in _shared(stack, other)]
        if lines:
            found[stack.stack] = (
                f"stack {stack.stack!r} ({stack.environment}) shares an account with prod, so its tokens, which "
                f"pull-request jobs hold, could change prod ({WHY}):\n" + "\n".join(f"  - {line}" for line in lines)
            )
    return found


def _shared(stack: Accounts, prod: Accounts) -> list[str]:
    lines = []
    for key, field, what in SHARED_ACCOUNT_KEYS:
        name = f"{key}.{field}"
        mine, theirs = stack.values.get(name), prod.values.get(name)
        if mine is None or theirs is None:
            continue
        allowed = f"allowed: a {what} of its own for non-prod, not {theirs!r}"
        if mine.lower() == theirs.lower():
            lines.append(
                f"{name}: found {mine!r} in Pulumi.{stack.stack}.yaml, the {what} of stack {prod.stack!r}; {allowed}"
            )
        elif key == "vercel" and _is_team_id(mine) != _is_team_id(theirs):
            lines.append(
                f"{name}: found {mine!r} in Pulumi.{stack.stack}.yaml and {theirs!r} in Pulumi.{prod.stack}.yaml, "
                f"one a team id and the other a slug, so nothing offline can tell whether they are the same "
                f"team; allowed: both slugs or both ids (the team's Settings page shows both)"
            )
    return lines


def _is_team_id(team: str) -> bool:
    return team.startswith(VERCEL_TEAM_ID_PREFIX)


def _raw(config: Any, key: str) -> Any:
    return config.raw(key) if key in config.values else None
