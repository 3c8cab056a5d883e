"""`python -m preflight`: see preflight/cli.py; exit codes: exit_codes.py."""

from exit_codes import run_command
from preflight.cli import main

run_command(main, "preflight")
