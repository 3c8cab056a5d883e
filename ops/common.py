"""What every operator command shares: errors that end the command cleanly, and credentials from the
environment."""

from __future__ import annotations

import os
from collections.abc import Mapping

from vendor_api.http import credential_problem


class OperatorError(Exception):
    """Ends a command with a message (no traceback) and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def require_env(names: Mapping[str, str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment variables `names` (name -> what it is), all of them, or one error naming each
    missing one, or each one whose value cannot be a credential (never showing the value)."""
    environ = os.environ if environ is None else environ
    missing = [f"  - {name}: {what}" for name, what in names.items() if not environ.get(name)]
    if missing:
        raise OperatorError(
            "missing environment variables (credentials never come from a file in this repository):\n"
            + "\n".join(missing),
            exit_code=2,
        )
    damaged = [
        f"  - {name}: holds {problem} (value not shown); allowed: visible ASCII characters only"
        for name in names
        if (problem := credential_problem(environ[name]))
    ]
    if damaged:
        raise OperatorError(
            "environment variables that cannot be sent as credentials (a line break from a paste, a typographic "
            "character):\n" + "\n".join(damaged),
            exit_code=2,
        )
    return {name: environ[name] for name in names}
