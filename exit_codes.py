"""One exit-code convention for every command-line tool in this repository, and the wrapper that keeps it.

- 0: done; nothing to report (no mandatory violation; every check passed or was skipped).
- 1: done, and it found a problem: mandatory policy violations, a failed check, a vendor that refused.
- 2: not done: the input was wrong (arguments, a stack file, a report), a stack could not be evaluated,
  or the tool itself failed (a bug: one message, its traceback in a file).
- 3 to 9: command-specific, documented by the command (`ops.rotate_neon_password`, `ops.preview_env`:
  stopped part-way, a bug there included; run again).
- 130: interrupted by Ctrl-C (128 + SIGINT); 143: terminated by SIGTERM (128 + SIGTERM). Quietly (or one
  line saying where a half-done operation stands, from an `on_interrupt` clean-up), and every process the
  tool started is gone, or has been let finish (`passing_interrupts_to`).

CI reads 1 as "the change is refused" and anything else non-zero as "the check did not run", so a crash
must never exit 1. The table for users: README "Exit codes"; every command is held to it by
tests/test_exit_codes.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from typing import Final, NoReturn

OK: Final = 0
FAILED: Final = 1
USAGE: Final = 2
INTERRUPTED: Final = 128 + signal.SIGINT
TERMINATED: Final = 128 + signal.SIGTERM


_CLEAN_UPS: list[Callable[[], None]] = []
_CHILD: subprocess.Popen | None = None  # a process that must finish before the command leaves
_DEFERRED: int | None = None  # the first signal received while it ran


def on_interrupt(clean_up: Callable[[], None]) -> Callable[[], None]:
    """Have `clean_up` run when Ctrl-C or SIGTERM ends the command (e.g. kill the processes it started, say
    where a half-done operation stands). Returns what unregisters it, for a step that is over."""
    _CLEAN_UPS.append(clean_up)
    return lambda: _CLEAN_UPS.remove(clean_up) if clean_up in _CLEAN_UPS else None


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: clean up and leave at once, printing nothing.

    Raising an exception instead (KeyboardInterrupt) would unwind from wherever the main thread happens to
    be: half way through taking a lock that a worker thread then waits for, or inside SDK code that
    swallows it. Leaving from here is the one way that is quiet and never hangs.
    """
    global _DEFERRED
    if _CHILD is not None and _CHILD.poll() is None:
        _DEFERRED = _DEFERRED or signum
        with contextlib.suppress(OSError):
            _CHILD.send_signal(signum)
        return
    for clean_up in _CLEAN_UPS:
        with contextlib.suppress(Exception):
            clean_up()
    os._exit(128 + signum)


@contextlib.contextmanager
def passing_interrupts_to(process: subprocess.Popen) -> Iterator[None]:
    """While `process` runs, Ctrl-C and SIGTERM are passed on to it, each as received, and the command lets
    it finish (`pulumi` cancels an update cleanly and releases the stack's lock), then exits 130 or 143.

    Start `process` in its own session (`start_new_session=True`): a terminal's Ctrl-C then reaches it once,
    through this command, and not a second time directly (a second Ctrl-C makes `pulumi` stop at once).
    """
    global _CHILD, _DEFERRED
    _CHILD, _DEFERRED = process, None
    try:
        yield
    finally:
        _CHILD = None
    if _DEFERRED is not None:
        raise SystemExit(128 + _DEFERRED)


def run_command(main: Callable[[], int], prog: str) -> NoReturn:
    """Run `main` and exit with the convention above, whatever happens, with at most one message."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupted)
    try:
        code = main()
    except Exception as error:  # a bug: one message for the user, the traceback for whoever fixes it
        code = USAGE
        print(internal_error(prog, error), file=sys.stderr)
    with contextlib.suppress(BrokenPipeError, OSError, ValueError):  # `| head`: the reader left
        sys.stdout.flush()
    sys.exit(code)


def internal_error(prog: str, error: Exception, scrub: Callable[[str], str] = str) -> str:
    """The one message for a bug: where it failed, and the file that holds the traceback; never the
    exception's text, which may hold a value the user would not want printed (a credential, a secret
    configuration value). `scrub` redacts what the command knows to be secret from the saved traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    summary = f"{prog}: internal error: {type(error).__name__}{where}"
    summary += "; this is a bug in the tool, not a mistake in your input"
    try:
        descriptor, path = tempfile.mkstemp(prefix="crash-", suffix=".txt")
        with os.fdopen(descriptor, "w", encoding="utf-8") as report:
            report.write(scrub("".join(traceback.format_exception(error))))
    except OSError:
        return summary
    return f"{summary}. Its traceback (readable only by you) is in {path}"
