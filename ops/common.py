"""What every operator command shares: errors that end the command cleanly, and credentials from the
environment."""

from __future__ import annotations

import os
from collections.abc import Mapping


class OperatorError(Exception):
    """Ends a command with a message (no traceback) and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def require_env(names: Mapping[str, str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment variables `names` (name -> what it is), all of them, or one error naming each
    missing one."""
    environ = os.environ if environ is None else environ
    missing = [f"  - {name}: {what}" for name, what in names.items() if not environ.get(name)]
    if missing:
        raise OperatorError(
            "missing environment variables (credentials never come from a file in this repository):\n"
            + "\n".join(missing),
            exit_code=2,
        )
    return {name: environ[name] for name in names}
