"""Three fake vendors on real local HTTP servers, and the rotation command run against them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.ops.fakes import NEON_KEY, OP_TOKEN, VERCEL_TOKEN, FakeConnect, FakeNeon, FakeVercel

VAULT_ID = "vaultfakeprod0000000000001"
ITEM_ID = "itemneonportalapp000000001"
PROJECTS = {"admin": "mm-portal-admin-prod", "agency": "mm-portal-agency-prod", "guest": "mm-portal-guest-prod"}


@dataclass
class Vendors:
    neon: FakeNeon
    connect: FakeConnect
    vercel: FakeVercel
    journal_dir: Path

    def env(self, **changes: str | None) -> dict[str, str]:
        env = {
            "NEON_API_KEY": NEON_KEY,
            "NEON_API_BASE_URL": self.neon.base_url,
            "OP_CONNECT_HOST": self.connect.base_url,
            "OP_CONNECT_TOKEN": OP_TOKEN,
            "VERCEL_API_TOKEN": VERCEL_TOKEN,
            "VERCEL_API_BASE_URL": self.vercel.base_url,
            "VENDOR_API_BACKOFF_FACTOR": "0",
        }
        env.update(changes)
        return {key: value for key, value in env.items() if value is not None}

    def mutations(self) -> list:
        return self.neon.mutations() + self.connect.mutations() + self.vercel.mutations()

    def journal_text(self) -> str:
        return "".join(p.read_text() for p in self.journal_dir.glob("*")) if self.journal_dir.exists() else ""


@pytest.fixture(scope="session")
def extra_servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    servers = (HTTPServer(), HTTPServer())
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def vendors(
    httpserver: HTTPServer, extra_servers, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Vendors]:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")  # the in-process client reads it from os.environ
    for name in ("NEON_API_KEY", "OP_CONNECT_HOST", "OP_CONNECT_TOKEN", "VERCEL_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    connect_server, vercel_server = extra_servers
    neon = FakeNeon(httpserver, NEON_KEY)
    connect = FakeConnect(connect_server, OP_TOKEN)
    connect.add_item(VAULT_ID, ITEM_ID, "neon-portal_app")
    connect.add_item(VAULT_ID, "itemneonowner0000000000001", "neon-neondb_owner")
    vercel = FakeVercel(vercel_server, VERCEL_TOKEN)
    for project in PROJECTS.values():
        vercel.add_project(project)
    for fake in (neon, connect, vercel):
        fake.install()
    yield Vendors(neon, connect, vercel, tmp_path / ".rotation")
    for server in (httpserver, *extra_servers):
        server.check_handler_errors()
    for server in extra_servers:
        server.clear()
