"""`python -m preflight`: see preflight/cli.py."""

import os
import sys

from preflight.cli import main

code = main()
# Everything is written: the report file is closed, and stdout and stderr are flushed here. Skip the
# interpreter's teardown, which spends a tenth of a second freeing the Pulumi SDK's modules.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BrokenPipeError:  # `python -m preflight | head`: the reader left, nothing more to say
    pass
os._exit(code)
