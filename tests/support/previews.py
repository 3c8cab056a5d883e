"""Neon and Vercel answering on local servers as their APIs do, for `python -m ops.preview_env` and the
preview workflows' scripts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.ops.fakes import NEON_KEY, VERCEL_TOKEN
from tests.ops.preview_fakes import PARENT_PASSWORD, FakeNeonBranches, FakeVercelEnv

PR, GIT_BRANCH = "42", "feature/share-links"
NAME = "preview/pr-42"


@dataclass
class PreviewVendors:
    """Neon and Vercel for the preview environments, on local servers (not the rotation's `Vendors`)."""

    neon: FakeNeonBranches
    vercel: FakeVercelEnv
    tmp: Path

    def env(self, **changes: str | None) -> dict[str, str]:
        env = {
            "NEON_API_KEY": NEON_KEY,
            "NEON_API_BASE_URL": self.neon.base_url,
            "VERCEL_API_TOKEN": VERCEL_TOKEN,
            "VERCEL_API_BASE_URL": self.vercel.base_url,
            "VENDOR_API_BACKOFF_FACTOR": "0",
            "NEON_OPERATION_WAIT_SECONDS": "0",
        }
        env.update(changes)
        return {k: v for k, v in env.items() if v is not None}

    def mutations(self) -> list:
        return self.neon.mutations() + self.vercel.mutations()

    def secrets(self) -> list[str]:
        return [*self.neon.issued, PARENT_PASSWORD, NEON_KEY, VERCEL_TOKEN, *self.vercel.values.values()]


@pytest.fixture
def previews(
    httpserver: HTTPServer, extra_servers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[PreviewVendors]:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")
    _, vercel_server = extra_servers
    neon = FakeNeonBranches(httpserver, NEON_KEY)
    vercel = FakeVercelEnv(vercel_server, VERCEL_TOKEN)
    neon.install()
    vercel.install()
    yield PreviewVendors(neon, vercel, tmp_path)
    for server in (httpserver, vercel_server):
        server.check_handler_errors()
    vercel_server.clear()
