"""Local HTTP servers beside pytest-httpserver's own (`httpserver`), for a test that needs a vendor each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture(scope="session")
def extra_servers() -> Iterator[tuple[HTTPServer, HTTPServer]]:
    servers = (HTTPServer(), HTTPServer())
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()
