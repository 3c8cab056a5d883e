"""An overall deadline for one vendor call: connecting, every retry and its wait, the headers and the body.

`requests`' timeout bounds each socket operation, not the call: a vendor that answers one byte every
few seconds never trips it and holds the caller for as long as it likes. So each call runs under a
`Deadline`: the connections urllib3 hands out during the call are registered with it (a pool class of
our own), and when the time is up a timer shuts their sockets down, which ends any read at once. A
retry whose wait would end past the deadline is not waited for. The caller then sees `DeadlineExceeded`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

_current = threading.local()


class DeadlineExceeded(Exception):
    """The call's deadline passed; raised in place of whatever the cut connection caused."""


class Deadline:
    """Use as `with Deadline(seconds): ...` around one call, in the thread that makes it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._ends = 0.0
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._ends = time.monotonic() + self.seconds
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.deadline = None

    def remaining(self) -> float:
        return self._ends - time.monotonic()

    def register(self, connection: Any) -> None:
        with self._lock:
            if self.expired:
                _cut(connection)
            self._connections.append(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                _cut(connection)


def _cut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def current() -> Deadline | None:
    return getattr(_current, "deadline", None)


class _Watched:
    """Registers each connection the pool hands out with the calling thread's deadline."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        deadline = current()
        if deadline is not None:
            deadline.register(connection)
        return connection


class _WatchedHTTPPool(_Watched, HTTPConnectionPool):
    pass


class _WatchedHTTPSPool(_Watched, HTTPSConnectionPool):
    pass


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections (direct or through a proxy) obey the calling thread's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are classes of their own: not watched
            manager.pool_classes_by_scheme = _POOLS
        return manager


class DeadlineRetry(Retry):
    """urllib3's Retry, except that it never waits past the calling thread's deadline."""

    def sleep(self, response: Any = None) -> None:
        deadline = current()
        if deadline is not None:
            wait = (self.get_retry_after(response) if response is not None else None) or self.get_backoff_time()
            if wait >= deadline.remaining():
                raise DeadlineExceeded
        super().sleep(response)
