"""The processes the preflight starts: the stacks' policy packs and the stack workers.

Every one is tracked until it is collected, so that Ctrl-C or SIGTERM kills them all at once
(`exit_codes.on_interrupt`), and a forked one is killed by the kernel if the preflight dies without
stopping it (Linux `PR_SET_PDEATHSIG`).

A stack worker (`Worker`) is a child forked from the preflight once the SDK and the program's modules are
imported: it runs one task (a stack's program, its pack's verdict, or both) and hands the result back
through a pipe. Forking it costs nothing of what the preflight already imported, so the stacks' programs
run side by side on every core instead of one after another.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import selectors
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from typing import Final, Generic, TypeVar

import exit_codes

_PR_SET_PDEATHSIG: Final = 1  # linux/prctl.h

K = TypeVar("K")
T = TypeVar("T")


class ForkedChild:
    """The part of `subprocess.Popen` the preflight needs, for a child forked from this process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


# Every child this process started and has not collected, by pid: killed at once on Ctrl-C or SIGTERM.
_RUNNING: dict[int, subprocess.Popen[bytes] | ForkedChild] = {}


def track(process: subprocess.Popen[bytes] | ForkedChild) -> None:
    _RUNNING[process.pid] = process


def collected(pid: int) -> None:
    _RUNNING.pop(pid, None)


def _kill_running() -> None:
    for process in list(_RUNNING.values()):
        process.kill()
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(process.pid, 0)


exit_codes.on_interrupt(_kill_running)


def fork(child: Callable[[], int]) -> ForkedChild:
    """Fork a tracked child that runs `child()` and exits with its code.

    The child never returns into the caller's code: it ends with `os._exit`, so none of this process's exit
    handlers run twice; what it printed is flushed first. It dies with this process.
    """
    for stream in (sys.stdout, sys.stderr):  # nothing of ours may be written twice by the child
        with contextlib.suppress(Exception):
            stream.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        process = ForkedChild(pid)
        track(process)
        return process
    code = 1
    try:
        with contextlib.suppress(Exception):  # Linux: die with the preflight, even if it is killed
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the preflight died before prctl: nobody will read this child
            os._exit(1)
        code = child()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


class Worker(Generic[T]):
    """A forked child that runs one task and hands its (picklable) result back through a pipe."""

    def __init__(self, process: ForkedChild, result_pipe: int) -> None:
        self._process = process
        self.pipe: int | None = result_pipe
        self._received: list[bytes] = []

    @classmethod
    def start(cls, task: Callable[[], T]) -> Worker[T]:
        """Fork a worker for `task`. This process must not have started gRPC: the worker may speak it."""
        read, write = os.pipe()

        def run() -> int:
            os.close(read)
            # Ctrl-C and SIGTERM are the preflight's to handle: it kills its workers; a worker just ends.
            for number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(number, signal.SIG_DFL)
            _own_event_loop()
            payload = pickle.dumps(task(), protocol=pickle.HIGHEST_PROTOCOL)
            with open(write, "wb") as pipe:
                pipe.write(payload)
            return 0

        process = fork(run)
        os.close(write)
        return cls(process, read)

    def receive(self) -> bool:
        """Read what the worker sent so far; False once it has sent everything."""
        assert self.pipe is not None
        chunk = os.read(self.pipe, 1 << 20)
        if chunk:
            self._received.append(chunk)
        return bool(chunk)

    def finish(self) -> tuple[T | None, int]:
        """After the last `receive`: the worker's result (None if it ended without one) and its exit code."""
        self._close()
        code = self._process.wait()
        collected(self._process.pid)
        payload = b"".join(self._received)
        return (pickle.loads(payload) if payload else None), code  # our own child's result: trusted

    def kill(self) -> None:
        """End the worker now (safe if it already ended)."""
        if self._process.returncode is None:
            self._process.kill()
            with contextlib.suppress(ChildProcessError):
                self._process.wait()
        collected(self._process.pid)
        self._close()

    def _close(self) -> None:
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None


# The event loops a worker inherited: the parent's, registered with an epoll instance the parent shares.
# Kept, never closed: closing one in the worker would unregister the parent's descriptors from it.
_INHERITED_LOOPS: list[object] = []


def _own_event_loop() -> None:
    """The SDK runs programs on the thread's event loop; the one inherited from the parent comes with its
    executor's threads, which a forked child does not have, so the worker's programs get a loop of their own."""
    import asyncio

    with contextlib.suppress(RuntimeError):
        _INHERITED_LOOPS.append(asyncio.get_event_loop_policy().get_event_loop())
    asyncio.set_event_loop(asyncio.new_event_loop())


def in_workers(tasks: Mapping[K, Callable[[], T]], limit: int) -> Iterator[tuple[K, T | None, int]]:
    """Run each task in a worker of its own, at most `limit` at a time: (key, result, exit code) as each
    ends. Closing the iterator early kills the workers still running."""
    waiting = list(tasks.items())
    running: list[Worker[T]] = []
    with selectors.DefaultSelector() as selector:
        try:
            while waiting or running:
                while waiting and len(running) < limit:
                    key, task = waiting.pop(0)
                    worker = Worker.start(task)
                    running.append(worker)
                    selector.register(worker.pipe, selectors.EVENT_READ, (key, worker))  # type: ignore[arg-type]
                for ready, _ in selector.select():
                    key, worker = ready.data
                    if worker.receive():
                        continue
                    selector.unregister(ready.fileobj)
                    running.remove(worker)
                    result, code = worker.finish()
                    yield key, result, code
        finally:
            for worker in running:
                worker.kill()
