"""The application's `DATABASE_URL`, in one place: the program hands it to Vercel without a password, and
`ops.rotate_neon_password` and `ops.preview_env` write it with one. Only the standard library, so the ops
commands that build it do not import the Neon provider SDK (about half a second at every start)."""

from __future__ import annotations

from urllib.parse import quote


def postgres_uri(user: str, password: str | None, host: str, database: str) -> str:
    """The application's `DATABASE_URL`; without a password when `password` is None (what the program
    hands Vercel before the first rotation)."""
    credentials = quote(user) if password is None else f"{quote(user)}:{quote(password, safe='')}"
    return f"postgresql://{credentials}@{host}/{quote(database)}?sslmode=require"
