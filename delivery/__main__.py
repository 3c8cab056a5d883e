"""`python -m delivery`: see delivery/cli.py; exit codes: exit_codes.py."""

from delivery.cli import main
from exit_codes import run_command

run_command(main, "delivery")
