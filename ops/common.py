"""What every operator command shares: errors that end the command cleanly, credentials and vendor base URLs
from the environment, what "cannot see" looks like in a vendor's answer, and the console that prints nothing
secret."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from vendor_api.http import credential_problem, redact

# What a vendor answers for a team, project or organisation the credential cannot see (Vercel, Neon, Sentry).
CANNOT_SEE = (403, 404)


def base_url(vendor: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """`<VENDOR>_API_BASE_URL` (e.g. a test's local server), else the vendor's own `default`."""
    environ = os.environ if environ is None else environ
    return environ.get(f"{vendor.upper()}_API_BASE_URL", "").strip() or default


class OperatorError(Exception):
    """Ends a command with a message (no traceback) and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Console:
    """A command's output: every line passes through `redact` with every secret the command holds
    (`hide`), errors go to stderr after `error: `, and each line is flushed at once."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.secrets: set[str] = set()

    def say(self, text: str = "") -> None:
        print(redact(text, self.secrets), file=self.out, flush=True)

    def fail(self, text: str) -> None:
        print(redact(f"error: {text}", self.secrets), file=self.err, flush=True)

    def hide(self, *secrets: str) -> None:
        """Never show these in any line from now on."""
        self.secrets.update(secrets)


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
