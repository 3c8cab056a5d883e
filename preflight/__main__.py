"""`python -m preflight`: see preflight/cli.py; exit codes: exit_codes.py."""

import gc

# A short-lived batch: the collector would walk the SDK's hundreds of thousands of objects again and again
# for the little garbage a few program runs leave. See preflight/runner.py.
gc.disable()

from exit_codes import run_command  # noqa: E402
from preflight.cli import main  # noqa: E402

run_command(main, "preflight")
