"""`python -m compliance`: see compliance/cli.py; exit codes: exit_codes.py."""

from compliance.cli import main
from exit_codes import run_command

run_command(main, "compliance")
