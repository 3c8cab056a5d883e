"""One exit-code convention for every command-line tool in this repository, and the wrapper that keeps it.

- 0: done; nothing to report (no mandatory violation; every check passed or was skipped).
- 1: done, and it found a problem: mandatory policy violations, a failed check, a vendor that refused.
- 2: not done: the input was wrong (arguments, a stack file, a report), a stack could not be evaluated,
  or the tool itself failed (a bug: one message, its traceback in a file).
- 3 to 9: command-specific, documented by the command (`ops.rotate_neon_password`: stopped part-way).
- 130: interrupted by Ctrl-C (128 + SIGINT); 143: terminated by SIGTERM (128 + SIGTERM). Quietly, and
  every process the tool started is gone.

CI reads 1 as "the change is refused" and anything else non-zero as "the check did not run", so a crash
must never exit 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import Final, NoReturn

OK: Final = 0
FAILED: Final = 1
USAGE: Final = 2
INTERRUPTED: Final = 128 + signal.SIGINT
TERMINATED: Final = 128 + signal.SIGTERM


_CLEAN_UPS: list[Callable[[], None]] = []


def on_interrupt(clean_up: Callable[[], None]) -> None:
    """Have `clean_up` run when Ctrl-C or SIGTERM ends the command (e.g. kill the processes it started)."""
    _CLEAN_UPS.append(clean_up)


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: clean up and leave at once, printing nothing.

    Raising an exception instead (KeyboardInterrupt) would unwind from wherever the main thread happens to
    be: half way through taking a lock that a worker thread then waits for, or inside SDK code that
    swallows it. Leaving from here is the one way that is quiet and never hangs.
    """
    for clean_up in _CLEAN_UPS:
        with contextlib.suppress(Exception):
            clean_up()
    os._exit(128 + signum)


def run_command(main: Callable[[], int], prog: str) -> NoReturn:
    """Run `main` and exit with the convention above, whatever happens, with at most one message."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupted)
    try:
        code = main()
    except Exception as error:  # a bug: one message for the user, the traceback for whoever fixes it
        code = USAGE
        print(f"{prog}: internal error: {_crash_summary(error)}", file=sys.stderr)
    with contextlib.suppress(BrokenPipeError, OSError, ValueError):  # `| head`: the reader left
        sys.stdout.flush()
    sys.exit(code)


def _crash_summary(error: Exception) -> str:
    """Where it failed, and the file that holds the traceback; never the exception's text, which may hold
    a value the user would not want printed (a credential, a secret configuration value)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    summary = f"{type(error).__name__}{where}; this is a bug in the tool, not a mistake in your input"
    try:
        descriptor, path = tempfile.mkstemp(prefix="crash-", suffix=".txt")
        with os.fdopen(descriptor, "w", encoding="utf-8") as report:
            report.write("".join(traceback.format_exception(error)))
    except OSError:
        return summary
    return f"{summary}. Its traceback (readable only by you) is in {path}"
