"""Three fake vendors on real local HTTP servers, and the rotation command run against them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.ops.fakes import NEON_KEY, OP_TOKEN, VERCEL_TOKEN, FakeConnect, FakeNeon, FakeVercel
from tests.support.rotation import ITEM_ID, PROJECTS, VAULT_ID, Vendors


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
